"""The one clock that orders an entry's changes and the pushes that carry them.

An aggregation or a deletion stamps its records (``Record.updated_at``, ``RecordDeletion.deleted_at``)
with ``database_now()`` read after it holds the entry's row lock; a push reads its horizon the same way
(``sharing/exchange/source.py``). On PostgreSQL that is the server's ``clock_timestamp()``: the time at
the call, not ``now()``, which is the transaction's start and may precede the wait for the lock. Web and
worker hosts' clocks play no part, so no margin for their drift is needed. On SQLite (the demo: one host)
every transaction takes the write lock at BEGIN (``transaction_mode`` IMMEDIATE), and the host's own
clock serves.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone


def database_now() -> dt.datetime:
    """The database's time at this moment (aware, UTC). Call it under the entry's row lock."""
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
    return now
