"""The member list and member page: scope, filters, search, pagination, masked ID numbers,
logged reveals, the lost-contact flag."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alxa_dangjian.core.idnumber import make_id_number, parse_id_number
from alxa_dangjian.core.models import PersonalDataLog
from branches.models import CommitteeSeat, Member, MemberTransfer, Organization, PartyGroup
from branches.models.members import AgeBand
from branches.services import members as member_services
from tests.factories import (
    CommitteeSeatFactory,
    MemberFactory,
    OrganizationFactory,
    UserFactory,
)

LIST = reverse("branches:member-list")
D = datetime.date


def names(response):
    body = response.content.decode()
    table = body.split('data-testid="member-table"')[1].split("</table>")[0]
    return {chunk.split("<")[0] for chunk in table.split('">')[1:] if chunk.startswith("党员")}


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


# List: scope ---------------------------------------------------------------------------------


def test_secretary_sees_only_their_branch(client, secretary, branch_a, branch_a2, branch_b):
    mine = MemberFactory(organization=branch_a, name="本支部党员")
    sibling = MemberFactory(organization=branch_a2, name="兄弟支部党员")
    foreign = MemberFactory(organization=branch_b, name="外单位党员")
    client.force_login(secretary)
    body = listed(client)
    assert mine.name in body
    assert sibling.name not in body and foreign.name not in body


def test_committee_admin_sees_the_whole_subtree(
    client, committee_admin, branch_a, branch_a2, branch_b
):
    MemberFactory(organization=branch_a, name="本支部党员")
    MemberFactory(organization=branch_a2, name="兄弟支部党员")
    MemberFactory(organization=branch_b, name="外单位党员")
    client.force_login(committee_admin)
    body = listed(client)
    assert "本支部党员" in body and "兄弟支部党员" in body and "外单位党员" not in body
    # a branch of another subtree named in the filter is simply not a choice
    body = listed(client, organization=branch_b.pk)
    assert "外单位党员" not in body and "本支部党员" in body


def test_staff_see_everyone(client, staff, branch_a, branch_b):
    MemberFactory(organization=branch_a, name="本支部党员")
    MemberFactory(organization=branch_b, name="外单位党员")
    client.force_login(staff)
    body = listed(client)
    assert "本支部党员" in body and "外单位党员" in body


# List: filters and search --------------------------------------------------------------------


@pytest.fixture
def roster(branch_a, branch_a2):
    today = datetime.date.today()

    def born(age):
        return today.replace(year=today.year - age) - datetime.timedelta(days=1)

    return {
        "young": MemberFactory(
            organization=branch_a,
            name="党员青年",
            birth_date=born(25),
            joined_on=born(25).replace(year=born(25).year + 20),
            confirmed_on=None,
            status=Member.Status.PROBATIONARY,
            ethnicity="蒙古族",
            education=Member.Education.POSTGRADUATE,
            phone="13904830001",
        ),
        "thirties": MemberFactory(organization=branch_a, name="党员三十", birth_date=born(30)),
        "fifties": MemberFactory(
            organization=branch_a2,
            name="党员五十",
            birth_date=born(59),
            education=Member.Education.COLLEGE,
            lost_contact_since=D(2024, 1, 1),
        ),
        "senior": MemberFactory(organization=branch_a2, name="党员六十", birth_date=born(60)),
        "gone": MemberFactory(
            organization=branch_a, name="党员转出", standing=Member.Standing.TRANSFERRED_OUT
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"党员青年", "党员三十", "党员五十", "党员六十"}),
        ({"status": "probationary"}, {"党员青年"}),
        ({"status": "full"}, {"党员三十", "党员五十", "党员六十"}),
        ({"ethnicity": "蒙古族"}, {"党员青年"}),
        ({"education": "college"}, {"党员五十"}),
        ({"age_band": AgeBand.UNDER_30}, {"党员青年"}),
        ({"age_band": AgeBand.THIRTIES}, {"党员三十"}),
        ({"age_band": AgeBand.FIFTIES}, {"党员五十"}),
        ({"age_band": AgeBand.SIXTY_PLUS}, {"党员六十"}),
        ({"standing": "transferred_out"}, {"党员转出"}),
        ({"standing": "all"}, {"党员青年", "党员三十", "党员五十", "党员六十", "党员转出"}),
        ({"lost_contact": "on"}, {"党员五十"}),
        ({"q": "三十"}, {"党员三十"}),
        ({"q": "0483000"}, {"党员青年"}),
        ({"status": "full", "age_band": AgeBand.FIFTIES, "education": "college"}, {"党员五十"}),
    ],
)
def test_filters_and_search(client, committee_admin, roster, params, expected):
    client.force_login(committee_admin)
    assert names(client.get(LIST, params)) == expected


def test_branch_filter_takes_a_subtree(client, staff, roster, branch_a2, committee_a):
    client.force_login(staff)
    assert names(client.get(LIST, {"organization": branch_a2.pk})) == {"党员五十", "党员六十"}
    assert len(names(client.get(LIST, {"organization": committee_a.pk}))) == 4


def test_bad_filter_values_are_ignored(client, committee_admin, roster):
    client.force_login(committee_admin)
    response = client.get(
        LIST,
        {"status": "x", "age_band": "'; drop", "organization": "abc", "page": "-1", "q": "三十"},
    )
    assert response.status_code == 200
    assert names(response) == {"党员三十"}


def test_age_bands_use_exact_birthdays(branch_a):
    today = D(2025, 3, 1)
    turns_30_today = MemberFactory(organization=branch_a, birth_date=D(1995, 3, 1))
    turns_30_tomorrow = MemberFactory(organization=branch_a, birth_date=D(1995, 3, 2))
    leap_day = MemberFactory(organization=branch_a, birth_date=D(1996, 2, 29))
    under_30 = set(Member.objects.in_age_band(AgeBand.UNDER_30, today))
    thirties = set(Member.objects.in_age_band(AgeBand.THIRTIES, today))
    assert turns_30_today in thirties and turns_30_tomorrow in under_30
    assert leap_day in under_30  # 28 years old
    for member in (turns_30_today, turns_30_tomorrow, leap_day):
        band = AgeBand.THIRTIES if member.age_on(today) >= 30 else AgeBand.UNDER_30
        assert member in set(Member.objects.in_age_band(band, today))


def test_list_is_paginated_by_fifty(client, secretary, branch_a):
    MemberFactory.create_batch(60, organization=branch_a)
    client.force_login(secretary)
    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})
    assert len(names(first)) == 50 and len(names(second)) == 10
    assert "第 1 / 2 页，共 60 条" in first.content.decode()


def test_list_masks_id_numbers_and_phones(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a, phone="13904830001")
    client.force_login(secretary)
    body = listed(client)
    assert member.id_number not in body and member.masked_id_number in body
    assert "13904830001" not in body and "139****0001" in body
    assert member.id_number[6:14] not in body  # not even the birth date part
    assert not PersonalDataLog.objects.exists()


@pytest.mark.parametrize("size", [5, 40])
def test_list_queries_do_not_grow(
    client, committee_admin, branch_a, branch_a2, size, django_assert_max_num_queries
):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    MemberFactory.create_batch(size, organization=branch_a, party_group=group)
    MemberFactory.create_batch(size, organization=branch_a2)
    client.force_login(committee_admin)
    # session, user, user's organisation, unread notifications (navigation bar), the
    # organisation filter's choices, count, one page of members with branches and groups
    with django_assert_max_num_queries(7):
        client.get(LIST)
    # …plus the chosen organisation, checked against the choices
    with django_assert_max_num_queries(8):
        client.get(LIST, {"organization": branch_a.pk, "q": "党员", "age_band": "30_39"})


def test_list_wrong_method_is_405(client, secretary):
    client.force_login(secretary)
    assert client.post(LIST).status_code == 405


# Member page ---------------------------------------------------------------------------------


@pytest.fixture
def member(branch_a):
    return MemberFactory(
        organization=branch_a,
        name="乌云其其格",
        gender=Member.Gender.FEMALE,
        ethnicity="蒙古族",
        birth_date=D(1990, 4, 12),
        native_place="内蒙古阿拉善左旗",
        education=Member.Education.BACHELOR,
        degree=Member.Degree.BACHELOR,
        work_started_on=D(2012, 7, 1),
        phone="13904830002",
        category=Member.Category.CIVIL_SERVANT,
        party_post="组织委员",
        joined_on=D(2024, 7, 1),
        status=Member.Status.PROBATIONARY,
        probation_extension_months=6,
        confirmed_on=None,
        is_floating=True,
    )


def test_member_page_shows_every_field_with_the_id_masked(client, secretary, member):
    client.force_login(secretary)
    response = client.get(member.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "乌云其其格",
        "女",
        "蒙古族",
        "1990年4月12日",
        "内蒙古阿拉善左旗",
        "大学本科 / 学士",
        "2012年7月1日",
        "13904830002",
        "党政机关工作人员",
        "组织委员",
        "2024年7月1日",
        member.organization.name,
        "预备党员",
    ):
        assert text in body, text
    assert member.masked_id_number in body and member.id_number not in body
    fields = body.split('data-testid="member-fields"')[1]
    assert '流动党员</dt><dd class="col-8">是' in fields


def test_probation_end_is_one_year_after_joining_plus_any_extension(client, secretary, member):
    client.force_login(secretary)
    body = client.get(member.get_absolute_url()).content.decode()
    probation = body.split('data-testid="probation-end"')[1].split("</dd>")[0]
    assert "2026年1月1日" in probation and "延长预备期6个月" in probation


def test_transfer_history_is_on_the_member_page(client, secretary, member, branch_a2, staff):
    MemberTransfer.objects.create(
        member=member,
        kind=MemberTransfer.Kind.IN,
        to_organization=member.organization,
        external_organization="中共乌海市委组织部",
        transferred_on=D(2024, 9, 1),
        letter_number="乌组转〔2024〕18号",
        recorded_by=staff,
    )
    client.force_login(secretary)
    history = (
        client.get(member.get_absolute_url()).content.decode().split('data-testid="transfers"')[1]
    )
    assert "中共乌海市委组织部" in history and "乌组转〔2024〕18号" in history and "转入" in history


@pytest.mark.parametrize("transfers", [1, 10])
def test_member_page_queries_do_not_grow(
    client, secretary, member, staff, transfers, django_assert_max_num_queries
):
    for n in range(transfers):
        MemberTransfer.objects.create(
            member=member,
            kind=MemberTransfer.Kind.INTERNAL,
            from_organization=member.organization,
            to_organization=member.organization,
            transferred_on=D(2020, 1, 1) + datetime.timedelta(days=n),
            recorded_by=staff,
        )
        CommitteeSeatFactory(
            organization=member.organization, member=member, ended_on=D(2024, 1, 1)
        )
    client.force_login(secretary)
    # session, user, user's organisation, member with branch and group, unread notifications
    # (navigation bar), transfers with organisations and recorders, seats with organisations;
    # 变更记录: the member's history (with its authors), the organisations it names, the
    # enrolments' history
    with django_assert_max_num_queries(10):
        client.get(member.get_absolute_url())


def test_member_page_outsider_gets_404(client, outsider, member):
    client.force_login(outsider)
    assert client.get(member.get_absolute_url()).status_code == 404


def test_member_page_wrong_method_is_405(client, secretary, member):
    client.force_login(secretary)
    assert client.post(member.get_absolute_url()).status_code == 405


# Revealing the full ID number ----------------------------------------------------------------


def reveal_url(member):
    return reverse("branches:member-reveal", args=[member.pk])


def test_reveal_shows_the_full_number_and_logs_it(client, secretary, member):
    client.force_login(secretary)
    response = client.post(reveal_url(member))
    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    log = PersonalDataLog.objects.get()
    assert log.user == secretary and log.action == PersonalDataLog.Action.REVEAL
    assert member.name in log.subject and str(member.pk) in log.subject


def test_reveal_by_htmx_returns_only_the_number(client, committee_admin, member):
    client.force_login(committee_admin)
    response = client.post(reveal_url(member), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert member.id_number in body and "<html" not in body
    assert PersonalDataLog.objects.filter(user=committee_admin).count() == 1


def test_every_reveal_is_logged(client, staff, member):
    client.force_login(staff)
    client.post(reveal_url(member))
    client.post(reveal_url(member))
    assert PersonalDataLog.objects.filter(user=staff).count() == 2


def test_reveal_by_get_is_405_and_not_logged(client, secretary, member):
    client.force_login(secretary)
    response = client.get(reveal_url(member))
    assert response.status_code == 405
    assert member.id_number not in response.content.decode()
    assert not PersonalDataLog.objects.exists()


def test_outsider_cannot_reveal(client, outsider, member):
    client.force_login(outsider)
    response = client.post(reveal_url(member))
    assert response.status_code == 404
    assert member.id_number not in response.content.decode()
    assert not PersonalDataLog.objects.exists()


def test_reveal_button_is_offered_to_roster_keepers(client, secretary, member):
    client.force_login(secretary)
    assert "显示完整号码" in client.get(member.get_absolute_url()).content.decode()


# Lost contact --------------------------------------------------------------------------------


def lost_url(member):
    return reverse("branches:member-lost-contact", args=[member.pk])


def test_lost_contact_is_set_with_a_date_and_cleared(client, secretary, member):
    client.force_login(secretary)
    response = client.post(lost_url(member), {"since": "2024-10-01"}, follow=True)
    assert "自2024年10月1日起与党组织失去联系" in response.content.decode()
    member.refresh_from_db()
    assert member.lost_contact_since == D(2024, 10, 1) and member.is_lost_contact
    client.post(lost_url(member), {"clear": "1"})
    member.refresh_from_db()
    assert member.lost_contact_since is None


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2999-01-01", "失联起始日期不能晚于今天。"),
        ("2020-01-01", "失联起始日期不能早于入党日期。"),
        ("not-a-date", "请填写有效的失联起始日期。"),
    ],
)
def test_bad_lost_contact_dates_change_nothing(client, secretary, member, since, message):
    client.force_login(secretary)
    response = client.post(lost_url(member), {"since": since}, follow=True)
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.lost_contact_since is None


def test_lost_contact_outsider_404_and_wrong_method(client, outsider, secretary, member):
    client.force_login(outsider)
    assert client.post(lost_url(member), {"since": "2024-10-01"}).status_code == 404
    client.force_login(secretary)
    assert client.get(lost_url(member)).status_code == 405
    member.refresh_from_db()
    assert member.lost_contact_since is None


# Create and edit -----------------------------------------------------------------------------

CREATE = reverse("branches:member-create")
ID_FEMALE_1990_04_12 = "152921199004120023"  # checksum valid, even sequence digit = female


def form_data(branch, **overrides):
    data = {
        "organization": branch.pk,
        "name": "其其格",
        "id_number": ID_FEMALE_1990_04_12,
        "gender": "",
        "birth_date": "",
        "ethnicity": "蒙古族",
        "education": "bachelor",
        "degree": "",
        "category": "civil_servant",
        "joined_on": "2015-07-01",
        "status": "full",
        "probation_extension_months": "0",
        "confirmed_on": "2016-07-01",
    }
    data.update(overrides)
    return data


def test_create_fills_birth_date_and_gender_from_the_id_number(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_a))
    member = Member.objects.get()
    assert response.status_code == 302 and response.url == member.get_absolute_url()
    assert member.birth_date == D(1990, 4, 12) and member.gender == Member.Gender.FEMALE
    assert member.organization == branch_a


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "152921199004120024"}, "身份证号码校验位错误，请核对。"),
        ({"id_number": "15292119900412002"}, "身份证号码应为18位"),
        ({"birth_date": "1990-04-13"}, "出生日期与身份证号码不一致（号码显示为1990年04月12日）。"),
        ({"gender": "male"}, "性别与身份证号码不一致（号码显示为女）。"),
        ({"joined_on": "2008-01-01", "confirmed_on": ""}, "入党时须年满18周岁。"),
        ({"status": "probationary"}, "预备党员没有转正日期。"),
        ({"confirmed_on": "2014-01-01"}, "转正日期不能早于入党日期。"),
        ({"probation_extension_months": "3"}, "选择一个有效的选项"),
    ],
)
def test_create_refuses_bad_input_in_chinese(client, secretary, branch_a, overrides, message):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(branch_a, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Member.objects.exists()


def test_create_without_id_or_dates_asks_for_them(client, secretary, branch_a):
    client.force_login(secretary)
    body = client.post(CREATE, form_data(branch_a, id_number="bad")).content.decode()
    assert "请填写出生日期，或填写有效的身份证号码以自动识别。" in body
    assert not Member.objects.exists()


def test_duplicate_id_number_is_refused(client, secretary, branch_a, branch_b):
    MemberFactory(
        organization=branch_b,
        id_number=ID_FEMALE_1990_04_12,
        gender="female",
        birth_date=D(1990, 4, 12),
    )
    client.force_login(secretary)
    body = client.post(CREATE, form_data(branch_a)).content.decode()
    # branch_b is outside the secretary's subtree: the neutral answer (test_id_number_oracle).
    assert "该身份证号码不能在此登记，请联系上级党组织核实。" in body
    assert Member.objects.count() == 1


def test_lower_case_and_full_width_id_numbers_are_normalised(client, secretary, branch_a):
    client.force_login(secretary)
    number = "15292119900412039x"  # a valid male number with check character X
    assert parse_id_number(number).gender == "male"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    client.post(CREATE, form_data(branch_a, id_number=full_width, gender="male"))
    assert Member.objects.get().id_number == number.upper()


def test_create_offers_only_visible_branches_that_keep_members(
    client, secretary, committee_admin, committee_a, branch_a, branch_a2, branch_b
):
    temporary = OrganizationFactory(
        parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH, name="抗疫临时党支部"
    )
    client.force_login(committee_admin)
    body = client.get(CREATE).content.decode().split("<main")[1]
    assert branch_a.name in body and branch_a2.name in body
    assert temporary.name not in body and branch_b.name not in body and committee_a.name not in body
    for target in (temporary, branch_b, committee_a):
        response = client.post(CREATE, form_data(target))
        assert "选择一个有效的选项" in response.content.decode()
    assert not Member.objects.exists()
    client.force_login(secretary)
    body = client.get(CREATE, {"organization": branch_a.pk}).content.decode()
    assert f'<option value="{branch_a.pk}" selected>' in body


def test_a_temporary_branch_secretary_is_told_why_they_cannot_add(client, committee_a):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    client.force_login(UserFactory(organization=temporary))
    body = client.get(CREATE).content.decode()
    assert 'data-testid="blocked"' in body and "临时党支部不接收党员组织关系" in body


def test_the_model_refuses_a_temporary_branch_on_every_path(committee_a, secretary):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    member = MemberFactory.build(organization=temporary)
    with pytest.raises(ValidationError) as error:
        member_services.save_member(member, by=secretary)
    assert "临时党支部不接收党员组织关系" in error.value.message_dict["organization"][0]
    assert not Member.objects.exists()


def test_edit_keeps_the_branch_and_offers_its_groups(
    client, secretary, member, branch_a, branch_a2
):
    own_group = PartyGroup.objects.create(organization=branch_a, name="本支部党小组")
    other_group = PartyGroup.objects.create(organization=branch_a2, name="兄弟支部党小组")
    client.force_login(secretary)
    url = reverse("branches:member-edit", args=[member.pk])
    body = client.get(url).content.decode()
    assert own_group.name in body and other_group.name not in body
    data = form_data(
        branch_a2,
        id_number=member.id_number,
        name="乌云其其格",
        party_group=own_group.pk,
        standing="normal",
        status="probationary",
        confirmed_on="",
        joined_on="2024-07-01",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == branch_a  # a disabled field: changed only by a transfer
    assert member.party_group == own_group
    response = client.post(url, {**data, "party_group": other_group.pk})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.party_group == own_group


def test_edit_cannot_mark_transferred_out(client, secretary, member):
    client.force_login(secretary)
    url = reverse("branches:member-edit", args=[member.pk])
    data = form_data(
        member.organization,
        id_number=member.id_number,
        standing="transferred_out",
        status="probationary",
        confirmed_on="",
        joined_on="2024-07-01",
    )
    assert client.post(url, data).status_code == 200
    member.refresh_from_db()
    assert member.standing == Member.Standing.NORMAL


def test_a_deceased_member_leaves_their_posts(client, secretary, member, branch_a):
    seat = CommitteeSeatFactory(
        organization=branch_a, member=member, post=CommitteeSeat.Post.SECRETARY
    )
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组", leader=member)
    client.force_login(secretary)
    data = form_data(
        branch_a,
        id_number=member.id_number,
        standing="deceased",
        status="probationary",
        confirmed_on="",
        joined_on="2024-07-01",
        change_reason="因病去世",
    )
    assert client.post(reverse("branches:member-edit", args=[member.pk]), data).status_code == 302
    seat.refresh_from_db()
    group.refresh_from_db()
    assert seat.ended_on == datetime.date.today() and group.leader is None


def test_committee_admin_edits_a_member_of_the_subtree(client, committee_admin, branch_a2):
    member = MemberFactory(organization=branch_a2)
    client.force_login(committee_admin)
    url = reverse("branches:member-edit", args=[member.pk])
    data = form_data(branch_a2, id_number=member.id_number, name="改过的名字", standing="normal")
    data.update(gender="male", birth_date="1985-03-07", change_reason="核对档案")
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.name == "改过的名字"


def test_create_and_edit_access(client, secretary, outsider, member):
    client.force_login(outsider)
    url = reverse("branches:member-edit", args=[member.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404
    client.force_login(secretary)
    assert client.delete(url).status_code == 405
    assert client.put(CREATE).status_code == 405


def test_edit_page_never_shows_the_full_id_number(client, secretary, member):
    client.force_login(secretary)
    url = reverse("branches:member-edit", args=[member.pk])
    body = client.get(url).content.decode()
    assert member.id_number not in body and member.masked_id_number in body
    data = form_data(
        member.organization,
        id_number="",
        name="乌云其其格",
        gender="female",
        birth_date="1990-04-12",
        status="probationary",
        confirmed_on="",
        joined_on="2024-07-01",
        standing="normal",
        change_reason="核对档案",
    )
    assert client.post(url, data).status_code == 302  # blank keeps the number
    kept = Member.objects.get(pk=member.pk).id_number
    assert kept == member.id_number
    corrected = make_id_number(
        region="152922", birth_date=D(1990, 4, 12), sequence=8, gender="female"
    )
    assert client.post(url, {**data, "id_number": corrected}).status_code == 302
    assert Member.objects.get(pk=member.pk).id_number == corrected
    response = client.post(url, {**data, "id_number": corrected[:-1] + "Z"})
    assert "身份证号码应为18位" in response.content.decode()
    assert Member.objects.get(pk=member.pk).id_number == corrected


def test_lost_contact_as_of_a_past_day_uses_that_days_six_months(client, staff, branch_a):
    """The cockpit's 失联党员 of a past year opens `?as_of=<31 Dec>&lost_contact=on`: out of
    contact six months by that day, not by today's cutoff."""
    long_ago = MemberFactory(organization=branch_a, lost_contact_since=D(2024, 3, 1))
    MemberFactory(organization=branch_a, lost_contact_since=D(2024, 9, 1))  # < 6 months then
    client.force_login(staff)
    response = client.get(
        reverse("branches:member-list"), {"as_of": "2024-12-31", "lost_contact": "on"}
    )
    assert [m.pk for m in response.context["page"].object_list] == [long_ago.pk]
