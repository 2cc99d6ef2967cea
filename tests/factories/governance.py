"""Governance factories: valid identity numbers and credit codes of the subjects, and the items of the
entries holding records about them."""

from dataplatform.core.demo.core import credit_code
from governance.subjects import id_number_valid


def with_check(body: str) -> str:
    return next(body + c for c in "0123456789X" if id_number_valid(body + c))


CITIZEN_ID = with_check("35050219800101123")
OTHER_ID = with_check("35050219900202456")
COMPANY_CODE = credit_code("91", "350500", "MA0000Q11")

PEOPLE_ITEMS = [
    {
        "name": "id_number",
        "label": "公民身份号码",
        "is_key": True,
        "required": True,
        "is_personal": True,
        "is_sensitive": True,
    },
    {"name": "full_name", "label": "姓名", "is_personal": True},
    {"name": "household_address", "label": "户籍地址", "is_personal": True},
]
INSURANCE_ITEMS = [
    {"name": "record_id", "label": "缴费记录编号", "is_key": True, "required": True},
    {"name": "id_number", "label": "公民身份号码", "is_personal": True, "is_sensitive": True},
    {"name": "insurance_type", "label": "险种"},
]
