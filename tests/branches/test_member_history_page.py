"""The member page and the organisation profile show their 变更记录 (newest first, capped,
with a paginated page of them all) to whoever may see the member or organisation, and to
nobody else; the member page's queries stay flat however many changes there are."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.history import PAGE_LIMIT
from branches.models import Member
from branches.services import members as member_services
from tests.factories import MemberFactory
from tests.training.factories import TrainingClassFactory
from training.models import ClassSession
from training.services import classes as training_services

D = datetime.date
TODAY = datetime.date.today()


def history_url(member):
    return reverse("branches:member-history", args=[member.pk])


def section(body: str) -> str:
    found = re.search(r'data-testid="change-history".*?</section>', body, re.S)
    assert found, "no 变更记录 section"
    return found.group(0)


def rename(member, by, times):
    for n in range(times):
        member.native_place = f"第{n}地"
        member_services.save_member(member, by=by)


def test_the_member_page_shows_who_changed_what_and_why(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a, phone="13812345678")
    member.joined_on = D(2010, 9, 1)
    member.phone = "13900001111"
    member_services.save_member(member, by=secretary, reason="档案核对")
    client.force_login(secretary)
    body = section(client.get(member.get_absolute_url()).content.decode())
    assert "入党日期：</span>2010-07-01 → 2010-09-01" in body
    assert "档案核对" in body and secretary.get_full_name() in body
    # The phone changed, but the page shows neither number in full.
    assert "138****5678 → 139****1111" in body
    assert "13900001111" not in body and member.id_number not in body


def test_the_edit_form_asks_for_a_reason_when_a_key_date_changes(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    client.force_login(secretary)
    url = reverse("branches:member-edit", args=[member.pk])
    data = {
        "party_group": "",
        "name": member.name,
        "id_number": "",
        "gender": member.gender,
        "birth_date": "1985-03-07",
        "ethnicity": member.ethnicity,
        "education": member.education,
        "degree": "",
        "category": member.category,
        "joined_on": "2010-09-01",
        "confirmed_on": "2011-07-01",
        "standing": "normal",
        "change_reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "修改入党日期须填写修改理由。" in response.content.decode()
    assert Member.objects.get(pk=member.pk).joined_on == D(2010, 7, 1)
    assert client.post(url, {**data, "change_reason": "以入党志愿书为准"}).status_code == 302
    assert Member.objects.get(pk=member.pk).joined_on == D(2010, 9, 1)
    body = section(client.get(member.get_absolute_url()).content.decode())
    assert "以入党志愿书为准" in body


def test_enrolment_changes_transfers_and_status_appear_newest_first(
    client, staff, committee_admin, branch_a, branch_a2
):
    member = MemberFactory(organization=branch_a)
    training_class = TrainingClassFactory(
        organization=branch_a, title="党史专题班", starts_on=TODAY, ends_on=TODAY, created_by=staff
    )
    training_services.add_session(
        training_class, held_on=TODAY, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    training_class.refresh_from_db()
    training_services.record_sign_ins(
        training_class, [training_services.SignIn(member, hours=Decimal(8))], by=staff
    )
    enrollment = member.training_enrollments.get()
    training_services.withdraw(enrollment, by=staff, reason="重复登记")
    member_services.transfer_member(member, to=branch_a2, on=TODAY, by=committee_admin)
    client.force_login(committee_admin)
    body = section(client.get(member.get_absolute_url()).content.decode())
    transfer = body.index(f"所在党支部：</span>{branch_a.name} → {branch_a2.name}")
    removed = body.index("重复登记")
    assert "培训：党史专题班" in body and "获得学时：</span>8.0 → —" in body
    assert transfer < removed  # newest first


def test_the_page_caps_the_list_and_links_to_all_of_it(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    rename(member, secretary, PAGE_LIMIT + 5)
    client.force_login(secretary)
    body = section(client.get(member.get_absolute_url()).content.decode())
    assert body.count("籍贯：") == PAGE_LIMIT
    assert f"第{PAGE_LIMIT + 4}地" in body and "第0地" not in body
    assert f'href="{history_url(member)}"' in body and "查看全部变更记录" in body
    page = client.get(history_url(member)).content.decode()
    # Every change: the creation and each edit.
    assert 'data-total="{}"'.format(PAGE_LIMIT + 6) in page
    assert "第0地" in page


def test_outsiders_get_404_for_the_member_and_its_history(client, outsiders, secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    rename(member, secretary, 1)
    for outsider in outsiders:
        client.force_login(outsider)
        assert client.get(member.get_absolute_url()).status_code == 404
        assert client.get(history_url(member)).status_code == 404
        url = reverse("portal:organization-history", args=[branch_a.pk])
        assert client.get(url).status_code == 404


def test_a_transferred_member_leaves_the_senders_view(client, secretary, staff, branch_a, branch_b):
    """After a move to another subtree the sending secretary sees neither member nor
    history (the receiving side does)."""
    member = MemberFactory(organization=branch_a)
    member_services.transfer_member(member, to=branch_b, on=TODAY, by=staff)  # staff: at once
    client.force_login(secretary)
    assert client.get(history_url(member)).status_code == 404


def test_the_profile_shows_the_organisations_changes(client, staff, branch_a):
    branch_a.short_name = "新简称"
    branch_a._history_user = staff
    branch_a._change_reason = "更名"
    branch_a.save()
    client.force_login(staff)
    url = reverse("portal:organization-profile", args=[branch_a.pk])
    body = section(client.get(url).content.decode())
    assert "简称：" in body and "→ 新简称" in body and "更名" in body
    full = client.get(reverse("portal:organization-history", args=[branch_a.pk]))
    assert full.status_code == 200 and "新简称" in full.content.decode()


def test_history_pages_take_any_page_value(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    client.force_login(secretary)
    for value in ("²", "-1", "99999999999999999999", "\x00", "abc"):
        assert client.get(history_url(member), {"page": value}).status_code == 200


@pytest.mark.parametrize("changes", [1, 15])
def test_member_page_queries_do_not_grow_with_history(
    client,
    secretary,
    committee_admin,
    staff,
    branch_a,
    branch_a2,
    changes,
    django_assert_max_num_queries,
):
    member = MemberFactory(organization=branch_a)
    rename(member, secretary, changes)
    for _ in range(changes):
        training_class = TrainingClassFactory(
            organization=branch_a, starts_on=TODAY, ends_on=TODAY, created_by=staff
        )
        training_services.add_session(
            training_class, held_on=TODAY, duration=ClassSession.Duration.HALF_DAY, by=staff
        )
        training_class.refresh_from_db()
        training_services.record_sign_ins(
            training_class, [training_services.SignIn(member)], by=staff
        )
    member_services.transfer_member(member, to=branch_a2, on=TODAY, by=committee_admin)
    client.force_login(committee_admin)
    # As tests/branches/test_members.py's guard, plus the hours block (training) and the
    # 变更记录: the member's history, the organisations it names, enrolments' history, their
    # classes
    with django_assert_max_num_queries(12):
        response = client.get(member.get_absolute_url())
    assert response.status_code == 200
    # created, each edit, each enrolment, the transfer; at most PAGE_LIMIT (+ the header row)
    shown = min(2 * changes + 2, PAGE_LIMIT)
    assert section(response.content.decode()).count("<tr>") == shown + 1
    with django_assert_max_num_queries(9):
        assert client.get(history_url(member)).status_code == 200
