from .administrators import PersonnelChange, PersonnelChangeStatus
from .apikeys import ApiKey
from .calendar import CalendarDay, CalendarYear
from .history import HistoryEntry
from .notifications import Notification
from .people import Role, RoleAssignment, User
from .units import Region, Unit

__all__ = [
    "ApiKey",
    "CalendarDay",
    "CalendarYear",
    "HistoryEntry",
    "Notification",
    "PersonnelChange",
    "PersonnelChangeStatus",
    "Region",
    "Role",
    "RoleAssignment",
    "Unit",
    "User",
]
