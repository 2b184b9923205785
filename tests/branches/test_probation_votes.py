"""支部大会 votes on 接收, 转正, 延长预备期 and 取消预备党员资格: the number entitled is read from
the roster of the meeting day; 转正 waits for the (possibly extended) calendar-year probation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import DevelopmentCase, Member, MemberTransfer, ProbationDecision, Step
from branches.rules import development as development_rules
from branches.rules.votes import entitled_voters
from branches.services import development, probation
from tests.branches.test_development_services import VALID, advance, open_applicant
from tests.factories import MemberFactory

D = datetime.date
MEETING = D(2025, 3, 10)


def transfer(member, *, on, to=None, kind=MemberTransfer.Kind.INTERNAL, by):
    """A transfer record as the services write it (the member's branch follows it)."""
    record = MemberTransfer.objects.create(
        member=member,
        kind=kind,
        from_organization=member.organization if kind != MemberTransfer.Kind.IN else None,
        to_organization=to,
        external_organization="" if kind == MemberTransfer.Kind.INTERNAL else "外地某支部",
        transferred_on=on,
        recorded_by=by,
    )
    if to is not None:
        member.organization = to
    if kind == MemberTransfer.Kind.OUT:
        member.standing = Member.Standing.TRANSFERRED_OUT
    member.save()
    return record


def names(organization, day):
    return {member.name for member in entitled_voters(organization, day)}


# --- The roster of the meeting day -------------------------------------------------------------


def test_entitled_are_the_full_members_of_the_branch_on_the_day(branch_a, branch_a2, secretary):
    MemberFactory(organization=branch_a, name="老党员")
    MemberFactory(
        organization=branch_a, name="预备", status=Member.Status.PROBATIONARY, confirmed_on=None
    )
    # 转正 the day after the meeting: still probationary on the day.
    MemberFactory(
        organization=branch_a,
        name="次日转正",
        joined_on=D(2024, 3, 11),
        confirmed_on=D(2025, 3, 11),
    )
    MemberFactory(
        organization=branch_a, name="当日转正", joined_on=D(2024, 3, 10), confirmed_on=MEETING
    )
    MemberFactory(organization=branch_a, name="停止党籍", standing=Member.Standing.SUSPENDED)
    MemberFactory(
        organization=branch_a, name="无记录转出", standing=Member.Standing.TRANSFERRED_OUT
    )
    MemberFactory(organization=branch_a2, name="隔壁")
    assert names(branch_a, MEETING) == {"老党员", "当日转正"}


def test_the_roster_follows_the_transfers_of_the_day_before(branch_a, branch_a2, secretary):
    stays = MemberFactory(organization=branch_a, name="留下")
    left = MemberFactory(organization=branch_a, name="前一天调出")
    came = MemberFactory(organization=branch_a2, name="前一天调入")
    same_day = MemberFactory(organization=branch_a, name="当天调出")
    later = MemberFactory(organization=branch_a, name="会后转出")
    day_before = MEETING - datetime.timedelta(days=1)
    transfer(left, on=day_before, to=branch_a2, by=secretary)
    transfer(came, on=day_before, to=branch_a, by=secretary)
    transfer(same_day, on=MEETING, to=branch_a2, by=secretary)  # a transfer counts from its date
    transfer(later, on=D(2025, 4, 1), kind=MemberTransfer.Kind.OUT, by=secretary)
    assert names(branch_a, MEETING) == {"留下", "前一天调入", "会后转出"}
    assert names(branch_a, day_before - datetime.timedelta(days=1)) == {
        "留下",
        "前一天调出",
        "当天调出",
        "会后转出",
    }
    assert names(branch_a2, MEETING) == {"前一天调出", "当天调出"}
    assert stays.pk  # unchanged throughout


def test_a_member_transferred_in_from_outside_counts_from_the_transfer(branch_a, secretary):
    arrived = MemberFactory(organization=branch_a, name="外地转入")
    transfer(arrived, on=MEETING, to=branch_a, kind=MemberTransfer.Kind.IN, by=secretary)
    assert names(branch_a, MEETING - datetime.timedelta(days=1)) == set()
    assert names(branch_a, MEETING) == {"外地转入"}


# --- The admission vote, on a roster that changed the day before ------------------------------


@pytest.fixture
def candidate(branch_a, secretary):
    case = open_applicant(branch_a, secretary)
    advance(case, secretary, through=Step.PRE_REVIEW)
    sponsors = MemberFactory.create_batch(2, organization=branch_a)
    development.set_sponsors(case, sponsors, by=secretary)
    return case


def admit(case, by, *, present, yes, on=VALID[Step.ADMISSION_MEETING]):
    return development.record_step(
        case, step=Step.ADMISSION_MEETING, done_on=on, by=by, present_voters=present, votes_for=yes
    )


def test_a_departure_the_day_before_makes_two_of_four_exactly_half(
    candidate, branch_a, branch_a2, secretary
):
    # Five full members until the day before the meeting, when one was transferred out.
    others = MemberFactory.create_batch(3, organization=branch_a)
    transfer(others[0], on=D(2022, 6, 19), to=branch_a2, by=secretary)
    with pytest.raises(ValidationError, match="赞成票2票，未超过有表决权党员4人的半数"):
        admit(candidate, secretary, present=4, yes=2)
    with pytest.raises(ValidationError, match="到会有表决权的党员5人，多于2022年6月20日本支部"):
        admit(candidate, secretary, present=5, yes=5)
    step = admit(candidate, secretary, present=4, yes=3)
    assert (step.entitled_voters, step.present_voters, step.votes_for) == (4, 4, 3)


def test_an_arrival_the_day_before_raises_the_bar(candidate, branch_a, branch_a2, secretary):
    MemberFactory(organization=branch_a)  # three with the sponsors: two yes would pass
    newcomer = MemberFactory(organization=branch_a2)
    transfer(newcomer, on=D(2022, 6, 19), to=branch_a, by=secretary)
    # Four entitled on the day: two yes is exactly half and fails.
    with pytest.raises(ValidationError, match="赞成票2票，未超过有表决权党员4人的半数"):
        admit(candidate, secretary, present=3, yes=2)
    assert admit(candidate, secretary, present=3, yes=3).entitled_voters == 4


# --- 转正: after the calendar-year probation, the date is its end -------------------------------


def dates_admitted_on(day):
    """A valid case whose 支部大会 admitted the applicant on `day`."""
    shift = day - VALID[Step.ADMISSION_MEETING]
    dates = {step: value + shift for step, value in VALID.items()}
    return dates


def case_admitted_on(branch, by, day, *, sequence=30):
    dates = dates_admitted_on(day)
    case = open_applicant(branch, by, sequence=sequence, applied_on=dates[Step.APPLICATION])
    return advance(case, by, through=Step.OATH, dates=dates)


def confirm_meeting(case, by, on, **vote):
    vote = vote or {"present_voters": 2, "votes_for": 2}
    return development.record_step(case, step=Step.CONFIRMATION_MEETING, done_on=on, by=by, **vote)


def test_leap_day_admission_ends_probation_on_28_february(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    assert case.member.probation_end == D(2025, 2, 28)  # add_years: 29 Feb → 28 Feb
    with pytest.raises(ValidationError, match="预备期至2025年2月28日期满，期满前不能讨论转正"):
        confirm_meeting(case, secretary, D(2025, 2, 27))
    step = confirm_meeting(case, secretary, D(2025, 2, 28))
    assert (step.entitled_voters, step.votes_for) == (2, 2)
    development.record_step(
        case, step=Step.CONFIRMATION_APPROVAL, done_on=D(2025, 3, 20), by=secretary
    )
    member = Member.objects.get(pk=case.member_id)
    assert member.status == Member.Status.FULL
    assert member.confirmed_on == D(2025, 2, 28)  # the day probation ends, not the approval


def test_a_calendar_year_over_a_leap_day_is_366_days(branch_a, secretary):
    # Admitted 1 March 2023: 365 days later is 29 February 2024, a day before the year ends.
    case = case_admitted_on(branch_a, secretary, D(2023, 3, 1))
    with pytest.raises(ValidationError, match="预备期至2024年3月1日期满"):
        confirm_meeting(case, secretary, D(2024, 2, 29))
    assert confirm_meeting(case, secretary, D(2024, 3, 1)).pk


def test_confirmation_vote_needs_more_than_half(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    MemberFactory.create_batch(2, organization=branch_a)  # four entitled with the sponsors
    with pytest.raises(
        ValidationError, match="赞成票2票，未超过有表决权党员4人的半数，支部大会未通过转正"
    ):
        confirm_meeting(case, secretary, D(2025, 3, 3), present_voters=4, votes_for=2)
    with pytest.raises(ValidationError, match="请填写支部大会到会有表决权的党员数和赞成票数"):
        development.record_step(
            case, step=Step.CONFIRMATION_MEETING, done_on=D(2025, 3, 3), by=secretary
        )
    assert confirm_meeting(case, secretary, D(2025, 3, 3), present_voters=3, votes_for=3).pk


# --- 延长预备期 and 取消预备党员资格 -------------------------------------------------------------


def extend(member, by, **kwargs):
    values = {
        "held_on": D(2025, 2, 28),
        "months": 6,
        "reason": "入党动机仍需考察",
        "present_voters": 2,
        "votes_for": 2,
    }
    values.update(kwargs)
    return probation.extend_probation(member, by=by, **values)


def test_an_extension_moves_the_end_of_probation_and_the_confirmation(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    decision = extend(case.member, secretary, months=6)
    assert (decision.kind, decision.months, decision.entitled_voters) == ("extend", 6, 2)
    member = Member.objects.get(pk=case.member_id)
    assert member.probation_extension_months == 6
    assert member.probation_end == D(2025, 8, 28)
    with pytest.raises(ValidationError, match="预备期至2025年8月28日期满"):
        confirm_meeting(case, secretary, D(2025, 8, 27))
    confirm_meeting(case, secretary, D(2025, 8, 28))
    development.record_step(
        case, step=Step.CONFIRMATION_APPROVAL, done_on=D(2025, 9, 1), by=secretary
    )
    assert Member.objects.get(pk=member.pk).confirmed_on == D(2025, 8, 28)


def test_an_extension_is_once_six_to_twelve_months_and_voted(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    MemberFactory.create_batch(2, organization=branch_a)  # four entitled
    for months in (5, 13):
        with pytest.raises(ValidationError, match="延长预备期为6至12个月"):
            extend(case.member, secretary, months=months, present_voters=4, votes_for=4)
    with pytest.raises(ValidationError, match="赞成票2票，未超过有表决权党员4人的半数"):
        extend(case.member, secretary, present_voters=4, votes_for=2)
    extend(case.member, secretary, months=12, present_voters=4, votes_for=3)
    with pytest.raises(ValidationError, match="预备期只能延长一次"):
        extend(case.member, secretary, present_voters=4, votes_for=4)
    assert Member.objects.get(pk=case.member_id).probation_end == D(2026, 2, 28)


def test_no_extension_for_a_full_member_or_after_the_confirmation_vote(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    confirm_meeting(case, secretary, D(2025, 2, 28))
    with pytest.raises(ValidationError, match="已讨论通过其转正"):
        extend(case.member, secretary, held_on=D(2025, 3, 1))
    full = MemberFactory(organization=branch_a)
    with pytest.raises(ValidationError, match="只能对预备党员"):
        extend(full, secretary)


def test_cancelling_probationary_membership(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    with pytest.raises(ValidationError, match="赞成票1票，未超过有表决权党员2人的半数"):
        probation.cancel_probation(
            case.member,
            held_on=D(2025, 1, 10),
            reason="不履行党员义务",
            present_voters=2,
            votes_for=1,
            by=secretary,
        )
    decision = probation.cancel_probation(
        case.member,
        held_on=D(2025, 1, 10),
        reason="不履行党员义务",
        present_voters=2,
        votes_for=2,
        by=secretary,
    )
    member = Member.objects.get(pk=case.member_id)
    assert member.standing == Member.Standing.EXPELLED
    assert (decision.kind, decision.entitled_voters) == (ProbationDecision.Kind.CANCEL, 2)
    case = DevelopmentCase.objects.get(pk=case.pk)
    assert case.is_closed and "取消预备党员资格" in case.closed_reason
    with pytest.raises(ValidationError, match="该发展党员档案已终止"):
        confirm_meeting(case, secretary, D(2025, 3, 1))


def test_probation_page_records_an_extension(client, secretary, branch_a):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    url = reverse("branches:member-probation", args=[case.member_id])
    client.force_login(secretary)
    assert (
        "延长预备期/取消预备党员资格" in client.get(case.member.get_absolute_url()).content.decode()
    )
    post = {
        "kind": "extend",
        "held_on": "2025-02-28",
        "months": "",
        "reason": "继续考察",
        "present_voters": "2",
        "votes_for": "1",
    }
    body = client.post(url, post).content.decode()
    assert "延长预备期须选择延长的月数" in body
    body = client.post(url, {**post, "months": "6"}).content.decode()
    assert "赞成票1票，未超过有表决权党员2人的半数" in body
    response = client.post(url, {**post, "months": "6", "votes_for": "2"})
    assert response.status_code == 302
    assert Member.objects.get(pk=case.member_id).probation_extension_months == 6
    body = client.get(url).content.decode()
    assert "有表决权党员2人，到会2人，赞成2票" in body


# --- 转正 of a member without a development case -----------------------------------------------


def probationary_without_case(branch, joined_on):
    return MemberFactory(
        organization=branch,
        name="转入预备",
        joined_on=joined_on,
        status=Member.Status.PROBATIONARY,
        confirmed_on=None,
    )


def test_a_member_without_a_case_is_confirmed_by_a_vote_after_probation(branch_a, secretary):
    member = probationary_without_case(branch_a, D(2024, 2, 29))
    MemberFactory.create_batch(2, organization=branch_a)  # two entitled

    def confirm(on, yes):
        return probation.confirm_probation(
            member, held_on=on, present_voters=2, votes_for=yes, by=secretary
        )

    with pytest.raises(ValidationError, match="预备期至2025年2月28日期满"):
        confirm(D(2025, 2, 27), 2)
    with pytest.raises(ValidationError, match="赞成票1票，未超过有表决权党员2人的半数"):
        confirm(D(2025, 3, 5), 1)
    decision = confirm(D(2025, 3, 5), 2)
    member.refresh_from_db()
    assert (member.status, member.confirmed_on) == (Member.Status.FULL, D(2025, 2, 28))
    assert (decision.kind, decision.entitled_voters) == (ProbationDecision.Kind.CONFIRM, 2)


def test_a_member_with_a_case_is_confirmed_through_the_case(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    with pytest.raises(ValidationError, match="请在档案中登记"):
        probation.confirm_probation(
            case.member, held_on=D(2025, 3, 5), present_voters=2, votes_for=2, by=secretary
        )


def test_the_edit_form_cannot_confirm_or_extend(client, secretary, branch_a):
    from branches.forms.members import MemberEditForm

    member = probationary_without_case(branch_a, D(2024, 7, 1))
    form = MemberEditForm(instance=member, by=secretary)
    assert form.fields["status"].disabled and form.fields["probation_extension_months"].disabled


def test_the_case_waits_for_the_calendar_year_and_the_extension(branch_a, secretary):
    case = case_admitted_on(branch_a, secretary, D(2023, 3, 1))

    def not_before():
        cases = DevelopmentCase.objects.with_steps().filter(pk=case.pk)
        (status,) = development_rules.evaluate(
            cases, development_rules.active_rules(), today=D(2024, 1, 5)
        )
        assert status.next_step == Step.CONFIRMATION_MEETING and status.waiting
        return status.not_before

    assert not_before() == D(2024, 3, 1)  # 365 days would say 29 February
    extend(case.member, secretary, held_on=D(2024, 1, 5), months=6)
    assert not_before() == D(2024, 9, 1)


def test_the_case_page_asks_for_the_confirmation_vote(client, secretary, branch_a):
    case = case_admitted_on(branch_a, secretary, D(2024, 2, 29))
    client.force_login(secretary)
    body = client.get(case.get_absolute_url()).content.decode()
    assert 'name="present_voters"' in body and "按今天的名册为2人" in body
    step_url = reverse("branches:developmentcase-step", args=[case.pk])
    post = {"step": Step.CONFIRMATION_MEETING, "done_on": "2025-02-28", "present_voters": "2"}
    body = client.post(step_url, {**post, "votes_for": "1"}).content.decode()
    assert "赞成票1票，未超过有表决权党员2人的半数，支部大会未通过转正" in body
    assert client.post(step_url, {**post, "votes_for": "2"}).status_code == 302
    step = case.steps.get(step=Step.CONFIRMATION_MEETING)
    assert (step.entitled_voters, step.present_voters, step.votes_for) == (2, 2, 2)
    body = client.get(case.get_absolute_url()).content.decode()
    assert "有表决权党员2人，到会2人，赞成2票" in body
