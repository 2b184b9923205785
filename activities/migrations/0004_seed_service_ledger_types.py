"""Seed the service ledger types named in the source report (DOMAIN.md §5); staff edit them.

The figures in the descriptions are the league-wide totals the 2023 report gives."""

from django.db import migrations

# code, name, description, quantity label, partner label
TYPES = [
    (
        "serve-the-people",
        "我为群众办实事",
        "深化“我为群众办实事”实践活动。据2023年报道，盟直机关完成办实事项目1067件，"
        "帮助解决公厕翻新、路灯安装、巷道硬化等“急难愁盼”问题70项。",
        "受益群众（人）",
        "服务对象",
    ),
    (
        "pledge",
        "承诺践诺",
        "党员公开承诺、年底践诺。据2023年报道，完成承诺践诺2352件。",
        "",
        "承诺对象",
    ),
    (
        "volunteer-team",
        "志愿服务队",
        "据2023年报道，组建老年健康科普、环境治理保护、红色物业贴心、爱心义诊等志愿服务队10支，"
        "组建党员先锋小组12个。",
        "队员人数",
        "服务社区",
    ),
    (
        "volunteer-service",
        "志愿服务",
        "文明城市创建、基层治理、扶贫帮困等志愿服务。据2023年报道，开展志愿服务12000余次，"
        "参与党员数十万人（次）。",
        "服务时长（小时）",
        "服务地点或对象",
    ),
    (
        "village-pairing",
        "包联嘎查/互联互通社区",
        "机关党组织包联嘎查、结对互联互通社区，推行“六联”模式。据2023年报道，包联嘎查201个，"
        "240个党支部深入互联互通社区和包联嘎查。",
        "",
        "嘎查/社区",
    ),
    (
        "assistance-pairing",
        "结对帮扶",
        "机关单位结对帮扶，推动脱贫攻坚与乡村振兴有效衔接。据2023年报道，68个机关单位开展结对帮扶。",
        "帮扶资金（万元）",
        "帮扶对象",
    ),
    (
        "ethnic-unity-pairing",
        "民族团结一家亲结对",
        "党员领导干部与群众结对认亲，形成长效帮扶机制。据2023年报道，277名党员领导干部结对249户。",
        "走访次数",
        "结对户",
    ),
    (
        "party-building-plus",
        "“党建+”特色项目",
        "找准党建与业务结合点，实施精准机关党建项目，如“党建+四治融合”“车轮上的供销社”"
        "“党员先锋法律宣讲团”。据2023年报道，打造特色项目11个。",
        "",
        "项目服务对象",
    ),
    (
        "temporary-branch",
        "临时党支部（应急）",
        "在急难险重任务中成立临时党支部。据2023年报道，疫情期间成立疫情防控临时党支部43个，"
        "发动230个党组织和3000余名党员干部职工向社区报到。",
        "党员人数",
        "任务或报到社区",
    ),
]


def seed(apps, schema_editor):
    ServiceLedgerType = apps.get_model("activities", "ServiceLedgerType")
    for order, (code, name, description, quantity_label, partner_label) in enumerate(TYPES, 1):
        ServiceLedgerType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "quantity_label": quantity_label,
                "partner_label": partner_label,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0003_service_ledgers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
