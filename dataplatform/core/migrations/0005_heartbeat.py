from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_personnel_change"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                (
                    "name",
                    models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name="name"),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
            ],
            options={"verbose_name": "heartbeat", "verbose_name_plural": "heartbeats"},
        ),
    ]
