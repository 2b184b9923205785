"""Sample 发展党员 and 基层党组织书记 tables (labelled samples, adjust to the year's forms)."""

from django.db import migrations

SAMPLE = "示例表式，参照党内统计常用表式编制，请按上级组织部门当年下发的表式调整。"

TABLES = [
    (
        "发1",
        "发展党员",
        "development",
        60,
        [
            ("入党申请人", "stage", "applicant", 0),
            ("入党积极分子", "stage", "activist", 0),
            ("发展对象", "stage", "candidate", 0),
            ("本年发展党员（上级党委审批）", "admitted_in_year", "", 0),
            ("其中：女", "admitted_in_year&gender", "&female", 1),
            ("少数民族", "admitted_in_year&ethnicity", "&少数民族", 1),
            ("35岁及以下", "admitted_in_year&age", "&-35", 1),
            ("大专及以上学历", "admitted_in_year&education", "&postgraduate,bachelor,college", 1),
        ],
    ),
    (
        "书1",
        "基层党组织书记",
        "secretaries",
        70,
        [
            ("书记总数", "all", "", 0),
            ("其中：女", "gender", "female", 1),
            ("少数民族", "ethnicity", "少数民族", 1),
            ("35岁及以下", "age", "-35", 1),
            ("36至45岁", "age", "36-45", 1),
            ("46至54岁", "age", "46-54", 1),
            ("55岁及以上", "age", "55-", 1),
            ("研究生", "education", "postgraduate", 1),
            ("大学本科", "education", "bachelor", 1),
            ("大学专科", "education", "college", 1),
            ("中专及以下", "education", "secondary,high_school,junior", 1),
            ("任职不满1年", "tenure", "-0", 1),
            ("任职1至4年", "tenure", "1-4", 1),
            ("任职5年及以上", "tenure", "5-", 1),
        ],
    ),
]


def seed(apps, schema_editor):
    StatTable = apps.get_model("annual_stats", "StatTable")
    StatRow = apps.get_model("annual_stats", "StatRow")
    for code, title, kind, position, rows in TABLES:
        table, _ = StatTable.objects.get_or_create(
            code=code,
            defaults={"title": title, "kind": kind, "position": position, "note": SAMPLE},
        )
        for number, (label, dimension, value, indent) in enumerate(rows, 1):
            StatRow.objects.get_or_create(
                table=table,
                position=number,
                defaults={
                    "label": label,
                    "dimension": dimension,
                    "value": value,
                    "indent": indent,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("annual_stats", "StatTable").objects.filter(
        code__in=[code for code, *_ in TABLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("annual_stats", "0004_more_kinds")]

    operations = [migrations.RunPython(seed, unseed)]
