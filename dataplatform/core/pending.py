import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PendingItem:
    """One thing a person has to do, shown on their home page."""

    title: str
    url: str
    due: dt.date | None = None
    kind: str = ""
