"""Exports queued or running when 0005 was deployed have no sent_at/heartbeat_at: without
this step the sweeper would take every one of them for lost and send it again at once."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Coalesce

PENDING = ("queued", "running")


def backfill(apps, schema_editor):
    ExportJob = apps.get_model("ledgers", "ExportJob")
    ExportJob.objects.filter(status__in=PENDING, sent_at__isnull=True).update(
        sent_at=F("created_at")
    )
    ExportJob.objects.filter(status="running", heartbeat_at__isnull=True).update(
        heartbeat_at=Coalesce("started_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0005_export_heartbeat"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
