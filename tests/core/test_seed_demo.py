import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Q

from activities.models import ServiceRecord
from alxa_dangjian.accounts.models import User
from branches.models import (
    CommitteeSeat,
    DevelopmentCase,
    Member,
    MemberTransfer,
    Organization,
    RatingApplication,
    RatingTitle,
    Stage,
    Term,
    TermLengthRule,
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
        list(RatingApplication.objects.values_list("organization_id", "level", "status")),
        list(RatingTitle.objects.values_list("application_id", flat=True).order_by("pk")),
        ServiceRecord.objects.count(),
    )


# The README's table of seed figures: (role, list page, the total the page states).
README_LISTS = [
    ("gongwei", "/branches/", 230),
    ("gongwei", "/activities/services/?year=all&type=serve-the-people", 1067),
    ("gongwei", "/activities/services/?year=all&type=pledge", 2352),
    ("gongwei", "/activities/services/?year=all&type=volunteer-team", 10),
    ("gongwei", "/activities/services/?year=all&type=pioneer-group", 12),
    ("gongwei", "/activities/services/?year=all&type=village-pairing&q=嘎查", 201),
    ("gongwei", "/activities/services/?year=all&type=village-pairing", 240),
    ("gongwei", "/activities/services/?year=all&type=assistance-pairing", 68),
    ("gongwei", "/activities/services/?year=all&type=ethnic-unity-pairing", 277),
    ("gongwei", "/activities/services/?year=all&type=party-building-plus", 11),
    ("gongwei", "/activities/services/?year=all&type=temporary-branch&q=疫情防控", 43),
]
# The README's rating rows, as the statistics page marks them: data-testid → the values of the
# 盟直机关 card, then of the 全盟 card.
README_RATINGS = {
    "titled": ["112", "15"],
    "share": ["55.72%"],
    "model_point": ["9", "1"],
    "model_base": ["2", "2"],
}


def check_readme_figures(client, users):
    readme = (settings.BASE_DIR / "README.md").read_text()
    for username, url, expected in README_LISTS:
        assert f"| {username} | `{url}` |" in readme, url
        client.force_login(users[username])
        page = client.get(url).content.decode()
        stated = re.search(r'data-testid="list-total" data-total="(\d+)"', page)
        assert stated and int(stated.group(1)) == expected, url
    client.force_login(users["gongwei"])
    page = client.get("/branches/ratings/stats/?year=2023").content.decode()
    for testid, values in README_RATINGS.items():
        shown = re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)
        assert shown[: len(values)] == values, testid


def check_demo_people(users):
    """The demo secretary is a full member of her branch and holds its 书记 seat in the
    current term; the party-committee admin is a member of a branch of his committee."""
    shuji = users["shuji"]
    member = Member.objects.get(organization=shuji.organization, name=shuji.name)
    assert (member.status, member.standing) == (Member.Status.FULL, Member.Standing.NORMAL)
    seat = CommitteeSeat.objects.current().get(
        organization=shuji.organization, post=CommitteeSeat.Post.SECRETARY
    )
    assert seat.member == member
    assert seat.started_on >= Term.objects.current().get(organization=shuji.organization).elected_on
    dangwei = users["dangwei"]
    assert Member.objects.get(
        name=dangwei.name,
        organization__name="盟公安局政治部党支部",
        organization__parent=dangwei.organization,
    ).is_in_good_standing


def test_demo_league_has_the_seed_documents_shape(demo_league, db, client):
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
    check_demo_people(roles)
    check_readme_figures(client, roles)


def test_demo_people_are_plausible_and_valid(demo_league, db):
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
    # No false 换届 warnings: every term has the length in force on its election day (党章
    # 2022: five years from 2022-10-22), and the appointed root work committee has none.
    assert not Term.objects.filter(organization__type=T.WORK_COMMITTEE).exists()
    for organization_type, elected_on, years in Term.objects.values_list(
        "organization__type", "elected_on", "length_years"
    ):
        assert TermLengthRule.length_for(organization_type, elected_on) == years
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


def test_seeding_twice_changes_nothing(demo_league, db):
    # The demo league was seeded from the empty database; this is the real second seeding.
    first = snapshot()
    User.objects.filter(username="shuji").update(name="改过的名字")
    seed()
    assert snapshot() == first
    assert User.objects.get(username="shuji").name == "改过的名字"


@pytest.mark.slow
def test_scale_multiplies_the_organisations(db):
    seed(scale=2)
    single_copy = 229  # everything but the root
    assert Organization.objects.count() == 2 * single_copy + 1
    assert Member.objects.count() > 7000
