"""How to reach every named URL of the platform in the access matrix: its arguments, named after the
objects of the matrix's world (tests/hardening/world.py), and the method to try. A URL of a view that has
GET is tried with GET; a POST-only view with an empty POST (which must be refused before it is read)."""

from django.urls import URLPattern, URLResolver, get_resolver

# url name -> keyword arguments; a string value names an object of the world, anything else is literal.
ARGS: dict[str, dict] = {
    "api-calendar-year": {"year": 2026},
    "api-api-key-revoke": {"pk": "api_key"},
    "api-unit-administrators": {"pk": "applicant_unit"},
    "api-personnel-change-decision": {"pk": "missing"},
    "api-resource": {"pk": "draft"},
    "api-resource-transition": {"pk": "draft"},
    "api-resource-basis": {"pk": "published"},
    "api-resource-versions": {"pk": "draft"},
    "api-resource-diff": {"pk": "draft"},
    "api-resource-history": {"pk": "draft"},
    "api-resource-interfaces": {"pk": "published"},
    "api-interface-review": {"pk": "missing"},
    "api-ir-extension": {"pk": "missing"},
    "api-ir-decision": {"pk": "missing"},
    "api-ir-fulfil": {"pk": "missing"},
    "api-resource-records": {"pk": "published"},
    "api-resource-records-delete": {"pk": "published"},
    "api-resource-uploads": {"pk": "published"},
    "api-upload": {"pk": "batch"},
    "api-source-check-decision": {"pk": "missing"},
    "api-temporary-collection-disposal": {"pk": "missing"},
    "api-emergency": {"pk": "missing"},
    "api-emergency-end": {"pk": "missing"},
    "api-application": {"pk": "application"},
    "api-application-act": {"pk": "application"},
    "api-application-attachments": {"pk": "application"},
    "api-grant-change": {"pk": "grant"},
    "api-grant-usage-reports": {"pk": "grant"},
    "api-grant-push-tasks": {"pk": "grant"},
    "api-push-task": {"pk": "missing"},
    "api-push-task-runs": {"pk": "missing"},
    "api-push-task-pause": {"pk": "missing"},
    "api-push-task-resume": {"pk": "missing"},
    "api-push-task-check": {"pk": "missing"},
    "api-push-run": {"pk": "missing"},
    "api-correction-ticket": {"pk": "ticket"},
    "api-correction-ticket-act": {"pk": "ticket"},
    "data-records": {"pk": "published"},
    "data-record": {"pk": "published", "key": "91350500MA0000001X"},
    "data-statistics": {"pk": "published"},
    "data-interface-call": {"pk": "missing"},
    "data-verify": {"pk": "missing"},
    "open-api-records": {"slug": "no-such-dataset"},
    "open-api-statistics": {"slug": "no-such-dataset"},
    "api-governance-project": {"pk": "missing"},
    "api-governance-project-assets": {"pk": "missing"},
    "api-governance-project-asset": {"pk": "missing", "asset_pk": "missing"},
    "api-governance-readiness": {"pk": "missing"},
    "api-governance-project-act": {"pk": "missing"},
    "api-governance-copy-act": {"pk": "missing"},
    "api-governance-copy": {"pk": "missing"},
    "api-governance-authorization-act": {"pk": "missing"},
    "api-governance-complaint-act": {"pk": "missing"},
    "api-governance-dispute": {"pk": "missing"},
    "api-governance-dispute-act": {"pk": "missing"},
    "ckan-action": {"action": "package_list"},
    "open-dataset": {"slug": "no-such-dataset"},
    "open-download": {"slug": "no-such-dataset", "fmt": "csv"},
    "open-dcat": {"fmt": "jsonld"},
    "open-dataset-rdf": {"slug": "no-such-dataset", "fmt": "ttl"},
    "open-organization": {"code": "no-such-unit"},
    "open-organization-rdf": {"code": "nosuchunit", "fmt": "ttl"},
    "open-apply": {"slug": "no-such-dataset"},
    "open-application": {"pk": "missing"},
    "api-open-application": {"pk": "missing"},
    "api-open-application-act": {"pk": "missing"},
    "api-open-entry": {"pk": "missing"},
    "api-open-entry-act": {"pk": "missing"},
    "open-application-action": {"pk": "missing"},
    "open-propose": {"resource_pk": "published"},
    "open-manage-entry": {"pk": "missing"},
    "open-manage-action": {"pk": "missing"},
    "open-manage-review": {"year": 2026},
    "catalog-resource": {"pk": "draft"},
    "catalog-edit": {"pk": "draft"},
    "catalog-transition": {"pk": "draft"},
    "catalog-basis-changed": {"pk": "published"},
    "catalog-diff": {"pk": "draft"},
    "catalog-interface-register": {"pk": "published"},
    "catalog-interface-review": {"pk": "missing"},
    "catalog-interface-request": {"pk": "missing"},
    "catalog-upload": {"pk": "published"},
    "catalog-batch": {"pk": "batch"},
    "catalog-source-decide": {"pk": "missing"},
    "catalog-temporary-dispose": {"pk": "missing"},
    "catalog-emergency": {"pk": "missing"},
    "catalog-emergency-end": {"pk": "missing"},
    "sharing-application": {"pk": "application"},
    "sharing-application-edit": {"pk": "application"},
    "sharing-application-add-resource": {"pk": "application"},
    "sharing-application-act": {"pk": "application"},
    "sharing-attachment": {"pk": "application", "attachment_pk": "attachment"},
    "sharing-grant-change": {"pk": "grant"},
    "sharing-usage-report": {"pk": "grant"},
    "sharing-push-tasks": {"pk": "grant"},
    "sharing-push-task": {"pk": "missing"},
    "sharing-push-task-move": {"pk": "missing", "move": "pause"},
    "correction-ticket": {"pk": "ticket"},
    "correction-act": {"pk": "ticket"},
    "correction-attachment": {"pk": "ticket"},
    "audit-lookup": {"kind": "person"},  # a literal: the picker's kind
    "audit-usage-csv": {"day": "2026-11-20"},
    "audit-usage-day": {"day": "2026-11-20"},
    "federation-peer": {"pk": "missing"},
    "api-federation-peer": {"pk": "missing"},
    "api-federation-peer-act": {"pk": "missing"},
    "api-federation-remote-entry": {"pk": "missing"},
    "api-federation-backflow": {"pk": "missing"},
    "api-federation-backflow-act": {"pk": "missing"},
    "federation-remote-entry": {"pk": "missing"},
    "federation-backflow": {"pk": "missing"},
    "federation-backflow-new": {"entry_pk": "missing"},
    "governance-project": {"pk": "missing"},
    "governance-project-asset": {"pk": "missing"},
    "governance-objection": {"resource_pk": "published"},
    "governance-copy-file": {"pk": "missing"},
    "governance-dispute": {"pk": "missing"},
    "governance-document": {"pk": "missing"},
    "governance-act": {"kind": "projects", "pk": "missing"},
    "api-key-revoke": {"pk": "api_key"},
    "personnel-change-decide": {"pk": "missing"},
    "organization-verification-decide": {"pk": "organization"},
    "organization-proof": {"pk": "identity_proof"},
    "api-organization-verification-decision": {"pk": "organization"},
}

