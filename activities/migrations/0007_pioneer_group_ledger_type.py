"""A service ledger type for 党员先锋小组: the seed report counts them apart from the volunteer
teams (10 teams, 12 groups), so the 志愿服务队 type no longer names them."""

from django.db import migrations

CODE = "pioneer-group"
TEAMS_DESCRIPTION = (
    "据2023年报道，组建老年健康科普、环境治理保护、红色物业贴心、爱心义诊等志愿服务队10支，"
    "组建党员先锋小组12个。"
)


def seed(apps, schema_editor):
    ServiceLedgerType = apps.get_model("activities", "ServiceLedgerType")
    ServiceLedgerType.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "党员先锋小组",
            "description": "党员先锋小组进网格、进社区，亮身份、作表率。据2023年报道，"
            "“党建+四治融合”项目中组建党员先锋小组12个。",
            "quantity_label": "组员人数",
            "partner_label": "服务社区或网格",
            "sort_order": 3,
        },
    )
    # Only the text the first seeding wrote: a description staff edited stays as it is.
    ServiceLedgerType.objects.filter(code="volunteer-team", description=TEAMS_DESCRIPTION).update(
        description="据2023年报道，组建老年健康科普、环境治理保护、红色物业贴心、爱心义诊等"
        "志愿服务队10支。"
    )


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_service_evidence")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
