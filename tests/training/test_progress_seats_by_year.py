"""The 学时 requirement of a year follows the committee seats held during that year: a seat
held on any day of the year (taken up or given up mid-year) makes it the 书记和支委 56 学时,
otherwise the 全体党员 32 — on the progress annotations and the 学时达标率 indicator alike."""

import datetime
from decimal import Decimal

from branches.models import CommitteeSeat, Member
from tests.factories import CommitteeSeatFactory, MemberFactory
from tests.training.factories import TrainingClassFactory
from training import progress
from training.indicators import hours_met
from training.models import Enrollment

YEAR = 2025
d = datetime.date


def seat(member, started_on, ended_on=None):
    return CommitteeSeatFactory(
        organization=member.organization,
        member=member,
        post=CommitteeSeat.Post.MEMBER,
        started_on=started_on,
        ended_on=ended_on,
    )


def attend(member, hours):
    training_class = TrainingClassFactory(
        organization=member.organization,
        starts_on=d(YEAR, 3, 1),
        ends_on=d(YEAR, 3, 3),
        length_hours=Decimal(100),
    )
    Enrollment.objects.create(
        training_class=training_class, member=member, signed_in=True, hours_earned=Decimal(hours)
    )


def required(year):
    rows = progress.with_required_hours(year, Member.objects.all())
    return {m.name: (m.is_committee_member, m.required_hours) for m in rows}


def test_a_seat_held_any_day_of_the_year_sets_the_committee_requirement(branch_a):
    seat(MemberFactory(organization=branch_a, name="年中任职"), d(YEAR, 7, 1))
    seat(MemberFactory(organization=branch_a, name="年末任职"), d(YEAR, 12, 31))
    seat(MemberFactory(organization=branch_a, name="年中离任"), d(2023, 6, 1), d(YEAR, 3, 31))
    seat(MemberFactory(organization=branch_a, name="元旦离任"), d(2023, 6, 1), d(YEAR, 1, 1))
    seat(MemberFactory(organization=branch_a, name="上年离任"), d(2023, 6, 1), d(YEAR - 1, 12, 31))
    seat(MemberFactory(organization=branch_a, name="次年任职"), d(YEAR + 1, 1, 1))
    MemberFactory(organization=branch_a, name="普通党员")
    assert required(YEAR) == {
        "年中任职": (True, 56),
        "年末任职": (True, 56),
        "年中离任": (True, 56),
        "元旦离任": (True, 56),
        "上年离任": (False, 32),
        "次年任职": (False, 32),
        "普通党员": (False, 32),
    }
    following = required(YEAR + 1)
    assert following["年中离任"] == (False, 32) and following["次年任职"] == (True, 56)
    assert following["年中任职"] == (True, 56)


def test_the_indicator_judges_a_closed_year_by_that_years_seats(committee_a, branch_a):
    left = MemberFactory(organization=branch_a, name="年中离任")
    seat(left, d(2023, 6, 1), d(YEAR, 6, 30))
    attend(left, 40)  # 40 < 56: not met in a year she sat on the committee
    joined = MemberFactory(organization=branch_a, name="次年任职")
    seat(joined, d(YEAR + 1, 3, 1))
    attend(joined, 40)  # 40 ≥ 32: met, she was no committee member in the year
    measure = hours_met(YEAR, [committee_a, branch_a])
    assert (int(measure[branch_a.pk].numerator), int(measure[branch_a.pk].denominator)) == (1, 2)
    assert (
        int(measure[committee_a.pk].numerator),
        int(measure[committee_a.pk].denominator),
    ) == (1, 2)
