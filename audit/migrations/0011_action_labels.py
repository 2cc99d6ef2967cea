"""The action's choices are read from the vocabulary when asked (``audit.models.action_choices``), with their
labels: a new action or a new label no longer needs a migration. Nothing changes in the database."""

from django.db import migrations, models

import audit.models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0010_event_request_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=audit.models.action_choices, db_index=True, max_length=60, verbose_name="action"
            ),
        ),
    ]
