"""The readers of a received message's body (federation/bodies.py): a value as the message means it, or a
refusal naming the field, never an exception of another kind (the inbox answers apply_failed with it)."""

import datetime as dt

import pytest

from federation import bodies
from federation.handlers import HandlerError


def refusal(read, *args, **kwargs) -> str:
    with pytest.raises(HandlerError) as refused:
        read(*args, **kwargs)
    return str(refused.value)


def test_a_text_is_required_bounded_and_optional_when_said():
    assert bodies.text({"code": "QZ-1"}, "code", 60) == "QZ-1"
    assert bodies.text({"basis": None}, "basis", 10, required=False) == ""
    assert bodies.text({}, "basis", 10, required=False) == ""
    assert (
        refusal(bodies.text, {"code": "  "}, "code", 60) == '"code" must be a text of at most 60 characters'
    )
    assert refusal(bodies.text, {"code": 7}, "code", 60).startswith('"code" must be a text')
    assert refusal(bodies.text, {"note": "x" * 11}, "note", 10, required=False, kind="usage.report") == (
        'usage.report: "note" must be an optional text of at most 10 characters'
    )


@pytest.mark.parametrize("value", [True, -1, 1.5, "3", None])
def test_a_whole_number_is_an_int_and_no_boolean(value):
    assert refusal(bodies.whole, {"n": value}, "n") == '"n" must be a whole number, 0 or more'


def test_a_whole_number_has_its_minimum():
    assert bodies.whole({"request": 1}, "request", minimum=1) == 1
    assert "1 or more" in refusal(bodies.whole, {"request": 0}, "request", minimum=1)


def test_a_day_is_an_iso_date():
    assert bodies.day({"day": "2026-12-06"}, "day") == dt.date(2026, 12, 6)
    for value in ("2026-13-45", "yesterday", 20261206, None):
        assert refusal(bodies.day, {"day": value}, "day") == '"day" must be a date, YYYY-MM-DD'


def test_a_moment_carries_its_offset_and_a_missing_optional_one_is_none():
    assert bodies.moment({"at": "2026-12-06T09:00:00+08:00"}, "at") == dt.datetime(
        2026, 12, 6, 1, 0, tzinfo=dt.UTC
    )
    assert bodies.moment({"at": ""}, "at", required=False) is None
    assert bodies.moment({}, "at", required=False) is None
    # Naive, well formed but impossible, not a text, missing though required: refused by name.
    for body in ({"at": "2026-12-06T09:00:00"}, {"at": "2026-13-45T09:00:00+08:00"}, {"at": 5}, {}):
        assert refusal(bodies.moment, body, "at").startswith('"at" must be an ISO 8601 date and time')
