"""The demo league's organisational life and service ledgers: shape, story and idempotency."""

import datetime
from collections import Counter

from django.db.models import Count, F, Q

from activities.compliance import COMMITTEE_MIN_SEATS, Status, compute
from activities.demo import seed_activities
from activities.models import Activity, Attendance, ServiceRecord
from alxa_dangjian.accounts.demo import seed_users
from branches.demo.organizations import seed_organizations
from branches.demo.people import seed_people
from branches.models import CommitteeSeat, Organization
from tests.factories import ActivityFactory, MemberFactory

# A fixed day late in the year, so the shape does not depend on when the suite runs.
TODAY = datetime.date(2026, 11, 20)


def snapshot():
    return (
        list(
            Activity.objects.order_by("pk").values_list(
                "organization_id", "kind_id", "held_on", "status", "theme"
            )
        ),
        Attendance.objects.count(),
        list(Attendance.objects.values("status").annotate(n=Count("pk")).order_by("status")),
        Activity.tags.through.objects.count(),
        Activity.joint_organizations.through.objects.count(),
        list(ServiceRecord.objects.order_by("pk").values_list("organization_id", "type_id")),
        ServiceRecord.members.through.objects.count(),
    )


def test_the_demo_year_tells_a_story_and_reseeding_changes_nothing(db):
    seed_organizations(1)
    seed_users()
    seed_people()
    created = seed_activities(today=TODAY)

    activities = Activity.objects.all()
    assert created["activities"] == activities.count()
    assert 22_000 <= created["activities"] <= 36_000
    assert created["attendances"] == Attendance.objects.count() >= 8 * created["activities"]
    assert activities.filter(held_on__gt=TODAY).count() == 0
    assert activities.filter(held_on__lt=datetime.date(2025, 1, 1)).count() == 0

    # Statuses: mostly approved, every other state present.
    statuses = Counter(activities.values_list("status", flat=True))
    assert statuses[Activity.Status.APPROVED] > 0.85 * created["activities"]
    for status in (Activity.Status.SUBMITTED, Activity.Status.DRAFT, Activity.Status.RETURNED):
        assert statuses[status] > 0, status
    assert not activities.filter(status=Activity.Status.RETURNED, review_comment="").exists()

    # Attendance: from the host's own roster, leave and absence always with a reason.
    attendance = Attendance.objects.all()
    assert not attendance.exclude(member__organization=F("activity__organization")).exists()
    marks = Counter(attendance.values_list("status", flat=True))
    assert marks[Attendance.Status.PRESENT] > 0.85 * created["attendances"]
    assert marks[Attendance.Status.LEAVE] > 0 and marks[Attendance.Status.ABSENT] > 0
    assert not attendance.exclude(status=Attendance.Status.PRESENT).filter(reason="").exists()

    # Committee meetings only where a committee exists; group meetings name their group.
    seats = Counter(
        CommitteeSeat.objects.filter(ended_on__isnull=True).values_list(
            "organization_id", flat=True
        )
    )
    with_committee_meetings = set(
        activities.filter(kind__code="committee-meeting").values_list("organization_id", flat=True)
    )
    assert with_committee_meetings
    assert all(seats[pk] >= COMMITTEE_MIN_SEATS for pk in with_committee_meetings)
    groups = activities.filter(kind__code="group-meeting")
    assert groups.exists()
    assert not groups.filter(
        Q(party_group__isnull=True) | ~Q(party_group__organization=F("organization"))
    ).exists()
    # Lectures by the secretary, campaign tags on theme days, a few joint activities.
    assert activities.filter(kind__code="party-lecture", host__endswith="（书记）").exists()
    assert activities.filter(kind__code="theme-day", tags__name="民族团结").exists()
    joint = Activity.joint_organizations.through.objects.select_related(
        "activity__organization", "organization"
    )
    assert 10 <= joint.count() <= 400
    assert all(j.organization.parent_id == j.activity.organization.parent_id for j in joint)

    # The heatmap's story: most branches keep the rules, some are clearly behind, and a few
    # have held nothing since a day in the last quarter.
    report = compute(Organization.objects.all(), 2026, today=TODAY)
    branches = len(report.organizations)
    behind = report.behind()
    assert 0.1 * branches <= len(behind) <= 0.5 * branches
    assert behind[0][1] >= 8  # the worst branch has many overdue items
    assert 0.85 <= report.rate() <= 0.98
    last = dict(
        Organization.objects.branches()
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
        .annotate(
            recent=Count(
                "activities", filter=Q(activities__held_on__gte=datetime.date(2026, 9, 11))
            )
        )
        .values_list("pk", "recent")
    )
    stopped = [pk for pk, n in last.items() if n == 0]
    assert 3 <= len(stopped) <= 0.12 * branches
    october = [months[9] for _, months in report.heatmap()]
    assert october.count(Status.OVERDUE) >= len(stopped)

    # Service ledgers: the seed report's figures exactly (activities/demo/shares.py).
    services = Counter(ServiceRecord.objects.values_list("type__code", flat=True))
    assert services == {
        "serve-the-people": 1067,
        "pledge": 2352,
        "volunteer-team": 10,
        "pioneer-group": 12,
        "village-pairing": 240,
        "assistance-pairing": 68,
        "ethnic-unity-pairing": 277,
        "party-building-plus": 11,
        "temporary-branch": 43 + 3,  # the epidemic's, and the 3 临时党支部 of the demo league
        "volunteer-service": services["volunteer-service"],
    }
    assert 1500 <= services["volunteer-service"] <= 3000  # about a sixth of the report's 12,000
    records = ServiceRecord.objects.order_by()
    villages = records.filter(type__code="village-pairing", partner__endswith="嘎查")
    assert villages.count() == villages.values("partner").distinct().count() == 201
    assert villages.values("organization").distinct().count() == 201  # every branch pairs one
    assistance = records.filter(type__code="assistance-pairing")
    assert assistance.values("organization").distinct().count() == 68
    unity = records.filter(type__code="ethnic-unity-pairing")
    assert unity.values("partner").distinct().count() == 249
    leaders = ServiceRecord.members.through.objects.filter(servicerecord__in=unity)
    assert leaders.count() == leaders.values("member").distinct().count() == 277
    assert not leaders.exclude(
        member__seats__organization=F("servicerecord__organization")
    ).exists()  # each leader sits on the committee of the branch that keeps the record
    epidemic = records.filter(type__code="temporary-branch", title__contains="疫情防控")
    assert epidemic.count() == epidemic.filter(started_on__year=2022).count() == 43
    pledges = ServiceRecord.members.through.objects.filter(servicerecord__type__code="pledge")
    assert pledges.count() == 2352  # one member each
    assert (
        records.filter(type__code="pledge", started_on__year=TODAY.year - 1).count()
        + records.filter(type__code="pledge", started_on__year=TODAY.year).count()
        == 2352
    )
    for record in ServiceRecord.objects.order_by("?")[:200]:
        record.full_clean()
    assert (
        not ServiceRecord.objects.exclude(members__isnull=True)
        .exclude(members__organization__path__startswith=F("organization__path"))
        .exists()
    )

    before = snapshot()
    again = seed_activities(today=TODAY)
    assert again == {"activities": 0, "attendances": 0, "service_records": 0}
    assert snapshot() == before


def test_an_organisation_with_activities_is_left_alone(
    db, system_admin, committee_a, branch_a, branch_a2
):
    MemberFactory.create_batch(6, organization=branch_a)
    MemberFactory.create_batch(4, organization=branch_a2)
    kept = ActivityFactory(organization=branch_a2, kind="theme-day", held_on=TODAY)
    created = seed_activities(today=TODAY)
    assert created["activities"] > 50
    assert list(Activity.objects.filter(organization=branch_a2)) == [kept]
    held = Activity.objects.filter(organization=branch_a)
    assert held.filter(kind__code="theme-day").count() >= 15
    # Without a committee (no seats) there are no committee meetings.
    assert not held.filter(kind__code="committee-meeting").exists()
    assert seed_activities(today=TODAY)["activities"] == 0


def test_nothing_is_seeded_without_a_system_administrator(db, branch_a):
    MemberFactory.create_batch(3, organization=branch_a)
    assert seed_activities(today=TODAY) == {
        "activities": 0,
        "attendances": 0,
        "service_records": 0,
    }
    assert not Activity.objects.exists()
