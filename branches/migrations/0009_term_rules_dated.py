"""Term-length rules are dated: one row per (organisation type, effective date). Rows seeded
before take 1900-01-01, i.e. they apply to every election before a later row."""

import datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0008_probation_votes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="termlengthrule",
            options={
                "ordering": ["organization_type", "effective_from"],
                "verbose_name": "任期规则",
                "verbose_name_plural": "任期规则",
            },
        ),
        migrations.AddField(
            model_name="historicaltermlengthrule",
            name="basis",
            field=models.CharField(blank=True, max_length=100, verbose_name="依据"),
        ),
        migrations.AddField(
            model_name="historicaltermlengthrule",
            name="effective_from",
            field=models.DateField(
                default=datetime.date(1900, 1, 1),
                help_text="此日及以后选举产生的届次适用。",
                verbose_name="施行日期",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="termlengthrule",
            name="basis",
            field=models.CharField(blank=True, max_length=100, verbose_name="依据"),
        ),
        migrations.AddField(
            model_name="termlengthrule",
            name="effective_from",
            field=models.DateField(
                default=datetime.date(1900, 1, 1),
                help_text="此日及以后选举产生的届次适用。",
                verbose_name="施行日期",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicaltermlengthrule",
            name="organization_type",
            field=models.CharField(
                choices=[
                    ("work_committee", "党工委/机关工委"),
                    ("committee", "党委"),
                    ("organ_committee", "机关党委"),
                    ("general_branch", "党总支"),
                    ("branch", "党支部"),
                    ("joint_branch", "联合党支部"),
                    ("temporary_branch", "临时党支部"),
                ],
                max_length=20,
                verbose_name="组织类型",
            ),
        ),
        migrations.AlterField(
            model_name="termlengthrule",
            name="organization_type",
            field=models.CharField(
                choices=[
                    ("work_committee", "党工委/机关工委"),
                    ("committee", "党委"),
                    ("organ_committee", "机关党委"),
                    ("general_branch", "党总支"),
                    ("branch", "党支部"),
                    ("joint_branch", "联合党支部"),
                    ("temporary_branch", "临时党支部"),
                ],
                max_length=20,
                verbose_name="组织类型",
            ),
        ),
        migrations.AddConstraint(
            model_name="termlengthrule",
            constraint=models.UniqueConstraint(
                fields=("organization_type", "effective_from"),
                name="branches_termlengthrule_unique_type_date",
            ),
        ),
    ]
