"""Seed a sample 最强党支部 standards catalogue (62 items) for this year and the last.

The work committee's own item texts and scoring sheet are not public: every row here is
flagged `is_sample` and says so in its text, to be edited or replaced (by hand or by Excel
import) with the committee's document. Seeding skips codes that already exist, so edited
rows are never overwritten and a re-run adds nothing.
"""

import datetime
from decimal import Decimal

from django.db import migrations

MARK = "（示例，请按工委文件调整）"

# category value, code prefix, the work the category's branches should serve
CATEGORIES = [
    ("party_mass", "DQ", "联系服务群众、宣传思想文化"),
    ("social", "SH", "民生保障和社会服务"),
    ("economic", "JJ", "优化营商环境和规范执法"),
    ("state_owned", "GQ", "生产经营和改革发展"),
]
# aspect value, code part, items: (text, five_strong, method, max_score, evidence)
ASPECTS = [
    ("organization", "ZZ", [
        ("党组织按期换届，支部委员会（或书记、副书记）设置符合《中国共产党支部工作条例（试行）》规定。", "political", "pass_fail", "2", "换届选举请示及批复、委员分工文件"),
        ("党小组划分合理，党员组织关系全部纳入支部管理，无“口袋党员”。", "life", "pass_fail", "2", "党小组设置文件、党员名册"),
        ("党组织设置与单位机构职能相匹配，覆盖{focus}各岗位。", "political", "points", "5", "组织设置情况说明"),
        ("党员信息和组织关系台账完整准确、及时更新，每发现一处错漏扣1分。", "team", "deduction", "3", "党员信息台账"),
    ]),
    ("team", "DW", [
        ("支部书记由党员负责同志担任，年度集中培训不少于56学时。", "team", "pass_fail", "2", "任职文件、培训学时记录"),
        ("党员年度集中学习培训不少于32学时，学习记录完整。", "team", "points", "5", "学习培训记录"),
        ("按规定程序发展党员，入党积极分子和发展对象培养教育规范。", "team", "points", "5", "发展党员工作档案"),
        ("党员在{focus}工作中发挥先锋模范作用；党员受到党纪政务处分的，每人次扣2分。", "role", "deduction", "5", "表彰文件、处分情况说明"),
    ]),
    ("operation", "YX", [
        ("严格落实“三会一课”制度，会议记录完整规范。", "life", "points", "10", "会议记录、党课讲稿"),
        ("每月开展主题党日活动，有主题、有记录、有成效。", "life", "points", "5", "主题党日活动记录及照片"),
        ("按时召开组织生活会，开展民主评议党员和谈心谈话。", "life", "pass_fail", "3", "组织生活会记录、民主评议结果"),
        ("党建与业务深度融合，围绕{focus}开展“党建+”项目。", "role", "points", "5", "项目方案、成效材料"),
    ]),
    ("support", "BZ", [
        ("有固定的党员活动场所，标识规范、设施齐全。", "political", "pass_fail", "2", "活动场所照片"),
        ("按时足额收缴党费，账目清晰；未按时收缴的，每月扣1分。", "political", "deduction", "3", "党费收缴台账"),
        ("党建工作经费纳入预算并规范使用。", "team", "pass_fail", "2", "经费预算及使用明细"),
        ("开展我为群众办实事、承诺践诺活动，群众满意度高。", "masses", "points", "5", "办实事清单、承诺践诺台账"),
    ]),
]  # fmt: skip
# 16 cells of four items would be 64: the 国有企业 sheet has three items in two aspects.
LEFT_OUT = {("state_owned", "organization", 3), ("state_owned", "support", 3)}


def sample_items(year: int):
    for category, prefix, focus in CATEGORIES:
        order = 0
        for aspect, part, items in ASPECTS:
            number = 0
            for index, (text, five_strong, method, max_score, evidence) in enumerate(items):
                if (category, aspect, index) in LEFT_OUT:
                    continue
                number += 1
                order += 1
                yield {
                    "year": year,
                    "code": f"{prefix}-{part}-{number:02d}",
                    "text": text.format(focus=focus) + MARK,
                    "category": category,
                    "aspect": aspect,
                    "five_strong": five_strong,
                    "method": method,
                    "max_score": Decimal(max_score),
                    "evidence_required": evidence,
                    "is_sample": True,
                    "sort_order": order,
                }


def seed(apps, schema_editor):
    RatingStandard = apps.get_model("branches", "RatingStandard")
    this_year = datetime.date.today().year
    for year in (this_year - 1, this_year):
        existing = set(RatingStandard.objects.filter(year=year).values_list("code", flat=True))
        RatingStandard.objects.bulk_create(
            RatingStandard(**item) for item in sample_items(year) if item["code"] not in existing
        )


class Migration(migrations.Migration):
    dependencies = [("branches", "0005_ratings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
