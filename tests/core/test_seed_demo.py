import io

from django.core.management import call_command

from alxa_dangjian.accounts.models import User
from branches.models import Organization

T = Organization.Type


def counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        list(Organization.objects.values_list("name", "path", "established_on").order_by("pk")),
    )


def test_demo_league_has_the_seed_documents_shape(db):
    call_command("seed_demo", stdout=io.StringIO())
    organizations = Organization.objects.all()
    assert organizations.filter(type=T.WORK_COMMITTEE).count() == 1
    committees = organizations.filter(type__in=Organization.COMMITTEE_TYPES)
    assert 23 <= committees.count() <= 27
    branches = organizations.filter(type__in=[T.BRANCH, T.JOINT_BRANCH])
    assert branches.count() == 201
    assert organizations.filter(type=T.TEMPORARY_BRANCH).exists()
    for category in ("party_mass", "social", "economic", "state_owned"):
        assert branches.filter(category=category).count() >= 10, category


def test_demo_users_sit_in_real_organisations_of_their_role(db):
    call_command("seed_demo", stdout=io.StringIO())
    roles = {u.username: u for u in User.objects.select_related("organization")}
    assert roles["shuji"].organization.is_branch
    assert roles["shuji"].role == User.Role.SECRETARY
    assert roles["dangwei"].organization.type in Organization.COMMITTEE_TYPES
    assert roles["dangwei"].organization.children.count() > 5
    assert roles["gongwei"].organization.parent is None
    assert roles["admin"].role == User.Role.SYSTEM_ADMIN
    for user in roles.values():
        user.full_clean()
        assert user.check_password("Alxa@2026")


def test_seeding_twice_changes_nothing(db):
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    User.objects.filter(username="shuji").update(name="改过的名字")
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert User.objects.get(username="shuji").name == "改过的名字"


def test_scale_multiplies_the_organisations(db):
    call_command("seed_demo", stdout=io.StringIO())
    single = Organization.objects.count()
    call_command("seed_demo", scale=3, stdout=io.StringIO())
    assert Organization.objects.count() == 3 * (single - 1) + 1
