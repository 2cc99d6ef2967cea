from django.db import migrations


def seed(apps, schema_editor):
    from dataplatform.core.calendar_import import calendar_seed_from_package

    calendar_seed_from_package(
        day_model=apps.get_model("core", "CalendarDay"), year_model=apps.get_model("core", "CalendarYear")
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
