"""Seed the 2008 dues standard (中组部《关于中国共产党党费收缴、使用和管理的规定》) and the
settings row; staff edit both on the rate table page, a new version by its effective date."""

import datetime
from decimal import Decimal

from django.db import migrations

SOURCE = "中组部《关于中国共产党党费收缴、使用和管理的规定》（2008年）"
CONFIGURABLE = "示例，请按工委文件调整"

# base kind, lower (exclusive), upper (inclusive), rate %, fixed yuan, note
BRACKETS = [
    ("salary", None, "3000.00", "0.5", None, "税后月工资收入3000元以下（含）"),
    ("salary", "3000.00", "5000.00", "1.0", None, "3000元以上至5000元（含）"),
    ("salary", "5000.00", "10000.00", "1.5", None, "5000元以上至10000元（含）"),
    ("salary", "10000.00", None, "2.0", None, "10000元以上"),
    ("pension", None, "5000.00", "0.5", None, "月离退休费5000元以下（含）"),
    ("pension", "5000.00", None, "1.0", None, "5000元以上"),
    ("student", None, None, None, "0.20", "学生党员"),
    ("unemployed", None, None, None, "0.20", "下岗失业的党员"),
    ("relief", None, None, None, "0.20", "依靠抚恤或救济生活的党员、享受最低生活保障的党员"),
    ("farmer", None, None, None, "0.20", f"农牧民党员（{CONFIGURABLE}）"),
]


def _money(value):
    return None if value is None else Decimal(value)


def seed(apps, schema_editor):
    DuesRateTable = apps.get_model("dues", "DuesRateTable")
    DuesBracket = apps.get_model("dues", "DuesBracket")
    DuesSetting = apps.get_model("dues", "DuesSetting")
    table, created = DuesRateTable.objects.get_or_create(
        effective_from=datetime.date(2008, 4, 1),
        defaults={"name": "2008年党费交纳标准", "source": SOURCE},
    )
    if created or not table.brackets.exists():
        DuesBracket.objects.bulk_create(
            DuesBracket(
                table=table,
                base_kind=kind,
                lower=_money(lower),
                upper=_money(upper),
                rate_percent=_money(rate),
                fixed_amount=_money(fixed),
                note=note,
            )
            for kind, lower, upper, rate, fixed, note in BRACKETS
        )
    if not DuesSetting.objects.exists():
        DuesSetting.objects.create()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
