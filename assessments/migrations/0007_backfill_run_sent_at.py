"""Runs queued or running when 0005 was deployed have no sent_at: the sweeper and start_run
would take them for runs that never reached a worker (and replace or resend them). They were
sent when they were created (before 0005 every run was sent on commit), so that is their
sent_at, and one send their count."""

from django.db import migrations
from django.db.models import F

ACTIVE = ("queued", "running")
# dispatch.NOT_SENT as written by send_run when the broker was unreachable: such a run really
# was never sent (only possible if new code ran before this migration) and keeps no sent_at.
NOT_SENT = "后台任务服务暂时无法连接，任务已登记，服务恢复后将自动开始。"


def backfill_sent_at(apps, schema_editor):
    AssessmentRun = apps.get_model("assessments", "AssessmentRun")
    unsent = AssessmentRun.objects.filter(status__in=ACTIVE, sent_at__isnull=True).exclude(
        error=NOT_SENT
    )
    unsent.filter(dispatch_count=0).update(dispatch_count=1)
    unsent.update(sent_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_historical_evidence"),
    ]

    operations = [
        migrations.RunPython(backfill_sent_at, migrations.RunPython.noop),
    ]
