"""The training app's part of the URL walk."""

import datetime
from decimal import Decimal

from training.models import (
    ClassSession,
    Course,
    CourseOrder,
    Enrollment,
    HourCounting,
    HourRule,
    Teacher,
    TrainingClass,
    TrainingScheme,
    XuexiScore,
)

MODELS = {"courseorder", "trainingclass", "classsession", "enrollment"}


def _teacher():
    return Teacher.objects.create(name="甲局讲师", unit="甲局", source=Teacher.Source.SELF)


def _course():
    return Course.objects.create(title="甲局课程", form="theory", hours=Decimal(4))


REFERENCE = {
    "scheme": lambda: TrainingScheme.objects.first(),
    "hourrule": lambda: HourRule.objects.first(),
    "hourcounting": lambda: HourCounting.objects.first(),
    "teacher": _teacher,
    "course": _course,
}


def objects(*, root, committee_a, branch_a, secretary, member):
    day = datetime.date.today()
    training_class = TrainingClass.objects.create(
        title="甲局支部培训",
        organization=branch_a,
        starts_on=day,
        ends_on=day,
        created_by=secretary,
    )
    session = ClassSession.objects.create(
        training_class=training_class,
        held_on=day,
        duration=ClassSession.Duration.FULL_DAY,
        credit_hours=Decimal(8),
    )
    # The member's hours and 学习强国 points feed the progress, statistics and ranking pages,
    # which must show none of them to the other subtree.
    XuexiScore.objects.create(member=member, year=day.year, period_kind="month", period=1, score=9)
    return {
        "courseorder": CourseOrder.objects.create(
            organization=branch_a,
            course=_course(),
            wished_on=day,
            created_by=secretary,
            note="甲局点单",
        ),
        "trainingclass": training_class,
        "classsession": session,
        "enrollment": Enrollment.objects.create(
            training_class=training_class, member=member, signed_in=True, hours_earned=Decimal(8)
        ),
    }
