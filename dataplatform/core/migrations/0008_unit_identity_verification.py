"""Issue 18: a public organization's identity is verified before it acts as itself. Every unit that
exists already (government units, organizations registered before) counts as verified; a unit made from
now on is unverified unless whoever makes it says otherwise."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import dataplatform.core.models.identity

STATUSES = [("unverified", "Awaiting verification"), ("verified", "Verified"), ("rejected", "Rejected")]


def existing_units_verified(apps, schema_editor):
    apps.get_model("core", "Unit").objects.update(
        identity_status="verified", identity_decided_at=django.utils.timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_notification_message_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="identity_status",
            field=models.CharField(
                choices=STATUSES, default="verified", max_length=20, verbose_name="identity"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="identity_decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="identity decided at"),
        ),
        migrations.AddField(
            model_name="unit",
            name="identity_decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="identity decided by",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="identity_note",
            field=models.TextField(blank=True, verbose_name="reason for the rejection"),
        ),
        migrations.RunPython(existing_units_verified, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="unit",
            name="identity_status",
            field=models.CharField(
                choices=STATUSES, default="unverified", max_length=20, verbose_name="identity"
            ),
        ),
        migrations.CreateModel(
            name="IdentityProof",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        upload_to=dataplatform.core.models.identity.proof_path,
                        verbose_name="file",
                    ),
                ),
                ("original_name", models.CharField(max_length=200, verbose_name="file name")),
                ("content_type", models.CharField(max_length=50, verbose_name="content type")),
                ("size", models.PositiveIntegerField(verbose_name="size")),
                (
                    "uploaded_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="uploaded at"),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="identity_proofs",
                        to="core.unit",
                        verbose_name="unit",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "registration document",
                "verbose_name_plural": "registration documents",
                "ordering": ["-uploaded_at", "-id"],
            },
        ),
    ]
