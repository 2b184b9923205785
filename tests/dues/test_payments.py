"""Assessments and payments: what is recorded, and every bad input refused in Chinese with
nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches.models import Member, Organization
from dues.models import DuesAssessment, DuesMonth, DuesPayment
from dues.services import payments as services
from tests.dues.factories import assess
from tests.factories import MemberFactory, OrganizationFactory

TODAY = datetime.date(2026, 7, 15)
JULY = datetime.date(2026, 7, 1)


@pytest.fixture
def member(branch_a, secretary):
    member = MemberFactory(organization=branch_a, name="李四")
    assess(member, secretary, month=datetime.date(2025, 1, 1), base="4000")  # 40.00 a month
    return member


def pay(member, by, months, amount="40.00", **extra):
    values = {
        "paid_on": TODAY,
        "amount": Decimal(amount),
        "method": DuesPayment.Method.WECHAT,
        "by": by,
        "today": TODAY,
    }
    values.update(extra)
    return services.record_payment(member, months=months, **values)


def refused(match, member, by, months, **extra):
    before = (DuesPayment.objects.count(), DuesMonth.objects.count())
    with pytest.raises(ValidationError) as error:
        pay(member, by, months, **extra)
    assert match in " ".join(error.value.messages)
    assert (DuesPayment.objects.count(), DuesMonth.objects.count()) == before


def test_assessment_computes_the_due_and_keeps_history(member, secretary):
    assessment = member.dues_assessments.get()
    assert assessment.computed_due == Decimal("40.00")
    assess(member, secretary, month=datetime.date(2025, 1, 1), base="6000", voluntary_extra=5)
    assessment.refresh_from_db()
    assert (assessment.due, assessment.monthly_due) == (Decimal("90.00"), Decimal("95.00"))
    assert assessment.history.count() == 2


def test_reduction_needs_an_approval_number(member, secretary):
    with pytest.raises(ValidationError, match="批准文号"):
        assess(member, secretary, month=JULY, reduction=DuesAssessment.Reduction.REDUCED)
    with pytest.raises(ValidationError, match="少于按标准应交"):
        assess(
            member,
            secretary,
            month=JULY,
            reduction=DuesAssessment.Reduction.REDUCED,
            reduced_due=Decimal("50"),
            approval_number="1号",
        )
    assert member.dues_assessments.count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"base": "-1"}, "不能为负数"),
        ({"base": "0"}, "大于0的计算基数"),
        ({"base": "5000000"}, "明显不合理"),
        ({"month": datetime.date(2009, 1, 1)}, "不能早于入党"),
    ],
)
def test_bad_assessments_are_refused(member, secretary, values, message):
    with pytest.raises(ValidationError, match=message):
        assess(member, secretary, **values)
    assert member.dues_assessments.count() == 1


def test_a_quarter_in_advance_is_one_payment_of_three_months(member, secretary):
    payment = pay(
        member,
        secretary,
        [JULY, datetime.date(2026, 8, 1), datetime.date(2026, 9, 1)],
        amount="120.00",
        receipt_number="R-001",
        paid_by=DuesPayment.PaidBy.ON_BEHALF,
        payer_name="李四爱人",
    )
    assert [m.month.month for m in payment.months.order_by("month")] == [7, 8, 9]
    assert sum(m.amount for m in payment.months.all()) == Decimal("120.00")


def test_paying_more_than_due_books_the_surplus_on_the_last_month(member, secretary):
    payment = pay(member, secretary, [datetime.date(2026, 6, 1), JULY], amount="100.00")
    assert [m.amount for m in payment.months.order_by("month")] == [
        Decimal("40.00"),
        Decimal("60.00"),
    ]


def test_six_months_back_is_allowed(member, secretary):
    pay(member, secretary, [datetime.date(2026, 1, 1)])
    assert DuesMonth.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(
    ("months", "extra", "message"),
    [
        ([JULY], {"amount": "-5"}, "金额须大于0元"),
        ([JULY], {"amount": "0"}, "金额须大于0元"),
        ([JULY], {"amount": "999999"}, "明显不合理"),
        ([JULY], {"amount": "5000"}, "远超所交月份的应交合计"),
        ([JULY], {"amount": "39.99"}, "足额交纳"),
        ([JULY], {"amount": "40.001"}, "两位小数"),
        ([datetime.date(2025, 12, 1)], {}, "补交最多追溯6个月"),
        (
            [
                JULY,
                datetime.date(2026, 8, 1),
                datetime.date(2026, 9, 1),
                datetime.date(2026, 10, 1),
            ],
            {"amount": "160"},
            "最多预交当月及以后3个月",
        ),
        ([JULY], {"paid_on": datetime.date(2026, 7, 16)}, "不能晚于今天"),
        ([], {}, "请选择所交纳的月份"),
        ([JULY], {"paid_by": DuesPayment.PaidBy.ON_BEHALF}, "代交人姓名"),
    ],
)
def test_bad_payments_are_refused(member, secretary, months, extra, message):
    refused(message, member, secretary, months, **extra)


def test_a_month_before_joining_is_refused(branch_a, secretary):
    newcomer = MemberFactory(
        organization=branch_a,
        status=Member.Status.PROBATIONARY,
        joined_on=datetime.date(2026, 5, 10),
        confirmed_on=None,
    )
    assess(newcomer, secretary, month=datetime.date(2026, 5, 1))
    refused("不能交纳入党前2026年4月", newcomer, secretary, [datetime.date(2026, 4, 1)])
    pay(newcomer, secretary, [datetime.date(2026, 5, 1)])  # the branch-meeting month is owed


def test_a_month_cannot_be_paid_twice(member, secretary):
    pay(member, secretary, [JULY])
    refused("已经交纳，不能重复登记", member, secretary, [JULY])


def test_a_duplicate_receipt_number_within_the_branch_is_refused(member, secretary, branch_a):
    pay(member, secretary, [JULY], receipt_number="R-9")
    other = MemberFactory(organization=branch_a)
    assess(other, secretary, month=JULY)
    refused("收据编号“R-9”在本党支部已经使用", other, secretary, [JULY], receipt_number="R-9")


def test_the_same_receipt_number_in_another_branch_is_fine(member, committee_admin, branch_a2):
    pay(member, committee_admin, [JULY], receipt_number="R-1")
    colleague = MemberFactory(organization=branch_a2)
    assess(colleague, committee_admin, month=JULY)
    pay(colleague, committee_admin, [JULY], receipt_number="R-1")


def test_an_unassessed_month_is_refused(branch_a, secretary):
    fresh = MemberFactory(organization=branch_a)
    refused("尚未核定党费", fresh, secretary, [JULY])


def test_a_member_of_another_subtree_is_refused(member, outsider):
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        pay(member, outsider, [JULY])
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        assess(member, outsider, month=JULY)
    assert not DuesPayment.objects.exists()


def test_a_temporary_branch_keeps_no_dues(committee_a, committee_admin, member):
    secretary = committee_admin
    temporary = OrganizationFactory(type=Organization.Type.TEMPORARY_BRANCH, parent=committee_a)
    # Members cannot be placed there (Member.clean); dues refuse it too, whatever the data.
    Member.objects.filter(pk=member.pk).update(organization=temporary)
    member.refresh_from_db()
    with pytest.raises(ValidationError, match="临时党支部不收缴党费"):
        assess(member, secretary, month=JULY)
    refused("临时党支部不收缴党费", member, secretary, [JULY])
    with pytest.raises(ValidationError, match="临时党支部"):
        services.record_month(
            temporary,
            month=JULY,
            entries=[services.MonthEntry(member)],
            paid_on=TODAY,
            method="cash",
            by=secretary,
            today=TODAY,
        )


def test_a_month_for_several_members_is_all_or_nothing(branch_a, secretary, member):
    others = MemberFactory.create_batch(3, organization=branch_a)
    for other in others[:2]:
        assess(other, secretary, month=JULY)
    entries = [services.MonthEntry(m) for m in [member, *others]]
    with pytest.raises(ValidationError) as error:
        services.record_month(
            branch_a, month=JULY, entries=entries, paid_on=TODAY, method="cash",
            by=secretary, today=TODAY,
        )  # fmt: skip
    assert any(others[2].name in message for message in error.value.messages)
    assert not DuesPayment.objects.exists()
    payments = services.record_month(
        branch_a, month=JULY, entries=entries[:3], paid_on=TODAY, method="cash",
        by=secretary, today=TODAY,
    )  # fmt: skip
    assert len(payments) == 3
    assert DuesMonth.objects.filter(month=JULY).count() == 3


def test_a_committee_admin_may_record_but_not_a_foreign_one(member, committee_admin, outsiders):
    pay(member, committee_admin, [JULY])
    with pytest.raises((ValidationError, PermissionDenied)):
        pay(member, outsiders[0], [datetime.date(2026, 6, 1)])


def test_undoing_a_payment_frees_its_months(member, secretary):
    payment = pay(member, secretary, [JULY])
    services.delete_payment(payment, by=secretary, reason="重复登记")
    assert not DuesMonth.objects.exists()
    pay(member, secretary, [JULY])
