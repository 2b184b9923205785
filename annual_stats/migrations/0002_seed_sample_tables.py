"""A labelled sample of the usual 党内统计 tables (layouts and categories are rows: adjust
them in the admin to the forms issued for the year)."""

from django.db import migrations

SAMPLE = "示例表式，参照党内统计常用表式编制，请按上级组织部门当年下发的表式调整。"

# (code, title, kind, rows): each row (label, dimension, value, indent).
TABLES = [
    (
        "党1",
        "党员数量、性别、民族和党员类型",
        "members",
        [
            ("党员总数", "all", "", 0),
            ("其中：女党员", "gender", "female", 1),
            ("少数民族党员", "ethnicity", "少数民族", 1),
            ("其中：蒙古族", "ethnicity", "蒙古族", 2),
            ("正式党员", "status", "full", 1),
            ("预备党员", "status", "probationary", 1),
        ],
    ),
    (
        "党2",
        "党员年龄",
        "members",
        [
            ("党员总数", "all", "", 0),
            ("30岁及以下", "age", "-30", 1),
            ("31至35岁", "age", "31-35", 1),
            ("36至40岁", "age", "36-40", 1),
            ("41至45岁", "age", "41-45", 1),
            ("46至50岁", "age", "46-50", 1),
            ("51至55岁", "age", "51-55", 1),
            ("56至60岁", "age", "56-60", 1),
            ("61至70岁", "age", "61-70", 1),
            ("71至80岁", "age", "71-80", 1),
            ("81岁及以上", "age", "81-", 1),
        ],
    ),
    (
        "党3",
        "党员学历",
        "members",
        [
            ("党员总数", "all", "", 0),
            ("研究生", "education", "postgraduate", 1),
            ("大学本科", "education", "bachelor", 1),
            ("大学专科", "education", "college", 1),
            ("中专", "education", "secondary", 1),
            ("高中", "education", "high_school", 1),
            ("初中及以下", "education", "junior", 1),
            ("大专及以上学历合计", "education", "postgraduate,bachelor,college", 1),
        ],
    ),
    (
        "党4",
        "党员入党时间",
        "members",
        [
            ("党员总数", "all", "", 0),
            ("1949年9月及以前入党", "joined", "/1949-09-30", 1),
            ("1949年10月至1966年4月入党", "joined", "1949-10-01/1966-04-30", 1),
            ("1966年5月至1976年10月入党", "joined", "1966-05-01/1976-10-31", 1),
            ("1976年11月至1978年12月入党", "joined", "1976-11-01/1978-12-31", 1),
            ("1979年1月至2002年10月入党", "joined", "1979-01-01/2002-10-31", 1),
            ("2002年11月至2012年10月入党", "joined", "2002-11-01/2012-10-31", 1),
            ("2012年11月及以后入党", "joined", "2012-11-01/", 1),
        ],
    ),
    (
        "党5",
        "党员人员类别",
        "members",
        [
            ("党员总数", "all", "", 0),
            ("党政机关工作人员", "category", "civil_servant", 1),
            ("企事业单位管理人员", "category", "manager", 1),
            ("专业技术人员", "category", "professional", 1),
            ("工人", "category", "worker", 1),
            ("农牧渔民", "category", "herder", 1),
            ("学生", "category", "student", 1),
            ("离退休人员", "category", "retired", 1),
            ("其他", "category", "other", 1),
        ],
    ),
    (
        "党6",
        "党员增减变化",
        "changes",
        [
            ("上年底党员数", "opening", "", 0),
            ("本年增加党员", "increase", "", 0),
            ("发展党员", "increase", "admitted", 1),
            ("从系统外转入", "increase", "transfer_in_external", 1),
            ("从本系统其他党组织转入", "increase", "transfer_in_internal", 1),
            ("恢复党籍等其他增加", "increase", "other_in", 1),
            ("本年减少党员", "decrease", "", 0),
            ("转往系统外", "decrease", "transfer_out_external", 1),
            ("转往本系统其他党组织", "decrease", "transfer_out_internal", 1),
            ("死亡", "decrease", "deceased", 1),
            ("出党", "decrease", "expelled", 1),
            ("停止党籍", "decrease", "suspended", 1),
            ("其他减少", "decrease", "other_out", 1),
            ("本年底党员数", "closing", "", 0),
        ],
    ),
    (
        "组1",
        "党组织数量和类型",
        "organizations",
        [
            ("党组织总数", "org_all", "", 0),
            ("党工委/机关工委", "org_type", "work_committee", 1),
            ("党委（含机关党委）", "org_type", "committee,organ_committee", 1),
            ("党总支", "org_type", "general_branch", 1),
            ("党支部（含联合、临时党支部）", "org_type", "branch,joint_branch,temporary_branch", 1),
            ("其中：联合党支部", "org_type", "joint_branch", 2),
            ("其中：临时党支部", "org_type", "temporary_branch", 2),
        ],
    ),
    (
        "组2",
        "党组织分类指导类别",
        "organizations",
        [
            ("党组织总数", "org_all", "", 0),
            ("党群部门", "org_category", "party_mass", 1),
            ("社会事务", "org_category", "social", 1),
            ("经济管理和综合执法", "org_category", "economic", 1),
            ("国有企业", "org_category", "state_owned", 1),
            ("其他", "org_category", "other", 1),
        ],
    ),
]


def seed(apps, schema_editor):
    StatTable = apps.get_model("annual_stats", "StatTable")
    StatRow = apps.get_model("annual_stats", "StatRow")
    for position, (code, title, kind, rows) in enumerate(TABLES, 1):
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
    dependencies = [("annual_stats", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
