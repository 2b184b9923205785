"""Demo dues: assessments, payments with some members behind, idempotent."""

import datetime

from branches.models import Member
from dues.arrears import arrears
from dues.demo import seed_dues
from dues.models import DuesAssessment, DuesMonth, DuesPayment
from tests.factories import MemberFactory, UserFactory

TODAY = datetime.date(2026, 11, 26)


def test_demo_dues_are_idempotent_and_leave_some_members_behind(branch_a, system_admin):
    MemberFactory.create_batch(8, organization=branch_a)
    UserFactory(role="system_admin", organization=system_admin.organization)
    first = seed_dues(today=TODAY)
    assert first["assessments"] == 8 and first["payments"] > 8
    behind = arrears(Member.objects.all(), as_of=TODAY)
    assert {m.level for m in behind} == {"warning", "alert"}
    counts = (
        DuesAssessment.objects.count(),
        DuesPayment.objects.count(),
        DuesMonth.objects.count(),
    )
    again = seed_dues(today=TODAY)
    assert again == {"assessments": 0, "payments": 0, "remittances": 0, "expenses": 0}
    assert counts == (
        DuesAssessment.objects.count(),
        DuesPayment.objects.count(),
        DuesMonth.objects.count(),
    )
