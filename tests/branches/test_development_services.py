"""The member-development services: opening a case, recording steps under the timing rules,
sponsors, the admission vote, the member record it creates, and closing a case."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from alxa_dangjian.core.idnumber import make_id_number
from branches.models import (
    STEP_ORDER,
    DevelopmentCase,
    DevelopmentStep,
    Member,
    Organization,
    Stage,
    Step,
    TimingRule,
)
from branches.rules import development as development_rules
from branches.services import development
from tests.factories import MemberFactory, OrganizationFactory

D = datetime.date
BIRTH = D(2000, 5, 20)
# A case that keeps every seeded rule.
VALID = {
    Step.APPLICATION: D(2021, 3, 1),
    Step.TALK: D(2021, 3, 15),
    Step.ACTIVIST: D(2021, 4, 1),
    Step.CANDIDATE: D(2022, 4, 15),
    Step.TRAINING: D(2022, 5, 10),
    Step.PRE_REVIEW: D(2022, 6, 1),
    Step.ADMISSION_MEETING: D(2022, 6, 20),
    Step.ADMISSION_APPROVAL: D(2022, 8, 1),
    Step.OATH: D(2022, 8, 10),
    Step.CONFIRMATION_MEETING: D(2023, 6, 25),
    Step.CONFIRMATION_APPROVAL: D(2023, 8, 1),
}
# The two sponsors are the branch's only full members: entitled 2, both vote yes.
VOTE = {"present_voters": 2, "votes_for": 2}


def open_applicant(organization, by, *, sequence=10, birth_date=BIRTH, applied_on=None, **kw):
    fields = {
        "organization": organization,
        "name": kw.pop("name", f"申请人{sequence}"),
        "gender": "female",
        "birth_date": birth_date,
        "id_number": make_id_number(
            region="152921", birth_date=birth_date, sequence=sequence, gender="female"
        ),
        "ethnicity": "蒙古族",
        "education": Member.Education.BACHELOR,
        "unit": "阿拉善盟某局",
        "applied_on": applied_on or VALID[Step.APPLICATION],
    }
    fields.update(kw)
    return development.open_case(**fields, by=by)


def give_sponsors(case, by):
    sponsors = MemberFactory.create_batch(2, organization=case.organization)
    development.set_sponsors(case, sponsors, by=by)
    return sponsors


def advance(case, by, *, through, dates=VALID):
    """Record every step after the last recorded one up to and including `through`."""
    recorded = set(case.steps.values_list("step", flat=True))
    for code in STEP_ORDER[: STEP_ORDER.index(through) + 1]:
        if code in recorded:
            continue
        if code == Step.ADMISSION_MEETING and not case.sponsors.exists():
            give_sponsors(case, by)
        extra = VOTE if code in development_rules.VOTED_STEPS else {}
        development.record_step(case, step=code, done_on=dates[code], by=by, **extra)
    case.refresh_from_db()
    return case


def snapshot(case):
    case.refresh_from_db()
    return (
        case.stage,
        case.member_id,
        list(case.steps.order_by("pk").values_list("step", "done_on")),
        Member.objects.count(),
    )


@pytest.fixture
def applicant(branch_a, secretary):
    return open_applicant(branch_a, secretary)


# --- Opening a case ---------------------------------------------------------------------------


def test_open_case_records_the_application(applicant):
    assert applicant.stage == Stage.APPLICANT
    assert list(applicant.steps.values_list("step", "done_on")) == [
        (Step.APPLICATION, VALID[Step.APPLICATION])
    ]
    assert applicant.ethnicity == "蒙古族"


def test_applicant_must_be_eighteen_at_application(branch_a, secretary):
    birth = D(2003, 3, 2)  # 18 on 2021-03-02, one day after the application
    with pytest.raises(ValidationError) as error:
        open_applicant(branch_a, secretary, birth_date=birth)
    assert (
        "申请入党时须年满18周岁（递交入党申请书时17周岁）"
        in error.value.message_dict["applied_on"][0]
    )
    assert not DevelopmentCase.objects.exists() and not DevelopmentStep.objects.exists()
    case = open_applicant(branch_a, secretary, birth_date=birth, applied_on=D(2021, 3, 2))
    assert case.stage == Stage.APPLICANT


def test_temporary_branch_cannot_develop_members(committee_a, secretary):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    with pytest.raises(ValidationError) as error:
        open_applicant(temporary, secretary)
    assert "临时党支部不能发展党员" in error.value.message_dict["organization"][0]
    assert not DevelopmentCase.objects.exists()


def test_only_branches_develop_members(committee_a, secretary):
    with pytest.raises(ValidationError) as error:
        open_applicant(committee_a, secretary)
    assert "党支部" in error.value.message_dict["organization"][0]


def test_one_open_case_per_id_number(branch_a, branch_a2, secretary, applicant):
    with pytest.raises(ValidationError) as error:
        open_applicant(branch_a2, secretary, name="重复")
    assert "已有一份未终止的发展党员档案" in error.value.message_dict["id_number"][0]
    assert DevelopmentCase.objects.count() == 1
    development.close_case(applicant, reason="不再培养", by=secretary)
    again = open_applicant(branch_a2, secretary, name="重新申请")
    assert again.organization == branch_a2


def test_a_member_cannot_be_developed_again(branch_a, secretary):
    member = MemberFactory(organization=branch_a)
    with pytest.raises(ValidationError) as error:
        development.open_case(
            organization=branch_a,
            name=member.name,
            gender=member.gender,
            birth_date=member.birth_date,
            id_number=member.id_number.lower(),
            education="bachelor",
            applied_on=D(2021, 3, 1),
            by=secretary,
        )
    assert "已登记为党员" in error.value.message_dict["id_number"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "bad-checksum"}, "校验位错误"),
        ({"gender": "male"}, "性别与身份证号码不一致"),
        ({"birth_date": D(2000, 5, 21)}, "出生日期与身份证号码不一致"),
    ],
)
def test_id_number_is_validated(branch_a, secretary, change, message):
    fields = {
        "organization": branch_a,
        "name": "张三",
        "gender": "female",
        "birth_date": BIRTH,
        "id_number": make_id_number(region="152921", birth_date=BIRTH, sequence=4, gender="female"),
        "education": "bachelor",
        "applied_on": D(2021, 3, 1),
    }
    fields.update(change)
    if fields["id_number"] == "bad-checksum":
        valid = make_id_number(region="152921", birth_date=BIRTH, sequence=4, gender="female")
        fields["id_number"] = valid[:17] + ("1" if valid[17] == "0" else "0")
    with pytest.raises(ValidationError) as error:
        development.open_case(**fields, by=secretary)
    assert message in " ".join(error.value.message_dict["id_number"])
    assert not DevelopmentCase.objects.exists()


def test_application_date_cannot_be_in_the_future(branch_a, secretary):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        open_applicant(branch_a, secretary, applied_on=tomorrow)
    assert "不能晚于今天" in error.value.message_dict["applied_on"][0]


# --- Step order and dates ---------------------------------------------------------------------


def test_steps_go_in_order(applicant, secretary):
    before = snapshot(applicant)
    with pytest.raises(ValidationError) as error:
        development.record_step(
            applicant, step=Step.ACTIVIST, done_on=VALID[Step.ACTIVIST], by=secretary
        )
    assert "登记“确定为入党积极分子”前须先登记“党组织派人谈话”" in error.value.messages[0]
    assert snapshot(applicant) == before


@pytest.mark.parametrize("skipped", [Step.TALK, Step.TRAINING, Step.OATH])
def test_talk_training_and_oath_are_required(applicant, secretary, skipped):
    index = STEP_ORDER.index(skipped)
    advance(applicant, secretary, through=STEP_ORDER[index - 1])
    following = STEP_ORDER[index + 1]
    with pytest.raises(ValidationError) as error:
        development.record_step(applicant, step=following, done_on=VALID[following], by=secretary)
    assert f"前须先登记“{Step(skipped).label}”" in error.value.messages[0]


def test_a_step_cannot_predate_the_previous_one_or_be_in_the_future(applicant, secretary):
    before = snapshot(applicant)
    with pytest.raises(ValidationError) as error:
        development.record_step(applicant, step=Step.TALK, done_on=D(2021, 2, 28), by=secretary)
    assert (
        "“党组织派人谈话”的日期不能早于“递交入党申请书”（2021年3月1日）。" in error.value.messages
    )
    future = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        development.record_step(applicant, step=Step.TALK, done_on=future, by=secretary)
    assert snapshot(applicant) == before


def test_a_step_is_recorded_once(applicant, secretary):
    advance(applicant, secretary, through=Step.TALK)
    with pytest.raises(ValidationError, match="已于2021年3月15日登记"):
        development.record_step(applicant, step=Step.TALK, done_on=D(2021, 3, 16), by=secretary)


def test_unknown_step_is_refused(applicant, secretary):
    with pytest.raises(ValidationError, match="未知的发展步骤"):
        development.record_step(applicant, step="baptism", done_on=D(2021, 3, 2), by=secretary)


def test_stage_follows_the_latest_step(applicant, secretary):
    expected = {
        Step.TALK: Stage.APPLICANT,
        Step.ACTIVIST: Stage.ACTIVIST,
        Step.CANDIDATE: Stage.CANDIDATE,
        Step.PRE_REVIEW: Stage.CANDIDATE,
        Step.ADMISSION_MEETING: Stage.PROBATIONARY,
        Step.CONFIRMATION_MEETING: Stage.PROBATIONARY,
        Step.CONFIRMATION_APPROVAL: Stage.FULL,
    }
    for step, stage in expected.items():
        assert advance(applicant, secretary, through=step).stage == stage


# --- Every seeded timing rule, tripped and not tripped ----------------------------------------


def _gap_for(rule, tripped):
    if rule.max_days is not None:
        return rule.max_days + 1 if tripped else rule.max_days
    return rule.min_days - 1 if tripped else rule.min_days


INTERVAL_RULES = [
    "talk-within-a-month",
    "activist-after-application",
    "activist-one-year",
    "meeting-after-pre-review",
    "approval-three-months",
    "approval-six-months",
    "probation-one-year",
    "confirmation-approval-three-months",
]


def test_every_seeded_rule_is_covered(db):
    assert set(TimingRule.objects.values_list("code", flat=True)) == {
        "age-at-application",
        *INTERVAL_RULES,
    }


@pytest.mark.parametrize("tripped", [True, False], ids=["tripped", "kept"])
@pytest.mark.parametrize("code", INTERVAL_RULES)
def test_interval_rule_on_entry(applicant, secretary, code, tripped):
    rule = TimingRule.objects.get(code=code)
    start, index = STEP_ORDER.index(rule.after_step), STEP_ORDER.index(rule.step)
    done_on = VALID[rule.after_step] + datetime.timedelta(days=_gap_for(rule, tripped))
    # Steps between the two keep their order around the date under test.
    dates = dict(VALID)
    for code in STEP_ORDER[start + 1 : index]:
        dates[code] = max(VALID[rule.after_step], min(VALID[code], done_on))
    advance(applicant, secretary, through=STEP_ORDER[index - 1], dates=dates)
    if rule.step == Step.ADMISSION_MEETING:
        give_sponsors(applicant, secretary)
    extra = VOTE if rule.step in development_rules.VOTED_STEPS else {}
    before = snapshot(applicant)
    if tripped and rule.is_hard:
        with pytest.raises(ValidationError) as error:
            development.record_step(
                applicant, step=rule.step, done_on=done_on, by=secretary, **extra
            )
        assert any(rule.description in message for message in error.value.messages)
        assert snapshot(applicant) == before  # nothing changed
        return
    record = development.record_step(
        applicant, step=rule.step, done_on=done_on, by=secretary, **extra
    )
    assert record.pk and record.done_on == done_on
    mentioned = any(rule.description in warning for warning in record.warnings)
    assert mentioned is tripped
    applicant.refresh_from_db()
    status = development_rules.evaluate(
        DevelopmentCase.objects.with_steps().filter(pk=applicant.pk),
        development_rules.active_rules(),
    )[0]
    assert any(item.rule.code == code for item in status.broken) is tripped


def test_hard_rules_are_the_ones_the_issue_names(db):
    hard = set(TimingRule.objects.filter(is_hard=True).values_list("code", flat=True))
    assert {"age-at-application", "activist-one-year", "probation-one-year"} <= hard
    assert "talk-within-a-month" not in hard


def test_an_inactive_rule_is_not_applied(applicant, secretary):
    TimingRule.objects.filter(code="activist-one-year").update(is_active=False)
    advance(applicant, secretary, through=Step.ACTIVIST)
    record = development.record_step(
        applicant, step=Step.CANDIDATE, done_on=D(2021, 5, 1), by=secretary
    )
    assert record.warnings == []


def test_soft_rule_made_hard_by_staff_refuses(applicant, secretary):
    TimingRule.objects.filter(code="talk-within-a-month").update(is_hard=True)
    with pytest.raises(ValidationError, match="1个月内派人谈话"):
        development.record_step(applicant, step=Step.TALK, done_on=D(2021, 4, 5), by=secretary)


# --- Sponsors, the vote, the member record ----------------------------------------------------


def test_sponsors_are_required_before_the_admission_meeting(applicant, secretary):
    advance(applicant, secretary, through=Step.PRE_REVIEW)
    before = snapshot(applicant)
    with pytest.raises(ValidationError, match="须确定两名本支部正式党员作为入党介绍人"):
        development.record_step(
            applicant,
            step=Step.ADMISSION_MEETING,
            done_on=VALID[Step.ADMISSION_MEETING],
            by=secretary,
            **VOTE,
        )
    assert snapshot(applicant) == before


def test_sponsors_must_be_two_full_members_of_the_branch(applicant, secretary, branch_a2):
    full = MemberFactory(organization=applicant.organization)
    probationary = MemberFactory(
        organization=applicant.organization,
        status=Member.Status.PROBATIONARY,
        joined_on=D(2024, 7, 1),
        confirmed_on=None,
    )
    elsewhere = MemberFactory(organization=branch_a2)
    gone = MemberFactory(
        organization=applicant.organization, standing=Member.Standing.TRANSFERRED_OUT
    )
    for pair, message in [
        ([full], "已选择1名"),
        ([full, full], "已选择1名"),
        ([full, probationary], "是预备党员"),
        ([full, elsewhere], "不是本支部党员"),
        ([full, gone], "党籍状态为“转出”"),
    ]:
        with pytest.raises(ValidationError, match=message):
            development.set_sponsors(applicant, pair, by=secretary)
    assert not applicant.sponsors.exists()
    other = MemberFactory(organization=applicant.organization)
    development.set_sponsors(applicant, [full, other], by=secretary)
    assert set(applicant.sponsors.all()) == {full, other}


def test_sponsor_who_left_before_the_meeting_no_longer_counts(applicant, secretary):
    advance(applicant, secretary, through=Step.PRE_REVIEW)
    sponsors = give_sponsors(applicant, secretary)
    Member.objects.filter(pk=sponsors[0].pk).update(standing=Member.Standing.TRANSFERRED_OUT)
    with pytest.raises(ValidationError, match="目前符合条件的有1名"):
        development.record_step(
            applicant,
            step=Step.ADMISSION_MEETING,
            done_on=VALID[Step.ADMISSION_MEETING],
            by=secretary,
            **VOTE,
        )


@pytest.mark.parametrize(
    ("entitled", "yes", "passes"),
    [(6, 3, False), (6, 4, True), (7, 3, False), (7, 4, True), (2, 1, False), (2, 2, True)],
)
def test_admission_vote_needs_more_than_half(applicant, secretary, entitled, yes, passes):
    advance(applicant, secretary, through=Step.PRE_REVIEW)
    give_sponsors(applicant, secretary)  # two of the entitled
    MemberFactory.create_batch(entitled - 2, organization=applicant.organization)
    before = snapshot(applicant)

    def record():
        return development.record_step(
            applicant,
            step=Step.ADMISSION_MEETING,
            done_on=VALID[Step.ADMISSION_MEETING],
            by=secretary,
            present_voters=entitled,
            votes_for=yes,
        )

    if not passes:
        with pytest.raises(
            ValidationError, match=f"赞成票{yes}票，未超过有表决权党员{entitled}人的半数"
        ):
            record()
        assert snapshot(applicant) == before
        return
    step = record()
    assert (step.entitled_voters, step.present_voters, step.votes_for) == (entitled, entitled, yes)


@pytest.mark.parametrize(
    ("vote", "message"),
    [
        ({}, "请填写支部大会到会有表决权的党员数和赞成票数"),
        ({"present_voters": 2}, "请填写"),
        ({"present_voters": 3, "votes_for": 2}, "到会有表决权的党员3人，多于2022年6月20日本支部"),
        ({"present_voters": 1, "votes_for": 2}, "赞成票数不能多于到会有表决权的党员数"),
    ],
)
def test_admission_vote_figures_are_checked(applicant, secretary, vote, message):
    advance(applicant, secretary, through=Step.PRE_REVIEW)
    give_sponsors(applicant, secretary)
    with pytest.raises(ValidationError, match=message):
        development.record_step(
            applicant,
            step=Step.ADMISSION_MEETING,
            done_on=VALID[Step.ADMISSION_MEETING],
            by=secretary,
            **vote,
        )


def test_vote_figures_belong_to_the_branch_meetings_only(applicant, secretary):
    with pytest.raises(ValidationError, match="只有支部大会讨论接收预备党员、预备党员转正"):
        development.record_step(
            applicant, step=Step.TALK, done_on=VALID[Step.TALK], by=secretary, **VOTE
        )


def test_admission_creates_a_probationary_member(applicant, secretary):
    advance(applicant, secretary, through=Step.ADMISSION_MEETING)
    member = applicant.member
    assert member is not None
    assert member.status == Member.Status.PROBATIONARY
    assert member.joined_on == VALID[Step.ADMISSION_MEETING]  # 入党日期 = 支部大会 date
    assert member.confirmed_on is None
    assert (member.name, member.id_number, member.birth_date, member.gender) == (
        applicant.name,
        applicant.id_number,
        applicant.birth_date,
        applicant.gender,
    )
    assert (member.ethnicity, member.education, member.organization) == (
        "蒙古族",
        Member.Education.BACHELOR,
        applicant.organization,
    )


def test_confirmation_makes_the_member_full(applicant, secretary):
    advance(applicant, secretary, through=Step.CONFIRMATION_MEETING)
    assert applicant.member.status == Member.Status.PROBATIONARY
    advance(applicant, secretary, through=Step.CONFIRMATION_APPROVAL)
    member = Member.objects.get(pk=applicant.member_id)
    assert member.status == Member.Status.FULL
    # 转正日期 is the day the probation year ends, counted from 入党日期.
    assert member.confirmed_on == D(2023, 6, 20)
    assert applicant.stage == Stage.FULL
    assert not DevelopmentCase.objects.open().filter(pk=applicant.pk).exists()


def test_member_record_problems_refuse_the_admission(applicant, secretary):
    advance(applicant, secretary, through=Step.PRE_REVIEW)
    give_sponsors(applicant, secretary)
    DevelopmentCase.objects.filter(pk=applicant.pk).update(education="")
    before = snapshot(applicant)
    with pytest.raises(ValidationError, match="无法建立党员档案"):
        development.record_step(
            applicant,
            step=Step.ADMISSION_MEETING,
            done_on=VALID[Step.ADMISSION_MEETING],
            by=secretary,
            **VOTE,
        )
    assert snapshot(applicant) == before


def test_sponsors_are_fixed_once_admitted(applicant, secretary):
    advance(applicant, secretary, through=Step.ADMISSION_MEETING)
    others = MemberFactory.create_batch(2, organization=applicant.organization)
    with pytest.raises(ValidationError, match="不能再更改入党介绍人"):
        development.set_sponsors(applicant, others, by=secretary)


# --- Closing ----------------------------------------------------------------------------------


def test_close_case_keeps_it_read_only(applicant, secretary):
    with pytest.raises(ValidationError, match="请填写终止原因"):
        development.close_case(applicant, reason="  ", by=secretary)
    development.close_case(applicant, reason="不再培养", by=secretary)
    applicant.refresh_from_db()
    assert applicant.is_closed and applicant.closed_reason == "不再培养" and applicant.closed_at
    with pytest.raises(ValidationError, match="已终止"):
        development.record_step(applicant, step=Step.TALK, done_on=VALID[Step.TALK], by=secretary)
    with pytest.raises(ValidationError, match="已终止"):
        development.close_case(applicant, reason="再次", by=secretary)


def test_an_admitted_case_cannot_be_closed(applicant, secretary):
    advance(applicant, secretary, through=Step.ADMISSION_MEETING)
    with pytest.raises(ValidationError, match="已接收为预备党员"):
        development.close_case(applicant, reason="不再培养", by=secretary)


def test_steps_are_refused_once_the_branch_became_temporary(applicant, secretary):
    Organization.objects.filter(pk=applicant.organization_id).update(
        type=Organization.Type.TEMPORARY_BRANCH
    )
    with pytest.raises(ValidationError, match="临时党支部不能发展党员"):
        development.record_step(applicant, step=Step.TALK, done_on=VALID[Step.TALK], by=secretary)
