"""Correction factories: the records of the companies entry, and tickets reported and acted on."""

import datetime as dt

from correction.services import ticket_report
from correction.workflow import ticket_act

WRONG = "91350500MA0000001X"  # the record reported wrong
OTHER = "91350500MA0000002X"
RECORDS = [
    {
        "credit_code": WRONG,
        "company_name": "泉州测试贸易有限公司",
        "registered_on": "2020-05-01",
        "capital": "100",
    },
    {
        "credit_code": OTHER,
        "company_name": "泉州测试鞋业有限公司",
        "registered_on": "2018-11-20",
        "capital": "500",
    },
]


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour - 8, tzinfo=dt.UTC)


def report(actor, resource, **overrides):
    fields = {
        "keys": [WRONG],
        "items": ["company_name"],
        "description": "企业名称与营业执照不一致",
        "proposed_value": "泉州测试商贸有限公司",
    }
    return ticket_report(actor=actor, resource=resource, **{**fields, **overrides})


def act(ticket, action, actor, opinion=""):
    return ticket_act(ticket=ticket, action=action, actor=actor, opinion=opinion)


def corrected_rows(name: str = "泉州测试商贸有限公司") -> list[dict]:
    return [{**RECORDS[0], "company_name": name}]
