"""The plain many-to-many `Activity.joint_organizations` becomes the model JointParticipation
on the same table (state only: the table, its columns and its unique pair stay as they are);
0012 adds the consent columns."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0010_activity_belongs_to_previous_year"),
        ("branches", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JointParticipation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "activity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="partnerships",
                                to="activities.activity",
                                verbose_name="活动",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="joint_partnerships",
                                to="branches.organization",
                                verbose_name="联合开展的党组织",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "联合开展确认",
                        "verbose_name_plural": "联合开展确认",
                        "db_table": "activities_activity_joint_organizations",
                        "unique_together": {("activity", "organization")},
                    },
                ),
                migrations.AlterField(
                    model_name="activity",
                    name="joint_organizations",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="joint_activities",
                        through="activities.JointParticipation",
                        to="branches.organization",
                        verbose_name="联合开展的党组织",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
