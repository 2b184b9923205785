"""三期护航 notes: who may add and update them, who reads them, history, bad input."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches.models import Organization, SupervisionNote
from branches.services import supervision
from tests.branches.rating_factories import make_round
from tests.factories import OrganizationFactory

Phase = SupervisionNote.Phase
DUE = datetime.date(2026, 12, 31)


@pytest.fixture
def round(db):
    return make_round("apply", year=2026)


def _note(branch, round, owner, **fields):
    return SupervisionNote(
        organization=branch,
        round=round,
        phase=fields.pop("phase", Phase.GUIDE),
        text=fields.pop("text", "对照标准逐项自查"),
        owner=owner,
        due_on=fields.pop("due_on", DUE),
        **fields,
    )


def _form(round, branch, owner, **extra):
    return {
        "round": round.pk,
        "organization": branch.pk,
        "phase": Phase.ESCORT,
        "text": "派员列席支部委员会",
        "owner": owner.pk,
        "follow_up": SupervisionNote.FollowUp.OPEN,
        "due_on": "2026-12-20",
    } | extra


def test_committee_admin_adds_a_note_for_a_branch_below(client, round, committee_admin, branch_a):
    client.force_login(committee_admin)
    response = client.post(
        reverse("branches:supervisionnote-create"), _form(round, branch_a, committee_admin)
    )
    note = SupervisionNote.objects.get()
    assert response.status_code == 302
    assert (note.organization, note.phase, note.owner) == (branch_a, Phase.ESCORT, committee_admin)
    record = note.history.get()
    assert (record.history_user, record.history_change_reason) == (
        committee_admin,
        "新增三期护航记录",
    )


def test_update_is_kept_in_history_and_shown(client, round, staff, branch_a, secretary):
    note = supervision.save_note(_note(branch_a, round, staff), by=staff)
    client.force_login(staff)
    url = reverse("branches:supervisionnote-edit", args=[note.pk])
    data = _form(round, branch_a, staff, follow_up=SupervisionNote.FollowUp.DONE)
    assert client.post(url, data).status_code == 302
    note.refresh_from_db()
    assert note.follow_up == SupervisionNote.FollowUp.DONE
    # The branch's secretary reads the note and its history, without an edit link.
    client.force_login(secretary)
    page = client.get(reverse("branches:supervisionnote-detail", args=[note.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "待跟进 → 已办结" in body
    assert "更新三期护航记录" in body
    assert reverse("branches:supervisionnote-edit", args=[note.pk]) not in body


def test_secretary_may_not_write_notes(client, round, secretary, branch_a, staff):
    with pytest.raises(PermissionDenied):
        supervision.save_note(_note(branch_a, round, secretary), by=secretary)
    client.force_login(secretary)
    url = reverse("branches:supervisionnote-create")
    assert client.post(url, _form(round, branch_a, secretary)).status_code == 403
    note = supervision.save_note(_note(branch_a, round, staff), by=staff)
    edit = reverse("branches:supervisionnote-edit", args=[note.pk])
    assert client.get(edit).status_code == 403
    assert not SupervisionNote.objects.exclude(pk=note.pk).exists()


def test_committee_admin_cannot_reach_another_subtree(round, committee_admin, branch_b, staff):
    with pytest.raises(PermissionDenied):
        supervision.save_note(_note(branch_b, round, committee_admin), by=committee_admin)
    assert branch_b not in supervision.supervised_branches(committee_admin)


def test_form_refuses_a_foreign_branch_and_owner(
    client, round, committee_admin, branch_b, outsider
):
    client.force_login(committee_admin)
    response = client.post(
        reverse("branches:supervisionnote-create"), _form(round, branch_b, outsider)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "所选党支部不在您的管理范围内" in body
    assert "所选责任人不在您的管理范围内" in body
    assert not SupervisionNote.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "请填写护航内容"),
        ({"due_on": datetime.date(2020, 1, 1)}, "完成时限不能早于评定年度"),
    ],
)
def test_bad_input_is_refused_in_chinese(round, staff, branch_a, fields, message):
    with pytest.raises(ValidationError, match=message):
        supervision.save_note(_note(branch_a, round, staff, **fields), by=staff)
    assert not SupervisionNote.objects.exists()


def test_temporary_branch_takes_no_notes(round, staff, committee_a):
    temporary = OrganizationFactory(
        name="甲局临时党支部", type=Organization.Type.TEMPORARY_BRANCH, parent=committee_a
    )
    with pytest.raises(ValidationError, match="有效党支部"):
        supervision.save_note(_note(temporary, round, staff), by=staff)


def test_list_groups_by_branch_in_phase_order(client, round, staff, branch_a, branch_a2, secretary):
    for branch in (branch_a, branch_a2):
        for phase in (Phase.CORRECT, Phase.GUIDE, Phase.ESCORT):
            supervision.save_note(_note(branch, round, staff, phase=phase), by=staff)
    client.force_login(secretary)
    response = client.get(reverse("branches:supervisionnote-list"), {"round": round.pk})
    notes = list(response.context["notes"])
    assert {n.organization for n in notes} == {branch_a}
    assert [n.phase for n in notes] == [Phase.GUIDE, Phase.ESCORT, Phase.CORRECT]
    assert "新增护航记录" not in response.content.decode()


@pytest.mark.parametrize("count", [2, 20])
def test_list_queries_do_not_grow(client, round, staff, root, count, django_assert_max_num_queries):
    for i in range(count):
        branch = OrganizationFactory(name=f"护航测试第{i}党支部", parent=root)
        for phase in Phase.values:
            supervision.save_note(_note(branch, round, staff, phase=phase), by=staff)
    client.force_login(staff)
    # session, user, rounds, notes, may_add
    with django_assert_max_num_queries(7):
        response = client.get(reverse("branches:supervisionnote-list"))
    assert len(response.context["notes"]) == 3 * count
