"""The member-development screens: case list and page, opening a case, steps, sponsors, closing."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alxa_dangjian.core.idnumber import make_id_number
from branches.models import DevelopmentCase, DevelopmentStep, Member, Organization, Stage, Step
from branches.services import development
from tests.factories import (
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
    UserFactory,
)

D = datetime.date
LIST = "branches:developmentcase-list"
CREATE = "branches:developmentcase-create"
BIRTH = D(2000, 5, 20)


def url(name, case):
    return reverse(f"branches:developmentcase-{name}", args=[case.pk])


def make_case(organization, by, dates, **kw):
    case = DevelopmentCaseFactory(organization=organization, birth_date=BIRTH, **kw)
    DevelopmentStep.objects.bulk_create(
        DevelopmentStep(case=case, step=step, done_on=day, recorded_by=by)
        for step, day in dates.items()
    )
    return case


def days_ago(n):
    return datetime.date.today() - datetime.timedelta(days=n)


@pytest.fixture
def case(branch_a, secretary):
    return make_case(branch_a, secretary, {Step.APPLICATION: days_ago(10)}, name="王小明")


@pytest.fixture
def candidate(branch_a, secretary):
    """A 发展对象 whose pre-review is done: the admission meeting comes next."""
    dates = {
        Step.APPLICATION: D(2021, 3, 1),
        Step.TALK: D(2021, 3, 15),
        Step.ACTIVIST: D(2021, 4, 1),
        Step.CANDIDATE: D(2022, 4, 15),
        Step.TRAINING: D(2022, 5, 10),
        Step.PRE_REVIEW: days_ago(5),
    }
    return make_case(branch_a, secretary, dates, name="李发展", stage=Stage.CANDIDATE)


def admission_post(**vote):
    return {"step": Step.ADMISSION_MEETING, "done_on": days_ago(1).isoformat(), **vote}


# --- List -------------------------------------------------------------------------------------


def test_list_shows_next_step_due_date_and_broken_rules(client, secretary, branch_a, case):
    late = make_case(branch_a, secretary, {Step.APPLICATION: days_ago(45)}, name="赵迟到")
    client.force_login(secretary)
    body = client.get(reverse(LIST)).content.decode()
    assert case.name in body and late.name in body
    assert body.count("党组织派人谈话") == 2  # each one's next step
    due = (days_ago(10) + datetime.timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"{due} 前" in body
    row = body.split(late.name)[1].split("</tr>")[0]
    assert "text-danger" in row and "已逾期" in row
    assert "收到入党申请书后1个月内派人谈话（应于" in row


def test_only_broken_filter(client, secretary, branch_a, case):
    late = make_case(branch_a, secretary, {Step.APPLICATION: days_ago(45)}, name="赵迟到")
    soft = make_case(
        branch_a,
        secretary,
        {Step.APPLICATION: D(2021, 1, 1), Step.TALK: D(2021, 3, 1)},
        name="钱晚谈",
    )
    client.force_login(secretary)
    body = client.get(reverse(LIST), {"broken": "1"}).content.decode()
    assert late.name in body and soft.name in body
    assert case.name not in body
    assert "实际间隔59天" in body


def test_filters_by_stage_and_organization(
    client, committee_admin, secretary, branch_a, branch_a2, case
):
    other = make_case(
        branch_a2, secretary, {Step.APPLICATION: days_ago(3)}, name="孙积极", stage=Stage.ACTIVIST
    )
    closed = make_case(branch_a, secretary, {Step.APPLICATION: days_ago(3)}, name="周终止")
    DevelopmentCase.objects.filter(pk=closed.pk).update(is_closed=True)
    client.force_login(committee_admin)
    body = client.get(reverse(LIST)).content.decode()
    assert case.name in body and other.name in body and closed.name not in body
    body = client.get(reverse(LIST), {"stage": Stage.ACTIVIST}).content.decode()
    assert other.name in body and case.name not in body
    body = client.get(reverse(LIST), {"organization": branch_a2.pk}).content.decode()
    assert other.name in body and case.name not in body
    body = client.get(reverse(LIST), {"stage": "closed"}).content.decode()
    assert closed.name in body and case.name not in body
    body = client.get(reverse(LIST), {"q": "孙"}).content.decode()
    assert other.name in body and case.name not in body


def test_bad_filter_values_are_ignored(client, secretary, case, branch_b):
    client.force_login(secretary)
    for params in (
        {"stage": "'; drop", "organization": "x", "page": "abc", "broken": "yes"},
        {"organization": branch_b.pk},  # another subtree: ignored, not revealed
    ):
        response = client.get(reverse(LIST), params)
        assert response.status_code == 200
        assert case.name in response.content.decode()


def test_list_is_paginated(client, secretary, branch_a):
    for n in range(52):
        make_case(branch_a, secretary, {Step.APPLICATION: days_ago(3)}, name=f"分页{n:02d}")
    client.force_login(secretary)
    first = client.get(reverse(LIST)).content.decode()
    second = client.get(reverse(LIST), {"page": 2}).content.decode()
    assert "分页00" in first and "分页51" not in first and "分页51" in second
    assert "第 2 / 2 页，共 52 条" in second


def test_list_is_scoped(client, outsider, case):
    client.force_login(outsider)
    assert case.name not in client.get(reverse(LIST)).content.decode()


def test_list_rejects_post(client, secretary):
    client.force_login(secretary)
    assert client.post(reverse(LIST)).status_code == 405


def _queries_for(client, params, total, branch, by):
    for n in range(total - DevelopmentCase.objects.count()):
        make_case(
            branch,
            by,
            {Step.APPLICATION: days_ago(60), Step.TALK: days_ago(20 + n % 10)},
            name=f"计数{n:02d}",
        )
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(LIST), params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"broken": "1"}], ids=["page", "only-broken"])
def test_list_queries_do_not_grow_with_cases(
    client, committee_admin, branch_a, secretary, params, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    ten = _queries_for(client, params, 10, branch_a, secretary)
    forty = _queries_for(client, params, 40, branch_a, secretary)
    assert ten == forty
    # session, user, user's organisation, organisations for the filter, [count,] cases,
    # their steps, active rules
    with django_assert_max_num_queries(8):
        client.get(reverse(LIST), params)


def test_nav_links_to_the_list(client, secretary):
    client.force_login(secretary)
    body = client.get(reverse(LIST)).content.decode()
    assert re.search(rf'href="{reverse(LIST)}"[^>]*>发展党员</a>', body)


# --- Opening a case ---------------------------------------------------------------------------


def applicant_post(organization, **change):
    data = {
        "organization": organization.pk,
        "name": "新申请人",
        "gender": "male",
        "birth_date": "1998-02-03",
        "id_number": make_id_number(
            region="152921", birth_date=D(1998, 2, 3), sequence=7, gender="male"
        ),
        "ethnicity": "蒙古族",
        "education": "bachelor",
        "unit": "盟直某局科员",
        "applied_on": days_ago(3).isoformat(),
    }
    data.update(change)
    return data


def test_secretary_opens_a_case(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.get(reverse(CREATE)).status_code == 200
    response = client.post(reverse(CREATE), applicant_post(branch_a))
    case = DevelopmentCase.objects.get()
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert case.stage == Stage.APPLICANT and case.ethnicity == "蒙古族"
    assert case.steps.get().step == Step.APPLICATION


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"birth_date": "1998-02-04"}, "出生日期与身份证号码不一致"),
        ({"id_number": "123"}, "身份证号码应为18位"),
        ({"applied_on": "2010-01-01"}, "申请入党时须年满18周岁"),
        ({"applied_on": "不是日期"}, "输入一个有效的日期"),
    ],
)
def test_bad_applicant_data_is_refused(client, secretary, branch_a, change, message):
    client.force_login(secretary)
    response = client.post(reverse(CREATE), applicant_post(branch_a, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DevelopmentCase.objects.exists()


def test_temporary_branch_is_refused_with_a_message(client, secretary, committee_a):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    client.force_login(UserFactory(role=secretary.role, organization=temporary))
    response = client.post(reverse(CREATE), applicant_post(temporary))
    assert "临时党支部不能发展党员" in response.content.decode()
    assert not DevelopmentCase.objects.exists()


def test_duplicate_open_case_is_a_message_not_an_error(client, secretary, branch_a):
    client.force_login(secretary)
    client.post(reverse(CREATE), applicant_post(branch_a))
    response = client.post(reverse(CREATE), applicant_post(branch_a, name="再次"))
    assert response.status_code == 200
    assert "已有一份未终止的发展党员档案" in response.content.decode()
    assert DevelopmentCase.objects.count() == 1


def test_create_offers_only_branches_of_the_subtree(client, secretary, branch_a, branch_b):
    client.force_login(secretary)
    body = client.get(reverse(CREATE)).content.decode()
    assert branch_a.name in body and branch_b.name not in body
    response = client.post(reverse(CREATE), applicant_post(branch_b))
    assert response.status_code == 200 and not DevelopmentCase.objects.exists()


def test_create_rejects_other_methods(client, secretary):
    client.force_login(secretary)
    assert client.put(reverse(CREATE)).status_code == 405


# --- Case page --------------------------------------------------------------------------------


def test_case_page_shows_timeline_rules_and_masked_id(client, secretary, case):
    client.force_login(secretary)
    body = client.get(case.get_absolute_url()).content.decode()
    assert case.name in body
    assert case.id_number not in body and case.masked_id_number in body
    assert "递交入党申请书" in body and "上级党委审批转正" in body
    assert "申请入党时须年满18周岁" in body  # the rules panel
    assert 'name="done_on"' in body and 'name="reason"' in body
    assert 'name="votes_for"' not in body  # the vote is asked at the 支部大会 steps only
    assert url("step", case) in body and url("close", case) in body


def test_case_page_queries_are_bounded(client, secretary, candidate, django_assert_max_num_queries):
    development.set_sponsors(
        candidate, MemberFactory.create_batch(2, organization=candidate.organization), by=secretary
    )
    client.force_login(secretary)
    # session, user, organisation, case, steps, sponsors, rules, and the roster of today
    # (members, their transfers) for the entitled-voter count
    with django_assert_max_num_queries(9):
        response = client.get(candidate.get_absolute_url())
    assert response.status_code == 200


def test_case_page_states_the_entitled_voters_and_does_not_ask_for_them(
    client, secretary, candidate, branch_a
):
    MemberFactory.create_batch(3, organization=branch_a)
    MemberFactory(organization=branch_a, standing=Member.Standing.TRANSFERRED_OUT)
    MemberFactory(organization=branch_a, status=Member.Status.PROBATIONARY, confirmed_on=None)
    client.force_login(secretary)
    body = client.get(candidate.get_absolute_url()).content.decode()
    assert "按今天的名册为3人" in body
    assert 'name="present_voters"' in body and 'name="entitled_voters"' not in body


def test_case_page_rejects_post(client, secretary, case):
    client.force_login(secretary)
    assert client.post(case.get_absolute_url()).status_code == 405


# --- Recording steps --------------------------------------------------------------------------


def test_record_a_step(client, secretary, case):
    client.force_login(secretary)
    response = client.post(url("step", case), {"step": Step.TALK, "done_on": days_ago(2)})
    assert response.status_code == 302
    assert case.steps.filter(step=Step.TALK, done_on=days_ago(2), recorded_by=secretary).exists()


def test_soft_rule_is_recorded_with_a_warning(client, secretary, branch_a):
    case = make_case(branch_a, secretary, {Step.APPLICATION: days_ago(45)})
    client.force_login(secretary)
    response = client.post(
        url("step", case), {"step": Step.TALK, "done_on": days_ago(2)}, follow=True
    )
    body = response.content.decode()
    assert "违反时限规则：收到入党申请书后1个月内派人谈话（实际间隔43天）" in body
    assert case.steps.filter(step=Step.TALK).exists()


def test_hard_rule_refuses_and_changes_nothing(client, secretary, branch_a):
    case = make_case(
        branch_a,
        secretary,
        {
            Step.APPLICATION: days_ago(200),
            Step.TALK: days_ago(190),
            Step.ACTIVIST: days_ago(100),
        },
        stage=Stage.ACTIVIST,
    )
    client.force_login(secretary)
    response = client.post(url("step", case), {"step": Step.CANDIDATE, "done_on": days_ago(1)})
    assert response.status_code == 200
    assert "入党积极分子经过1年以上培养教育，方可确定为发展对象（实际间隔99天）" in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.stage == Stage.ACTIVIST and case.steps.count() == 3


def test_steps_out_of_order_are_refused(client, secretary, case):
    client.force_login(secretary)
    response = client.post(url("step", case), {"step": Step.OATH, "done_on": days_ago(1)})
    assert "前须先登记“党组织派人谈话”" in response.content.decode()
    assert case.steps.count() == 1


def test_admission_without_vote_figures_asks_for_them(client, secretary, candidate):
    development.set_sponsors(
        candidate, MemberFactory.create_batch(2, organization=candidate.organization), by=secretary
    )
    client.force_login(secretary)
    body = client.post(url("step", candidate), admission_post()).content.decode()
    assert "请填写支部大会到会有表决权的党员数和赞成票数" in body
    assert 'name="votes_for"' in body
    assert not candidate.steps.filter(step=Step.ADMISSION_MEETING).exists()


def test_admission_without_sponsors_is_refused(client, secretary, candidate):
    client.force_login(secretary)
    response = client.post(url("step", candidate), admission_post(present_voters=2, votes_for=2))
    assert "须确定两名本支部正式党员作为入党介绍人" in response.content.decode()
    assert not Member.objects.filter(id_number=candidate.id_number).exists()


@pytest.mark.parametrize(("yes", "admitted"), [(3, False), (4, True)])
def test_admission_vote_majority_on_screen(client, secretary, candidate, yes, admitted):
    # Six full members on the roster: the two sponsors and four others; 3 is exactly half.
    development.set_sponsors(
        candidate, MemberFactory.create_batch(2, organization=candidate.organization), by=secretary
    )
    MemberFactory.create_batch(4, organization=candidate.organization)
    client.force_login(secretary)
    response = client.post(url("step", candidate), admission_post(present_voters=5, votes_for=yes))
    candidate.refresh_from_db()
    if not admitted:
        assert "赞成票3票，未超过有表决权党员6人的半数" in response.content.decode()
        assert candidate.member is None and candidate.stage == Stage.CANDIDATE
        return
    assert response.status_code == 302
    assert candidate.stage == Stage.PROBATIONARY
    assert candidate.member.joined_on == days_ago(1)
    assert candidate.member.status == Member.Status.PROBATIONARY


def test_committee_admin_records_steps_in_the_subtree(client, committee_admin, case):
    client.force_login(committee_admin)
    response = client.post(url("step", case), {"step": Step.TALK, "done_on": days_ago(1)})
    assert response.status_code == 302


def test_step_rejects_get(client, secretary, case):
    client.force_login(secretary)
    assert client.get(url("step", case)).status_code == 405


# --- Sponsors ---------------------------------------------------------------------------------


def test_set_sponsors(client, secretary, candidate, branch_a):
    first, second = MemberFactory.create_batch(2, organization=branch_a, name="介绍人")
    probationary = MemberFactory(
        organization=branch_a,
        name="预备甲",
        status=Member.Status.PROBATIONARY,
        confirmed_on=None,
        joined_on=D(2024, 1, 1),
    )
    client.force_login(secretary)
    body = client.get(url("sponsors", candidate)).content.decode()
    assert "介绍人" in body and probationary.name not in body
    response = client.post(url("sponsors", candidate), {"sponsors": [first.pk]})
    assert "入党介绍人须为两名正式党员（已选择1名）" in response.content.decode()
    response = client.post(url("sponsors", candidate), {"sponsors": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(candidate.sponsors.all()) == {first, second}


def test_sponsors_page_queries_are_bounded(
    client, secretary, candidate, branch_a, django_assert_max_num_queries
):
    MemberFactory.create_batch(12, organization=branch_a)
    client.force_login(secretary)
    # session, user, organisation, case, steps, sponsors, the branch's eligible members
    with django_assert_max_num_queries(7):
        response = client.get(url("sponsors", candidate))
    assert response.content.decode().count('name="sponsors"') == 12


def test_sponsors_rejects_other_methods(client, secretary, case):
    client.force_login(secretary)
    assert client.put(url("sponsors", case)).status_code == 405


# --- Closing ----------------------------------------------------------------------------------


def test_close_a_case(client, secretary, case):
    client.force_login(secretary)
    response = client.post(url("close", case), {"reason": "本人申请不再培养"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_closed and case.closed_reason == "本人申请不再培养"
    body = client.get(case.get_absolute_url()).content.decode()
    assert "已终止" in body and 'name="done_on"' not in body


def test_close_needs_a_reason(client, secretary, case):
    client.force_login(secretary)
    response = client.post(url("close", case), {"reason": ""})
    assert response.status_code == 200
    case.refresh_from_db()
    assert not case.is_closed


def test_close_rejects_get(client, secretary, case):
    client.force_login(secretary)
    assert client.get(url("close", case)).status_code == 405


# --- Scoping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("detail", "get"),
        ("step", "post"),
        ("close", "post"),
        ("sponsors", "get"),
        ("sponsors", "post"),
    ],
)
def test_outsider_gets_404_on_every_case_url(client, outsider, case, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(url(name, case), {"reason": "x", "step": Step.TALK})
    assert response.status_code == 404
    case.refresh_from_db()
    assert not case.is_closed and case.steps.count() == 1
