import uuid

from django.db import migrations, models


def give_identities(apps, schema_editor):
    """Each existing task its own UUID (a field default would give them all the same one)."""
    PushTask = apps.get_model("sharing", "PushTask")
    for pk in PushTask.objects.filter(identity__isnull=True).order_by().values_list("pk", flat=True):
        PushTask.objects.filter(pk=pk).update(identity=uuid.uuid4())


class Migration(migrations.Migration):
    """A push task's identity: its progress in a target database is keyed by it, not by its id."""

    dependencies = [("sharing", "0005_history_entries")]

    operations = [
        migrations.AddField(
            model_name="pushtask",
            name="identity",
            field=models.UUIDField(editable=False, null=True, verbose_name="identity"),
        ),
        migrations.RunPython(give_identities, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pushtask",
            name="identity",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="identity"),
        ),
    ]
