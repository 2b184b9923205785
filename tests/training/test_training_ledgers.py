"""The training ledgers exported through the ledger mechanism and read back with openpyxl,
and the 学时达标率 indicator."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.indicators import get as get_indicator
from branches.models import CommitteeSeat, Organization
from tests.factories import CommitteeSeatFactory, MemberFactory
from tests.ledgers.exported import export
from tests.training.factories import CourseFactory, TeacherFactory, TrainingClassFactory
from training.models import Enrollment, TrainingClass, TrainingScheme

YEAR = datetime.date.today().year


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def attend(member, hours, *, organization=None, year=YEAR, **fields):
    training_class = TrainingClassFactory(
        organization=organization or member.organization,
        starts_on=datetime.date(year, 4, 1),
        ends_on=datetime.date(year, 4, 2),
        length_hours=Decimal(16),
        **fields,
    )
    Enrollment.objects.create(
        training_class=training_class, member=member, signed_in=True, hours_earned=hours
    )
    return training_class


@pytest.fixture
def hours(branch_a, branch_a2, branch_b):
    met = MemberFactory(organization=branch_a, name="够学时")
    short = MemberFactory(organization=branch_a, name="差学时")
    chief = MemberFactory(organization=branch_a, name="书记差学时")
    CommitteeSeatFactory(organization=branch_a, member=chief, post=CommitteeSeat.Post.SECRETARY)
    attend(met, Decimal(32))
    attend(short, Decimal("31.5"))
    attend(chief, Decimal(40))
    MemberFactory(organization=branch_a2, name="甲二零学时")
    attend(MemberFactory(organization=branch_b, name="乙局够学时"), Decimal(40))


def test_member_hours_ledger_has_the_rule_and_the_verdict(client, committee_admin, hours):
    client.force_login(committee_admin)
    headers, rows = export(client, "training-hours-members")
    assert headers == ["姓名", "所在党支部", "身份", "学时要求", "已获学时", "还差学时", "是否达标"]
    got = {
        r["姓名"]: (r["身份"], r["学时要求"], r["已获学时"], r["还差学时"], r["是否达标"])
        for r in rows
    }
    assert got == {
        "够学时": ("党员", 32, 32, 0, "是"),
        "差学时": ("党员", 32, 31.5, 0.5, "否"),
        "书记差学时": ("书记和支委", 56, 40, 16, "否"),
        "甲二零学时": ("党员", 32, 0, 32, "否"),
    }


def test_branch_hours_ledger_counts_per_branch(client, committee_admin, hours):
    client.force_login(committee_admin)
    _, rows = export(client, "training-hours-branches", year=YEAR)
    got = {r["党支部"]: (r["党员人数"], r["已达标"], r["未达标"], r["达标率（%）"]) for r in rows}
    assert got == {"甲局第一党支部": (3, 1, 2, 33), "甲局第二党支部": (1, 0, 1, 0)}
    assert rows[0]["学时要求"] == "党员32／支委56"


def test_class_ledger_lists_the_years_classes(client, staff, root, branch_a, hours):
    component = TrainingScheme.objects.get(year=YEAR).components.get(order=1)
    member = MemberFactory(organization=branch_a)
    demo = attend(
        member,
        Decimal(16),
        organization=root,
        kind=TrainingClass.Kind.DEMONSTRATION,
        title="示范班",
        component=component,
        cost=Decimal("30000.50"),
    )
    Enrollment.objects.create(training_class=demo, member=MemberFactory(organization=branch_a))
    attend(member, Decimal(4), year=YEAR - 1, title="去年的班")
    client.force_login(staff)
    _, rows = export(client, "training-classes", year=YEAR, kind="demonstration")
    assert [r["培训班"] for r in rows] == ["示范班"]
    row = rows[0]
    assert (row["报名人数"], row["参训人次"], row["累计学时"]) == (2, 1, 16)
    assert row["计入培训模式组成"] == "2天理论课程"
    assert row["经费（元）"] == 30000.5


def test_teacher_pool_and_course_menu(client, secretary):
    teacher = TeacherFactory(name="党校讲师", phone="13812345678")
    CourseFactory(title="学习党章", teacher=teacher, hours=Decimal(4))
    client.force_login(secretary)
    _, teachers = export(client, "training-teachers")
    assert teachers[0]["姓名"] == "党校讲师"
    assert teachers[0]["联系电话"] != "13812345678"  # masked
    assert teachers[0]["授课课程数"] == 1
    _, courses = export(client, "training-courses")
    assert (courses[0]["课程名称"], courses[0]["授课教师"], courses[0]["学时"]) == (
        "学习党章",
        "党校讲师",
        4,
    )


@pytest.mark.parametrize(
    "code",
    [
        "training-classes",
        "training-hours-branches",
        "training-hours-members",
        "training-teachers",
        "training-courses",
    ],
)
def test_training_ledgers_queries_do_not_grow(client, staff, root, branch_a, branch_b, code):
    client.force_login(staff)
    counts = []
    for batch in (2, 20):
        for index in range(batch):
            member = MemberFactory(organization=branch_a if index % 2 else branch_b)
            attend(member, Decimal(index % 9), organization=root)
            CourseFactory()
        # Factories write without the services' caching.changed: drop the cached hours (the
        # branch tallies are cached under the training topic) so both exports compute them.
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            export(client, code)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_hours_met_indicator_per_branch_and_rolled_up(
    hours, root, committee_a, committee_b, branch_a, branch_a2, django_assert_max_num_queries
):
    indicator = get_indicator("training-hours-met")
    organizations = Organization.objects.filter(
        pk__in=[root.pk, committee_a.pk, committee_b.pk, branch_a.pk, branch_a2.pk]
    )
    # hour rules (as a run recorded them), branches, GROUP BY, rollup's paths, (orgs)
    with django_assert_max_num_queries(5):
        measures = indicator.compute(YEAR, organizations)
    got = {pk: (m.numerator, m.denominator) for pk, m in measures.items()}
    assert got[branch_a.pk] == (1, 3)
    assert got[branch_a2.pk] == (0, 1)
    assert (got[committee_a.pk][0], got[committee_a.pk][1]) == (1, 4)
    assert (got[committee_b.pk][0], got[committee_b.pk][1]) == (1, 1)
    assert (got[root.pk][0], got[root.pk][1]) == (2, 5)
    url = indicator.drilldown(branch_a, YEAR)
    assert url == reverse("training:progress-met") + f"?organization={branch_a.pk}&year={YEAR}"
    assert indicator.denominator_link(branch_a, YEAR) == (
        reverse("training:organization-progress", args=[branch_a.pk]) + f"?year={YEAR}"
    )
