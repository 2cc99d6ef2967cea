from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0006_push_task_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="grant",
            name="daily_row_quota",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="records per day"),
        ),
    ]
