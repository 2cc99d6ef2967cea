"""Seed the government information resource classification (政务信息资源目录编制指南, 6.1.1) and classify
the existing entries from their category."""

from django.db import migrations

from catalog.classification_tree import classification_tree_seed


def seed(apps, schema_editor):
    classification_tree_seed(
        apps.get_model("catalog", "Classification"), apps.get_model("catalog", "Resource")
    )


def unseed(apps, schema_editor):
    apps.get_model("catalog", "Resource").objects.update(classification=None)
    for level in (4, 3, 2, 1):  # children first: a parent is protected
        apps.get_model("catalog", "Classification").objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_national_catalog_metadata")]

    operations = [migrations.RunPython(seed, unseed)]