# Not in the matrix, with the reason.
EXEMPT = {
    "set_language": "Django's language switch: public by design, changes only the visitor's own cookie",
    "login": "public by design; its lockout is tested in test_authentication",
    "logout": "POST only; logging out is harmless for anyone",
    "schema": "public by design (SERVE_PERMISSIONS): the API's description, no data",
    "swagger-ui": "public by design, like the schema",
    # Public by design for the load balancer, and the same for every persona; its status depends on the
    # world's heartbeats and disk, not on who asks: tests/core/test_health.py tries it anonymously.
    "readyz": "public by design (readiness for the load balancer); tested in tests/core/test_health.py",
    "metrics": "a scraper's token or loopback, not a persona's; tested in tests/core/test_metrics.py",
}


def named_patterns() -> dict[str, URLPattern]:
    """Every named URL pattern outside the Django admin, by name."""
    found: dict[str, URLPattern] = {}

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) == "admin":
                    continue
                walk(pattern.url_patterns)
            elif pattern.name:
                found[pattern.name] = pattern

    walk(get_resolver().url_patterns)
    return found


def method_of(pattern: URLPattern) -> str:
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    if view is not None:
        return "GET" if hasattr(view, "get") else "POST"
    allowed = getattr(pattern.callback, "http_method_names", None)
    return "POST" if allowed == ["post"] else "GET"
