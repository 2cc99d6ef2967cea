"""Every action the platform writes to the audit log (Q8.4, F24), said once.

An audit event's ``action`` is "<sub-domain>.<verb>" (a few are deeper: "governance.<subject>.<verb>",
"application.attachment.download"; the login is plain "login"). ``audit.services.audit_record`` refuses
any other string, so a misspelt action fails in the tests, not silently in the log. The workflow
lifecycles (``core.workflow.Lifecycle``) write "<lifecycle name>.<action label or name>": their actions
are listed here too, next to the rest of their sub-domain.

It lives in the core, not in the audit app, because the core's own services are audited too and the core
never imports the audit app. The stored value is the plain string: renaming a member is free, changing
its value is not (old events keep the old value).
"""

from django.db import models

from .audit_action_labels import ACTION_LABELS, GROUP_LABELS


class AuditAction(models.TextChoices):
    # --- people, units and access (core) ------------------------------------------------------------
    LOGIN = "login"  # a success, or a refusal (outcome "denied")
    UNIT_CREATE = "unit.create"
    UNIT_UPDATE = "unit.update"  # an administrator's edit in the admin site
    ROLE_ASSIGN = "role.assign"
    ROLE_REVOKE = "role.revoke"
    API_KEY_ISSUE = "api_key.issue"
    API_KEY_REVOKE = "api_key.revoke"
    # A rejected API key (outcome "denied"): the lockout per address is rebuilt from these after a restart
    API_KEY_REJECT = "api_key.reject"
    PERSONNEL_CHANGE_FILE = "personnel_change.file"
    PERSONNEL_CHANGE_APPROVE = "personnel_change.approve"
    PERSONNEL_CHANGE_REJECT = "personnel_change.reject"
    # Issue 18: a public organization's registration documents and the authority's verification of them
    UNIT_IDENTITY_SUBMIT = "unit.identity_submit"
    UNIT_IDENTITY_VERIFY = "unit.identity_verify"
    UNIT_IDENTITY_REJECT = "unit.identity_reject"
    UNIT_IDENTITY_PROOF_DOWNLOAD = "unit.identity_proof_download"
    # The working-day calendar (the import command, the admin site)
    CALENDAR_IMPORT = "calendar.import"
    CALENDARYEAR_CREATE = "calendaryear.create"
    CALENDARYEAR_UPDATE = "calendaryear.update"
    CALENDARDAY_CREATE = "calendarday.create"
    CALENDARDAY_UPDATE = "calendarday.update"

    # --- the catalog: entries and their lifecycle (catalog.workflow) ---------------------------------
    RESOURCE_CREATE = "resource.create"
    RESOURCE_UPDATE = "resource.update"
    RESOURCE_BASIS_CHANGED = "resource.basis_changed"
    RESOURCE_SUBMIT = "resource.submit"
    RESOURCE_RESUBMIT = "resource.resubmit"
    RESOURCE_PUBLISH = "resource.publish"
    RESOURCE_RETURN = "resource.return"
    RESOURCE_REVISE = "resource.revise"
    RESOURCE_RETIRE = "resource.retire"
    RESOURCE_DISCARD = "resource.discard"
    # Aggregation and the deletion of records
    RESOURCE_AGGREGATE = "resource.aggregate"
    RESOURCE_RECORDS_DELETE = "resource.records_delete"
    # Collection: one source for each item (G38, G39)
    COLLECTION_ITEM_CREATE = "collection_item.create"
    RESOURCE_SOURCE_FLAGGED = "resource.source_flagged"
    SOURCE_CONFLICT_CONFIRM = "source_conflict.confirm"
    SOURCE_CONFLICT_REFUSE = "source_conflict.refuse"
    # Emergencies and their temporary collections (G40); the disposals are ``Disposal``'s values
    EMERGENCY_DECLARE = "emergency.declare"
    EMERGENCY_END = "emergency.end"
    TEMPORARY_COLLECTION_RECORD = "temporary_collection.record"
    TEMPORARY_COLLECTION_SEALED = "temporary_collection.sealed"
    TEMPORARY_COLLECTION_DESTROYED = "temporary_collection.destroyed"
    TEMPORARY_COLLECTION_RETAINED = "temporary_collection.retained"
    # Producers' service interfaces and the requests for one
    INTERFACE_REGISTER = "interface.register"
    INTERFACE_PUBLISH = "interface.publish"
    INTERFACE_REJECT = "interface.reject"
    INTERFACE_REQUEST_CREATE = "interface_request.create"
    INTERFACE_REQUEST_ASK_EXTENSION = "interface_request.ask_extension"
    INTERFACE_REQUEST_GRANT_EXTENSION = "interface_request.grant_extension"
    INTERFACE_REQUEST_REFUSE_EXTENSION = "interface_request.refuse_extension"
    INTERFACE_REQUEST_FULFIL = "interface_request.fulfil"

    # --- sharing: applications (sharing.workflow's LIFECYCLE) ----------------------------------------
    APPLICATION_CREATE = "application.create"
    APPLICATION_UPDATE = "application.update"
    APPLICATION_ATTACH = "application.attach"
    APPLICATION_ATTACHMENT_DOWNLOAD = "application.attachment.download"
    APPLICATION_OVERDUE = "application.overdue"
    APPLICATION_SUBMIT = "application.submit"
    APPLICATION_WITHDRAW = "application.withdraw"
    APPLICATION_REASONABLE = "application.reasonable"
    APPLICATION_UNREASONABLE = "application.unreasonable"
    APPLICATION_AGREE = "application.agree"
    APPLICATION_DISAGREE = "application.disagree"
    APPLICATION_FORWARD = "application.forward"
    APPLICATION_APPROVE = "application.approve"
    APPLICATION_RETURN = "application.return"
    APPLICATION_REFUSE = "application.refuse"
    APPLICATION_COUNTY_REFUSE = "application.county_refuse"
    APPLICATION_COORDINATE_APPROVE = "application.coordinate_approve"
    APPLICATION_COORDINATE_REFUSE = "application.coordinate_refuse"
    APPLICATION_CONFIGURE = "application.configure"
    # Grants (sharing.workflow's GRANT_LIFECYCLE) and their supervision
    GRANT_SUSPEND = "grant.suspend"
    GRANT_RESUME = "grant.resume"
    GRANT_END = "grant.end"
    GRANT_EXPIRE = "grant.expire"
    GRANT_USAGE_REPORT = "grant.usage_report"
    GRANT_CRAWLER_ALERT = "grant.crawler_alert"
    # The data interface's calls: a unit's usage log is the "data." group
    DATA_QUERY = "data.query"
    DATA_VERIFY = "data.verify"
    DATA_STATISTICS = "data.statistics"
    VERIFICATION_RULE_CREATE = "verification_rule.create"
    # Push tasks and their runs
    PUSH_TASK_CREATE = "push.task_create"
    PUSH_TASK_CHANGE = "push.task_change"
    PUSH_PAUSE = "push.pause"
    PUSH_RESUME = "push.resume"
    PUSH_RUN = "push.run"

    # --- correction tickets (correction.workflow) ----------------------------------------------------
    CORRECTION_REPORT = "correction.report"
    CORRECTION_DISPATCH = "correction.dispatch"
    CORRECTION_CLOSE = "correction.close"
    CORRECTION_CORRECT = "correction.correct"
    CORRECTION_DECLINE = "correction.decline"
    CORRECTION_RESOLVE = "correction.resolve"
    CORRECTION_CONFIRM = "correction.confirm"
    CORRECTION_REOPEN = "correction.reopen"
    CORRECTION_OVERDUE = "correction.overdue"
    CORRECTION_RECORD_VIEW = "correction.record_view"
    CORRECTION_ATTACHMENT_DOWNLOAD = "correction.attachment.download"

    # --- open data: the open catalog (opening.workflow) and its reviews ------------------------------
    OPEN_ENTRY_PROPOSE = "open_entry.propose"
    OPEN_ENTRY_OPEN = "open_entry.open"
    OPEN_ENTRY_REFUSE = "open_entry.refuse"
    OPEN_ENTRY_RETYPE = "open_entry.retype"
    OPEN_ENTRY_WITHDRAW = "open_entry.withdraw"
    OPEN_REVIEW_OPEN = "open_review.open"
    OPEN_REVIEW_DECIDE = "open_review.decide"
    # Conditional opening: organisations and their applications (opening.applications)
    OPEN_ORGANIZATION_REGISTER = "open_organization.register"
    OPEN_APPLICATION_SUBMIT = "open_application.submit"
    OPEN_APPLICATION_EVALUATE = "open_application.evaluate"
    OPEN_APPLICATION_REJECT_EVALUATION = "open_application.reject_evaluation"
    OPEN_APPLICATION_CONFIRM = "open_application.confirm"
    OPEN_APPLICATION_REJECT = "open_application.reject"
    OPEN_APPLICATION_ACCEPT_AGREEMENT = "open_application.accept_agreement"
    # The public portal and its interfaces
    OPEN_PREVIEW = "open.preview"
    OPEN_DOWNLOAD = "open.download"
    OPEN_API = "open.api"  # the open-data API and its CKAN-compatible actions
    OPEN_DCAT = "open.dcat"

    # --- governance: the flows are "governance.<subject>.<action>" (governance.workflow) -------------
    GOVERNANCE_PROJECT_REGISTER = "governance.project.register"
    GOVERNANCE_PROJECT_APPROVE_FEASIBILITY = "governance.project.approve_feasibility"
    GOVERNANCE_PROJECT_ACCEPT = "governance.project.accept"
    GOVERNANCE_PROJECT_ASSET_ADD = "governance.project.asset_add"
    GOVERNANCE_PROJECT_ASSET_LINK = "governance.project.asset_link"
    GOVERNANCE_PROJECT_READINESS_CHECK = "governance.project.readiness_check"
    GOVERNANCE_DOCUMENT_DOWNLOAD = (
        "governance.document.download"  # a step's document, of a dispute or project
    )
    # Data subjects (G41–G43): their identity, holdings, copies, authorizations and complaints
    GOVERNANCE_IDENTITY_VERIFY = "governance.identity.verify"
    GOVERNANCE_SUBJECT_HOLDINGS = "governance.subject.holdings"
    GOVERNANCE_COPY_REQUEST = "governance.copy.request"
    GOVERNANCE_COPY_PROVIDE = "governance.copy.provide"
    GOVERNANCE_COPY_REFUSE = "governance.copy.refuse"
    GOVERNANCE_COPY_DOWNLOAD = "governance.copy.download"
    GOVERNANCE_AUTHORIZATION_GRANT = "governance.authorization.grant"
    GOVERNANCE_AUTHORIZATION_REVOKE = "governance.authorization.revoke"
    GOVERNANCE_AUTHORIZATION_USE = "governance.authorization.use"
    GOVERNANCE_COMPLAINT_SUBMIT = "governance.complaint.submit"
    GOVERNANCE_COMPLAINT_ACCEPT = "governance.complaint.accept"
    GOVERNANCE_COMPLAINT_ANSWER = "governance.complaint.answer"
    # Disputes between units (G51)
    GOVERNANCE_DISPUTE_RECORD = "governance.dispute.record"
    GOVERNANCE_DISPUTE_SETTLE = "governance.dispute.settle"
    GOVERNANCE_DISPUTE_ASK_COORDINATION = "governance.dispute.ask_coordination"
    GOVERNANCE_DISPUTE_COORDINATE_SETTLE = "governance.dispute.coordinate_settle"
    GOVERNANCE_DISPUTE_CONVENE_CONSULTATION = "governance.dispute.convene_consultation"
    GOVERNANCE_DISPUTE_CONSULTATION_SETTLE = "governance.dispute.consultation_settle"
    GOVERNANCE_DISPUTE_PREPARE_REPORT = "governance.dispute.prepare_report"
    GOVERNANCE_DISPUTE_STATE_GROUNDS = "governance.dispute.state_grounds"
    GOVERNANCE_DISPUTE_REPORT = "governance.dispute.report"
    GOVERNANCE_DISPUTE_RECORD_DECISION = "governance.dispute.record_decision"
    GOVERNANCE_DISPUTE_ADD_DOCUMENTS = "governance.dispute.add_documents"

    # --- federation (issue 17): peers, keys, and each signed message on both sides under its message id -
    FEDERATION_PEER_CREATE = "federation.peer_create"
    FEDERATION_PEER_CHANGE = "federation.peer_change"
    FEDERATION_PEER_SUSPEND = "federation.peer_suspend"
    FEDERATION_PEER_RESUME = "federation.peer_resume"
    FEDERATION_KEY_GENERATE = "federation.key_generate"
    FEDERATION_SEND = "federation.send"  # the sender's outbox row
    FEDERATION_DELIVER = "federation.deliver"  # the receiver's answer, on the sender
    FEDERATION_RECEIVE = "federation.receive"  # the receiver's inbox row
    FEDERATION_APPLY = "federation.apply"
    FEDERATION_REFUSE = "federation.refuse"  # a request refused (outcome "denied")
    # Back-flow (docs/federation.md §14): the lower node's application lifecycle ("federation.backflow.<action>")
    FEDERATION_BACKFLOW_CREATE = "federation.backflow.create"
    FEDERATION_BACKFLOW_FORWARD = "federation.backflow.forward"  # the county authority to the city's
    FEDERATION_BACKFLOW_APPROVE = "federation.backflow.approve"  # the city authority: on to the upper node
    FEDERATION_BACKFLOW_REFUSE = "federation.backflow.refuse"
    FEDERATION_BACKFLOW_WITHDRAW = "federation.backflow.withdraw"
    FEDERATION_BACKFLOW_UPSTREAM = "federation.backflow.upstream"  # a step at the upper node, recorded here
    FEDERATION_BACKFLOW_GRANT = "federation.backflow.grant"
    FEDERATION_BACKFLOW_SUSPEND = "federation.backflow.suspend"
    FEDERATION_BACKFLOW_END = "federation.backflow.end"
    FEDERATION_BACKFLOW_RESUME = "federation.backflow.resume"
    # … the upper node's side, and the records that move
    FEDERATION_EXPORT_CREATE = "federation.export_create"  # a lower node's application made here
    FEDERATION_TRANSFER_SEND = "federation.transfer_send"  # records queued for a lower node
    FEDERATION_TRANSFER_APPLY = "federation.transfer_apply"  # records written into a mirror
    FEDERATION_USAGE = "federation.usage"  # a lower node's use of mirrored data, on the producer's chain

    # --- supervision and the audit log itself --------------------------------------------------------
    SUPERVISION_EXPORT = "supervision.export"
    AUDIT_EXPORT = "audit.export"  # an export of the log is itself recorded
    AUDIT_ARCHIVE = "audit.archive"
    RECORD_VIEW = "record.view"  # a plain read of records: the audit log's own tests write it

    @classmethod
    def known(cls, action: str) -> bool:
        return action in _VALUES

    @classmethod
    def group(cls, prefix: str) -> list["AuditAction"]:
        """The members under ``prefix``, a group written with its dot ("data.", "governance.project.")."""
        return [member for member in cls if member.value.startswith(prefix)]

    @classmethod
    def groups(cls) -> list[str]:
        """Every group of actions, with its dot: each dotted prefix of a member ("governance.",
        "governance.project.")."""
        prefixes = {
            ".".join(parts[:n]) + "."
            for parts in (member.value.split(".") for member in cls)
            for n in range(1, len(parts))
        }
        return sorted(prefixes)

    @classmethod
    def filter_choices(cls) -> list[tuple[str, str]]:
        """The audit search's choice of action: a group (everything of applications: "application.") or
        one action."""
        return [(group, group) for group in cls.groups()] + [(member.value, member.value) for member in cls]

    @classmethod
    def group_label(cls, prefix: str) -> str:
        """The words for a group of actions ("application." → "Sharing applications"); its code if it has none."""
        return str(GROUP_LABELS.get(prefix, prefix))


# The label is what a person reads (the search, the admin, the home page); a member still without one
# shows its code (tests/audit/test_actions.py asks every member for one).
for _member in AuditAction:
    _member._label_ = ACTION_LABELS.get(_member.value, _member.value)
_VALUES = frozenset(AuditAction.values)
