"""The open catalog's and the applications' histories become the core's ``HistoryEntry``: the
application's ``note`` is its ``reason``; both gain the ``action`` (filled in for the rows already
there, from the statuses each action moves between)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# (from_status, to_status) → the action that moves between them
ENTRY_ACTIONS = {
    ("", "proposed"): "propose",
    ("not_open", "proposed"): "propose",
    ("withdrawn", "proposed"): "propose",
    ("proposed", "open"): "open",
    ("proposed", "not_open"): "refuse",
    ("open", "open"): "retype",
    ("open", "withdrawn"): "withdraw",
}
APPLICATION_ACTIONS = {
    ("submitted", "submitted"): "submit",
    ("submitted", "evaluated"): "evaluate",
    ("submitted", "rejected"): "reject_evaluation",
    ("evaluated", "confirmed"): "confirm",
    ("evaluated", "rejected"): "reject",
    ("confirmed", "granted"): "accept_agreement",
}


def fill_actions(apps, schema_editor):
    for model, actions in (
        ("OpenEntryChange", ENTRY_ACTIONS),
        ("OpenApplicationChange", APPLICATION_ACTIONS),
    ):
        rows = apps.get_model("opening", model).objects
        for (source, target), action in actions.items():
            rows.filter(from_status=source, to_status=target, action="").update(action=action)


class Migration(migrations.Migration):
    dependencies = [
        ("opening", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="openapplicationchange", old_name="note", new_name="reason"),
        migrations.AddField(
            model_name="openapplicationchange",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
        migrations.AddField(
            model_name="openentrychange",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="openapplicationchange",
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
            model_name="openapplicationchange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="openapplicationchange",
            name="reason",
            field=models.TextField(blank=True, verbose_name="opinion"),
        ),
        migrations.AlterField(
            model_name="openentrychange",
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
            model_name="openentrychange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
        ),
        migrations.AlterField(
            model_name="openentrychange",
            name="reason",
            field=models.TextField(blank=True, verbose_name="opinion"),
        ),
        migrations.RunPython(fill_actions, migrations.RunPython.noop),
    ]
