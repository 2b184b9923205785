"""Seed the kinds of organisational life and their frequencies (DOMAIN.md §5); staff edit them."""

import datetime

from django.db import migrations

BRANCHES = ["branch", "joint_branch"]
WITH_GENERAL = ["branch", "joint_branch", "general_branch"]

# code, name, quorum, description
KINDS = [
    ("general-meeting", "支部党员大会", "voting_members", "三会一课：一般每季度召开1次"),
    ("committee-meeting", "支部委员会", "committee", "三会一课：一般每月召开1次"),
    ("group-meeting", "党小组会", "", "三会一课：一般每月召开1次"),
    ("party-lecture", "党课", "", "三会一课：一般每季度1次，书记每年至少讲1次"),
    ("theme-day", "主题党日", "", "每月相对固定1天开展"),
    ("life-meeting", "组织生活会", "", "一般每年召开1次，多在第四季度"),
    ("member-review", "民主评议党员", "", "一般每年开展1次"),
    ("heart-talk", "谈心谈话", "", "每年至少开展1次（各地做法不一，可调整）"),
]

# kind code, period, min count, organisation types, requires committee, per group, source
RULES = [
    ("general-meeting", "quarter", 1, WITH_GENERAL, False, False, "支部工作条例"),
    ("committee-meeting", "month", 1, WITH_GENERAL, True, False, "支部工作条例"),
    ("group-meeting", "month", 1, BRANCHES, False, True, "支部工作条例"),
    ("party-lecture", "quarter", 1, WITH_GENERAL, False, False, "支部工作条例（各地做法不一，可调整）"),
    ("theme-day", "month", 1, WITH_GENERAL, False, False, "支部工作条例"),
    ("life-meeting", "year", 1, WITH_GENERAL, False, False, "支部工作条例"),
    ("member-review", "year", 1, WITH_GENERAL, False, False, "支部工作条例"),
    ("heart-talk", "year", 1, WITH_GENERAL, False, False, "示例，请按工委文件调整"),
]  # fmt: skip

TAGS = [
    "身边榜样",
    "民族团结",
    "我为群众办实事",
    "北疆模范机关",
    "学习贯彻党的二十大精神",
    "生态保护",
]


def seed(apps, schema_editor):
    ActivityKind = apps.get_model("activities", "ActivityKind")
    FrequencyRule = apps.get_model("activities", "FrequencyRule")
    CampaignTag = apps.get_model("activities", "CampaignTag")
    kinds = {}
    for order, (code, name, quorum, description) in enumerate(KINDS, start=1):
        kinds[code], _ = ActivityKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "quorum": quorum,
                "description": description,
                "sort_order": order,
            },
        )
    for code, period, minimum, types, committee, per_group, source in RULES:
        FrequencyRule.objects.get_or_create(
            kind=kinds[code],
            period=period,
            defaults={
                "min_count": minimum,
                "organization_types": types,
                "requires_committee": committee,
                "per_party_group": per_group,
                "effective_from": datetime.date(2019, 1, 1),
                "source": source,
            },
        )
    for name in TAGS:
        CampaignTag.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_kinds_rules_activities")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
