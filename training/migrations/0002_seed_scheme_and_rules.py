"""Seed the training rules (DOMAIN.md §7): the sample "2+1+10+N" scheme (reading (a), for the
current year, labelled as a sample), the yearly hour minimums (党员教育管理工作条例 2019) and
the customary counting of attendance (full day 8, half day 4, otherwise 1 per hour)."""

import datetime

from django.db import migrations

SAMPLE_NOTE = "示例，请按工委文件调整"

# order, quantity (None = N), unit, course form, audience, description
SAMPLE_COMPONENTS = [
    (1, 2, "day", "theory", "all_members", "集中理论学习2天"),
    (2, 1, "day", "practice", "all_members", "实践教学1天"),
    (3, 10, "hour", "online", "all_members", "网络学习10学时（如学习强国、干部网络学院）"),
    (4, None, "session", "hands_on", "all_members", "N次实操课堂，由支部点菜、工委配菜"),
    (5, None, "session", "exchange", "all_members", "N次交流课堂"),
]

# year from, audience, minimum 学时, source
HOUR_RULES = [
    (2019, "all_members", 32, "党员教育管理工作条例（2019）"),
    (2019, "committee", 56, "党员教育管理工作条例（2019）"),
]


def seed(apps, schema_editor):
    TrainingScheme = apps.get_model("training", "TrainingScheme")
    SchemeComponent = apps.get_model("training", "SchemeComponent")
    HourRule = apps.get_model("training", "HourRule")
    HourCounting = apps.get_model("training", "HourCounting")

    year = datetime.date.today().year
    # Only when the year has no scheme yet: staff may have replaced the sample.
    if not TrainingScheme.objects.filter(year=year).exists():
        scheme = TrainingScheme.objects.create(
            year=year,
            code="2+1+10+N",
            name="党员干部轮训",
            is_sample=True,
            note=SAMPLE_NOTE,
        )
        SchemeComponent.objects.bulk_create(
            SchemeComponent(
                scheme=scheme,
                order=order,
                quantity=quantity,
                unit=unit,
                course_form=form,
                audience=audience,
                description=description,
            )
            for order, quantity, unit, form, audience, description in SAMPLE_COMPONENTS
        )
    for year_from, audience, minimum, source in HOUR_RULES:
        HourRule.objects.get_or_create(
            year=year_from, audience=audience, defaults={"minimum": minimum, "source": source}
        )
    HourCounting.objects.get_or_create(
        year=2019, defaults={"full_day": 8, "half_day": 4, "per_hour": 1}
    )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_schemes_teachers_orders_classes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
