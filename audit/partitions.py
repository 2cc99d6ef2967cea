"""Monthly partitions of the audit event table on PostgreSQL (Q8.4, F24: kept three years, then archived).

``audit_auditevent`` is partitioned by RANGE on ``occurred_at``, one partition per China Standard Time
month (``audit_auditevent_p2026_11``) and a default partition for anything outside them. Migration 0007
converts the table; ``partitions_ensure`` (a daily timer) creates this month's and the next months'
partitions ahead, so that events never land in the default partition. On SQLite the table stays plain and
these functions do nothing.

What a partition carries by itself: the parent's indexes and guard trigger are cloned onto every
partition by PostgreSQL; the one-event-per-chain-position unique index cannot live on the parent (a
unique index of a partitioned table must contain the partition key), so it is created on each partition.

Who may maintain them: only the owner of the table may create, detach or drop a partition; the
application's database role may not (``manage.py grant_app_role``, dataplatform/core/db_roles.py).
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

PARENT = "audit_auditevent"
DEFAULT_PARTITION = f"{PARENT}_default"
MONTHS_AHEAD = 3
CST = ZoneInfo("Asia/Shanghai")  # months are China Standard Time months, like the usage log's days
_NAME = re.compile(rf"^{PARENT}_p(\d{{4}})_(\d{{2}})$")


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date  # the first day of its month

    @property
    def start(self) -> dt.datetime:
        return month_start(self.month)

    @property
    def end(self) -> dt.datetime:
        return month_start(next_month(self.month))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_start(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(month, dt.time.min, tzinfo=CST)


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_p{month.year:04d}_{month.month:02d}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partitions_maintainable() -> bool:
    """Whether this connection may create, detach and drop partitions: the table's owner (or a member of
    its role) may, the application's role may not."""
    if not is_partitioned():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
            [PARENT],
        )
        return cursor.fetchone()[0]


def partitions_list() -> list[Partition]:
    """The monthly partitions attached now, oldest first (the default partition is not listed)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [PARENT]
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        if match := _NAME.match(name):
            months.append(Partition(name, dt.date(int(match[1]), int(match[2]), 1)))
    return sorted(months, key=lambda partition: partition.month)


def partition_create_sql(month: dt.date) -> list[str]:
    """The statements that create one month's partition with its chain-position unique index. Used by
    migration 0007 too, so keep them plain SQL over a table that exists from that migration on."""
    name, start, end = partition_name(month), month_start(month), month_start(next_month(month))
    return [
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {name}_chain_seq ON {name} "
        "((COALESCE(owner_unit_id, 0)), chain_seq) WHERE chain_seq IS NOT NULL",
    ]


def default_partition_sql() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {DEFAULT_PARTITION} PARTITION OF {PARENT} DEFAULT",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {DEFAULT_PARTITION}_chain_seq ON {DEFAULT_PARTITION} "
        "((COALESCE(owner_unit_id, 0)), chain_seq) WHERE chain_seq IS NOT NULL",
    ]


def partitions_ensure(*, since: dt.date | None = None, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the monthly partitions from ``since`` (default: this month) to ``months_ahead`` months
    after this one; return the names created. Idempotent.

    A month whose rows already sit in the default partition is skipped with a warning: PostgreSQL
    refuses to create a partition over rows the default partition holds, and moving them would be a
    DELETE, which the guard trigger refuses. They stay searchable and chained where they are.
    """
    if not is_partitioned():
        return []
    this_month = first_of_month(timezone.localdate(timezone.now(), CST))
    month = first_of_month(min(since or this_month, this_month))
    last = this_month
    for _ in range(months_ahead):
        last = next_month(last)
    existing = {partition.name for partition in partitions_list()}
    created = []
    with connection.cursor() as cursor:
        while month <= last:
            name = partition_name(month)
            if name not in existing:
                if _default_holds(cursor, month):
                    logger.warning(
                        "Audit events of %s are in the default partition; %s not created.", month, name
                    )
                else:
                    for sql in [*partition_create_sql(month), partition_read_only_sql(name)]:
                        cursor.execute(sql)
                    created.append(name)
            month = next_month(month)
    return created


def _default_holds(cursor, month: dt.date) -> bool:
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE occurred_at >= %s AND occurred_at < %s)",
        [month_start(month), month_start(next_month(month))],
    )
    return cursor.fetchone()[0]


def partition_read_only_sql(name: str) -> str:
    """Every role the owner's default privileges gave a new partition keeps SELECT only (manage.py backup
    reads partitions one by one): rows are written through the parent, whose grants PostgreSQL checks,
    and a role that could write a partition directly could delete from it."""
    return f"""
        DO $$
        DECLARE grantee regrole;
        BEGIN
            FOR grantee IN
                SELECT DISTINCT acl.grantee::regrole FROM pg_class, aclexplode(relacl) AS acl
                WHERE pg_class.oid = '{name}'::regclass AND acl.grantee NOT IN (0, relowner)
            LOOP
                EXECUTE format('REVOKE ALL ON {name} FROM %s', grantee);
                EXECUTE format('GRANT SELECT ON {name} TO %s', grantee);
            END LOOP;
        END $$
    """


def partition_drop_sql(partition: Partition) -> list[str]:
    """DETACH, then DROP: neither is a DELETE, so the row trigger refusing DELETE does not fire."""
    return [f"ALTER TABLE {PARENT} DETACH PARTITION {partition.name}", f"DROP TABLE {partition.name}"]
