"""Two PostgreSQL roles (issue 18, item 3): the owner of the tables, and the application's role.

Web, worker and beat connect with ``DATABASE_URL``, as a role that may read and write rows but owns
nothing, so it cannot disable or drop a trigger, truncate, or drop and detach a partition of the audit
log (``manage.py grant_app_role`` says exactly what it may do). ``DATABASE_OWNER_URL`` is the owner's
connection, the settings' ``owner`` alias: ``migrate``, ``grant_app_role`` and the audit partition
maintenance (``manage.py archive_audit``, the ``maintain_partitions`` timer) run as it.

They do so through ``owner_connection``, which makes the owner's connection the default one for the
length of the command, rather than by passing ``using="owner"`` down: the migrations' data functions,
``audit_record`` and the raw SQL of the partition code all use the default connection, and what they
do belongs in the owner's transaction. Without ``DATABASE_OWNER_URL`` (the SQLite demo, a single-role
installation) nothing changes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

OWNER = "owner"
_WHERE = ("ENGINE", "NAME", "HOST", "PORT")


def owner_configured() -> bool:
    """Whether DATABASE_OWNER_URL names the owner, on the database the default connection uses now
    (a test run renames only the default connection's database, until the owner mirrors it)."""
    if OWNER not in connections.settings:
        return False
    owner, default = connections[OWNER].settings_dict, connections[DEFAULT_DB_ALIAS].settings_dict
    return [owner.get(key) for key in _WHERE] == [default.get(key) for key in _WHERE]


@contextmanager
def owner_connection() -> Iterator[None]:
    """Within the block the default connection is the owner's; without an owner, nothing changes."""
    if not owner_configured():
        yield
        return
    application = connections[DEFAULT_DB_ALIAS]
    if application.in_atomic_block:  # the block's work would leave the caller's transaction
        raise RuntimeError("owner_connection() inside a transaction of the application's connection")
    connections[DEFAULT_DB_ALIAS] = connections[OWNER]  # this thread's only (connections are thread-local)
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = application
