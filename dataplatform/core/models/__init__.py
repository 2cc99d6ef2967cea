from .administrators import PersonnelChange, PersonnelChangeStatus
from .apikeys import ApiKey
from .calendar import CalendarDay, CalendarYear
from .heartbeats import Heartbeat
from .history import HistoryEntry
from .notifications import Notification
from .people import Role, RoleAssignment, User
from .units import Region, Unit

__all__ = [
    "ApiKey",
    "CalendarDay",
    "CalendarYear",
    "Heartbeat",
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
