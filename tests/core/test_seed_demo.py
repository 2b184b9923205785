import datetime
import io

from django.core.management import call_command
from django.db.models import Count, Q

from alxa_dangjian.accounts.models import User
from branches.models import (
    CommitteeSeat,
    DevelopmentCase,
    Member,
    MemberTransfer,
    Organization,
    Stage,
    Term,
    TimingRule,
)

T = Organization.Type


def seed(**options):
    call_command("seed_demo", stdout=io.StringIO(), **options)


def snapshot():
    return (
        list(Organization.objects.values_list("name", "path", "established_on").order_by("pk")),
        list(
            Member.objects.values_list("id_number", "organization_id", "joined_on").order_by("pk")
        ),
        Term.objects.count(),
        CommitteeSeat.objects.count(),
        DevelopmentCase.objects.count(),
        User.objects.count(),
    )


def test_demo_league_has_the_seed_documents_shape(db):
    seed()
    organizations = Organization.objects.all()
    assert organizations.filter(type=T.WORK_COMMITTEE).count() == 1
    assert 23 <= organizations.filter(type__in=Organization.COMMITTEE_TYPES).count() <= 27
    branches = organizations.filter(type__in=[T.BRANCH, T.JOINT_BRANCH])
    assert branches.count() == 201
    assert organizations.filter(type=T.TEMPORARY_BRANCH).exists()
    for category in ("party_mass", "social", "economic", "state_owned"):
        assert branches.filter(category=category).count() >= 10, category

    roles = {u.username: u for u in User.objects.select_related("organization")}
    assert roles["shuji"].organization.is_branch and roles["shuji"].role == User.Role.SECRETARY
    assert roles["dangwei"].organization.type in Organization.COMMITTEE_TYPES
    assert roles["gongwei"].organization.parent is None
    assert roles["admin"].role == User.Role.SYSTEM_ADMIN
    for user in roles.values():
        user.full_clean()
        assert user.check_password("Alxa@2026")


def test_demo_people_are_plausible_and_valid(db):
    seed()
    members = Member.objects.select_related("organization", "party_group")
    assert 3600 <= members.count() <= 4400
    for member in members.order_by("?")[:300]:
        member.full_clean()  # ID checksum, birth date and gender agree, age at joining, …
    ethnic = dict(members.values_list("ethnicity").annotate(n=Count("id")))
    assert ethnic["蒙古族"] > members.count() * 0.15 and ethnic["汉族"] > ethnic["蒙古族"]
    assert members.filter(status=Member.Status.PROBATIONARY).exists()
    assert members.values("education").distinct().count() >= 5
    assert not members.filter(organization__type=T.TEMPORARY_BRANCH).exists()
    sizes = Organization.objects.branches().annotate(n=Count("members"))
    assert sizes.filter(n__lt=3).exists() and sizes.filter(n__gt=50).exists()  # warnings to show

    today = datetime.date.today()
    current = Term.objects.current()
    assert current.filter(due_end__year=today.year, due_end__gt=today).exists()
    assert current.filter(due_end__lt=today).exists()  # overdue
    assert MemberTransfer.objects.filter(member__standing=Member.Standing.TRANSFERRED_OUT).exists()
    seats = Organization.objects.branches().annotate(
        n=Count("seats", filter=Q(seats__ended_on__isnull=True))
    )
    assert seats.filter(n__gte=4).exists()

    cases = DevelopmentCase.objects.prefetch_related("steps")
    assert set(cases.values_list("stage", flat=True)) == set(Stage.values)
    rules = list(TimingRule.objects.filter(is_active=True))
    broken = 0
    for case in cases:
        dates = {s.step: s.done_on for s in case.steps.all()}
        problems = [r for r in rules if r.violation(dates, case.birth_date)]
        assert not [r for r in problems if r.is_hard], case  # demo never breaks a hard rule
        broken += bool(problems)
    assert broken >= 5
    admitted = cases.filter(stage__in=[Stage.PROBATIONARY, Stage.FULL])
    assert not admitted.filter(member__isnull=True).exists()
    assert admitted.filter(stage=Stage.FULL, member__status=Member.Status.FULL).exists()


def test_seeding_twice_changes_nothing(db):
    seed()
    first = snapshot()
    User.objects.filter(username="shuji").update(name="改过的名字")
    seed()
    assert snapshot() == first
    assert User.objects.get(username="shuji").name == "改过的名字"


def test_scale_multiplies_the_organisations(db):
    seed(scale=2)
    single_copy = 229  # everything but the root
    assert Organization.objects.count() == 2 * single_copy + 1
    assert Member.objects.count() > 7000
