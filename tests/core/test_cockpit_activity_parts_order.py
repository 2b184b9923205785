"""The 组织生活记录 figure's parts per kind follow ActivityKind.sort_order, whichever of the
figure's two statements (records hosted in the scope, records hosted outside that the scope
joined) a kind is met in, and whether it is met as a main kind or only as a combined one."""

import datetime

import pytest

from activities.models import ActivityKind
from portal.cockpit.base import Period, Scope
from portal.cockpit.providers_life import activities
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def kind(code, order):
    found = ActivityKind.objects.get(code=code)
    found.sort_order = order
    found.save(update_fields=["sort_order"])
    return found


def held(organization, main, *also):
    record = ActivityFactory(organization=organization, kind=main, held_on=DAY)
    record.also_kinds.set(also)
    return record


def parts_of(organization):
    figure = activities(Scope.of(organization), Period.of(2026, DAY))
    return [(part.label, part.value) for part in figure.parts]


def test_a_kind_met_only_as_a_combined_kind_of_a_joined_record_takes_its_own_place(
    committee_a, branch_a, branch_b
):
    general = kind("general-meeting", 10)
    theme = kind("theme-day", 30)
    lecture = kind("party-lecture", 40)
    held(branch_a, general)
    held(branch_a, theme)
    # Hosted outside 甲局党委 and joined by its branch: 主题党日暨党课, the only 党课.
    held(branch_b, theme, lecture).joint_organizations.add(
        branch_a,
        through_defaults={"status": "confirmed"},  # the partner has confirmed
    )
    expected = [(general.name, 1), (theme.name, 2), (lecture.name, 1)]
    assert parts_of(committee_a) == expected
    # Whatever the kinds' ids: the other way round, 党课 comes first.
    kind("party-lecture", 5)
    assert parts_of(committee_a) == [(lecture.name, 1), (general.name, 1), (theme.name, 2)]


def test_a_kind_met_only_as_a_combined_kind_of_a_hosted_record(committee_a, branch_a):
    general = kind("general-meeting", 30)
    theme = kind("theme-day", 10)
    lecture = kind("party-lecture", 20)
    held(branch_a, general, lecture)  # 支部党员大会暨党课
    held(branch_a, theme)
    assert parts_of(committee_a) == [(theme.name, 1), (lecture.name, 1), (general.name, 1)]
