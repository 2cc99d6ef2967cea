"""Sharing factories: published entries, applications for them, and records for bulk exchange."""

import datetime as dt

from catalog.services import resource_create
from catalog.workflow import resource_transition
from sharing.services import application_create
from tests.factories.catalog import entry_fields

END = dt.date(2027, 12, 31)


def publish(producer, reviewer, **overrides):
    resource = resource_create(actor=producer, producer=producer.unit, **entry_fields(**overrides))
    resource_transition(resource=resource, to="submitted", actor=producer)
    return resource_transition(resource=resource, to="published", actor=reviewer)


def apply(applicant, resource, *, method="interface", items=("credit_code", "company_name"), **fields):
    return application_create(
        actor=applicant,
        lines=[{"resource": resource, "items": list(items)}],
        business_matter=fields.pop("business_matter", "企业开办一件事"),
        scenario=fields.pop("scenario", "核验申请人提交的企业名称"),
        information_system=fields.pop("information_system", "一网通办系统"),
        service_method=method,
        end_date=fields.pop("end_date", END),
        **fields,
    )


# --- Bulk exchange --------------------------------------------------------------------------------

GRANTED = ("credit_code", "company_name", "capital")


def company(n: int, **changes) -> dict:
    return {
        "credit_code": f"91350500MA{n:07d}X",
        "company_name": f"企业{n}",
        "registered_on": "2020-01-02",
        "capital": f"{100 + n}",
        **changes,
    }
