"""Seed the rules that staff may later edit: development timing rules. (Term lengths are
seeded, dated, by 0010_term_rules_2022_constitution.)"""

from django.db import migrations

# code, description, step, after_step, min_days, max_days, min_age, hard
TIMING_RULES = [
    ("age-at-application", "申请入党时须年满18周岁", "application", "", None, None, 18, True),
    ("talk-within-a-month", "收到入党申请书后1个月内派人谈话", "talk", "application", None, 30, None, False),
    ("activist-after-application", "确定入党积极分子不得早于递交入党申请书", "activist", "application", 0, None, None, True),
    ("activist-one-year", "入党积极分子经过1年以上培养教育，方可确定为发展对象", "candidate", "activist", 365, None, None, True),
    ("meeting-after-pre-review", "预审后一般1个月内召开支部大会讨论接收", "admission_meeting", "pre_review", 0, 30, None, False),
    ("approval-three-months", "上级党委一般在3个月内审批预备党员", "admission_approval", "admission_meeting", 0, 90, None, False),
    ("approval-six-months", "审批预备党员最长不得超过6个月", "admission_approval", "admission_meeting", None, 183, None, False),
    ("probation-one-year", "预备期为1年，期满后方可讨论转正", "confirmation_meeting", "admission_meeting", 365, None, None, True),
    ("confirmation-approval-three-months", "上级党委一般在3个月内审批转正", "confirmation_approval", "confirmation_meeting", 0, 90, None, False),
]  # fmt: skip


def seed(apps, schema_editor):
    TimingRule = apps.get_model("branches", "TimingRule")
    for code, description, step, after, min_days, max_days, min_age, hard in TIMING_RULES:
        TimingRule.objects.get_or_create(
            code=code,
            defaults={
                "description": description,
                "step": step,
                "after_step": after,
                "min_days": min_days,
                "max_days": max_days,
                "min_age": min_age,
                "is_hard": hard,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("branches", "0002_members_terms_development")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
