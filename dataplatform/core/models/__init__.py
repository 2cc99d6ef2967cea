from .administrators import PersonnelChange, PersonnelChangeStatus
from .apikeys import ApiKey
from .calendar import CalendarDay, CalendarYear
from .heartbeats import Heartbeat
from .history import HistoryEntry
from .identity import IdentityProof
from .notifications import Notification
from .people import Role, RoleAssignment, User
from .units import IdentityStatus, Region, Unit

__all__ = [
    "ApiKey",
    "CalendarDay",
    "CalendarYear",
    "Heartbeat",
    "HistoryEntry",
    "IdentityProof",
    "IdentityStatus",
    "Notification",
    "PersonnelChange",
    "PersonnelChangeStatus",
    "Region",
    "Role",
    "RoleAssignment",
    "Unit",
    "User",
]
