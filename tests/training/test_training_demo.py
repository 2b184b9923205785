"""The demo league's training: the seed's shape (53 demonstration classes, 10,000+
person-times, about 1.6 million yuan over last year and this year), a realistic spread of
hours, orders in every status, and idempotency."""

import datetime
import time
from decimal import Decimal

from django.db.models import Sum

from alxa_dangjian.accounts.demo import seed_users
from branches.demo.organizations import seed_organizations
from branches.demo.people import seed_people
from branches.models import Member
from training import stats
from training.demo import seed_training
from training.models import (
    ClassSession,
    Course,
    CourseOrder,
    Enrollment,
    Teacher,
    TrainingClass,
    XuexiScore,
)

TODAY = datetime.date(2026, 11, 20)


def snapshot():
    return (
        Teacher.objects.count(),
        Course.objects.count(),
        list(TrainingClass.objects.order_by("pk").values_list("title", "starts_on", "cost")),
        Enrollment.objects.count(),
        ClassSession.objects.count(),
        CourseOrder.objects.count(),
        XuexiScore.objects.count(),
    )


def test_the_demo_has_the_seeds_shape_and_reseeding_changes_nothing(db):
    seed_organizations(1)
    seed_users()
    seed_people()
    started = time.monotonic()
    created = seed_training(today=TODAY)
    assert time.monotonic() - started < 60  # bulk writes: seconds, not minutes

    assert created["teachers"] == Teacher.objects.count() == 60
    assert created["courses"] == Course.objects.count() >= 25
    figures = stats.class_figures(TrainingClass.objects.all())
    assert figures.years == [TODAY.year - 1, TODAY.year]
    assert figures.total.demonstration == 53
    assert figures.total.person_times >= 10_000
    assert Decimal("1550000") <= figures.total.cost <= Decimal("1650000")
    assert not TrainingClass.objects.filter(starts_on__gt=TODAY).exists()
    # Every class's length is what its sessions credit; nobody earned more than the length.
    for training_class in TrainingClass.objects.annotate(credit=Sum("sessions__credit_hours")):
        assert training_class.credit == training_class.length_hours
    assert not Enrollment.objects.filter(hours_earned__gt=Decimal(24)).exists()

    # A realistic spread: between a third and two thirds of the league meets its rule.
    rolled = stats.rollup(stats.hour_tallies(TODAY.year, Member.objects.in_good_standing()))
    league = max(rolled.values(), key=lambda t: t.members)
    assert 0.3 < league.met / league.members < 0.75

    statuses = set(CourseOrder.objects.values_list("status", flat=True))
    assert statuses == set(CourseOrder.Status.values)
    assert CourseOrder.objects.filter(
        organization__name__contains="治安管理支队", status="pending"
    ).exists()
    assert CourseOrder.history.count() == CourseOrder.objects.count()
    assert XuexiScore.objects.filter(year=TODAY.year).exists()

    before = snapshot()
    again = seed_training(today=TODAY)
    assert set(again.values()) == {0}
    assert snapshot() == before
