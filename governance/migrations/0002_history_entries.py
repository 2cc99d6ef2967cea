"""The timeline's ``Step`` becomes the core's ``HistoryEntry``: its ``opinion`` is its ``reason``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="step", old_name="opinion", new_name="reason"),
        migrations.AlterField(
            model_name="step",
            name="action",
            field=models.CharField(blank=True, max_length=30, verbose_name="action"),
        ),
    ]
