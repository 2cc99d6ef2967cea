"""The audit event table keeps one index per search path and no more (each costs every insert and
every seal): the foreign keys' single-column indexes go where an index starts with the same column
(``audit_owner_time``, ``audit_actor_unit_time``, and the new ``audit_actor_time`` for a person's events).

The indexes are dropped by name rather than by AlterField, which on SQLite rebuilds the table and with it
would drop the append-only triggers of migration 0004. On PostgreSQL dropping a partitioned table's
index drops it on every partition.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FOREIGN_KEY_INDEXES = {  # Django's names for them, the same on both vendors
    "audit_auditevent_actor_id_270bb4b7": "actor_id",
    "audit_auditevent_actor_unit_id_1cf26942": "actor_unit_id",
    "audit_auditevent_owner_unit_id_b4d930e9": "owner_unit_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_partition_by_month"),
        ("core", "0004_personnel_change"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.unit",
                        verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="owner_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.unit",
                        verbose_name="data owner",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in FOREIGN_KEY_INDEXES],
                    [
                        f"CREATE INDEX {name} ON audit_auditevent ({column})"
                        for name, column in FOREIGN_KEY_INDEXES.items()
                    ],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
        ),
    ]
