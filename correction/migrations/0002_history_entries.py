import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """The timeline inherits the core's history entry (core.models.history.HistoryEntry): a step's
    opinion is its reason."""

    dependencies = [("correction", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="ticketstep", old_name="opinion", new_name="reason"),
        migrations.AlterField(
            model_name="ticketstep",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="ticketstep",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="date"),
        ),
    ]
