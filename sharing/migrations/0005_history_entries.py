import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# The action that led to each status, for the grant events recorded before they named it.
GRANT_ACTIONS = {"suspended": "suspend", "active": "resume", "ended": "end", "expired": "expire"}


def name_grant_actions(apps, schema_editor):
    GrantEvent = apps.get_model("sharing", "GrantEvent")
    for status, action in GRANT_ACTIONS.items():
        GrantEvent.objects.filter(action="", to_status=status).update(action=action)


class Migration(migrations.Migration):
    """The timelines inherit the core's history entry (core.models.history.HistoryEntry): a step's
    opinion is its reason, and a grant event names its action."""

    dependencies = [
        ("sharing", "0004_push_tasks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="applicationstep", old_name="opinion", new_name="reason"),
        migrations.AddField(
            model_name="grantevent",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
        migrations.RunPython(name_grant_actions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="applicationstep",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="applicationstep",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="applicationstep",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="grantevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="grantevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="grantevent",
            name="reason",
            field=models.TextField(blank=True, verbose_name="opinion"),
        ),
    ]
