"""No membership oracle: an ID number held by a member outside the user's subtree gets one
neutral answer that names nobody and reads the same whoever holds it, in the member forms;
in an import the preview of such a number is identical to that of a number never seen, and
the commit refuses the whole file without naming the row. Inside the subtree a duplicate
keeps its precise message.

Residual, by design: the unique ID number is a fact of the league, so a never-seen number
is accepted where a held one is refused. Learning that difference costs a write (a member
created in the prober's own branch, kept in history) or a refused commit (a failed batch
recording who uploaded what), never a free preview."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alxa_dangjian.ledgers.models import ImportBatch
from branches.models import Member
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import (
    database_fingerprint,
    id_number,
    member_row,
    workbook_bytes,
)

NEUTRAL = "该身份证号码不能在此登记，请联系上级党组织核实。"
CREATE = reverse("branches:member-create")
IMPORT = reverse("ledgers:importbatch-create", args=["members"])
HELD, NEVER_SEEN = id_number(5), id_number(6)
BIRTH = datetime.date(1985, 3, 7)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def holder(organization, **fields):
    return MemberFactory(
        organization=organization,
        id_number=HELD,
        name="甲乙丙",
        gender="male",
        birth_date=BIRTH,
        **fields,
    )


def form_data(branch, number):
    return {
        "organization": branch.pk,
        "name": "其其格",
        "id_number": number,
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


def normalised(response) -> str:
    """The page without what differs between any two requests (token, ids, clock)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    body = re.sub(r"/imports/\d+/", "/imports/N/", body)
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "TIME", body)


# Forms ---------------------------------------------------------------------------------------


def test_a_number_held_outside_the_subtree_gets_one_neutral_answer(
    client, secretary, branch_a, branch_a2, branch_b, root
):
    client.force_login(secretary)
    pages = set()
    for place, standing in [
        (branch_b, Member.Standing.NORMAL),  # another committee
        (branch_a2, Member.Standing.NORMAL),  # a sibling branch of the same committee
        (branch_b, Member.Standing.DECEASED),
        (root, Member.Standing.SUSPENDED),
    ]:
        held = holder(place, standing=standing)
        response = client.post(CREATE, form_data(branch_a, HELD))
        assert response.status_code == 200
        pages.add(normalised(response))
        held.delete()
    # The same page, byte for byte, whoever holds the number and in whatever standing.
    assert len(pages) == 1
    (body,) = pages
    assert NEUTRAL in body
    for secret in ("甲乙丙", "乙局", "甲局第二党支部", "死亡", "停止党籍"):
        assert secret not in body, secret
    assert not Member.objects.exists()


def test_edit_to_a_number_held_elsewhere_gets_the_neutral_answer(
    client, secretary, branch_a, branch_b
):
    holder(branch_b)
    member = MemberFactory(organization=branch_a)
    client.force_login(secretary)
    data = form_data(branch_a, HELD) | {"standing": member.standing, "party_group": ""}
    response = client.post(reverse("branches:member-edit", args=[member.pk]), data)
    assert NEUTRAL in response.content.decode()
    member.refresh_from_db()
    assert member.id_number != HELD


def test_inside_the_subtree_the_duplicate_is_named(client, committee_admin, branch_a, branch_a2):
    holder(branch_a2)
    client.force_login(committee_admin)
    body = client.post(CREATE, form_data(branch_a, HELD)).content.decode()
    assert "该身份证号码已登记为“甲局第二党支部”的党员甲乙丙。" in body
    assert NEUTRAL not in body


# Imports -------------------------------------------------------------------------------------


def preview(client, number):
    content = workbook_bytes([member_row(1), member_row(2, 公民身份号码=number)])
    response = client.post(IMPORT, {"file": SimpleUploadedFile("党员.xlsx", content)})
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    page = client.get(batch.get_absolute_url())
    fields = (batch.status, batch.row_count, batch.error_count, batch.errors, batch.summary)
    return batch, fields, normalised(page)


def test_an_import_preview_is_the_same_for_a_held_and_a_never_seen_number(
    client, secretary, branch_a, branch_b
):
    holder(branch_b)
    client.force_login(secretary)
    held_batch, held_fields, held_page = preview(client, HELD)
    new_batch, new_fields, new_page = preview(client, NEVER_SEEN)
    assert held_fields == new_fields
    assert held_fields[0] == ImportBatch.Status.PREVIEWED
    assert held_page == new_page
    assert "甲乙丙" not in held_page and "乙局" not in held_page

    # Committing is where they part: the held number refuses the whole file, naming no row.
    before = database_fingerprint()
    response = client.post(reverse("ledgers:importbatch-commit", args=[held_batch.pk]), follow=True)
    body = response.content.decode()
    assert "文件中有人员信息不能在您的管理范围内登记（如身份证号码）" in body
    assert "请联系上级党组织核实。未导入任何数据。" in body
    assert "第3行" not in body and "甲乙丙" not in body
    assert database_fingerprint() == before
    held_batch.refresh_from_db()
    assert held_batch.status == ImportBatch.Status.FAILED and held_batch.errors == []
    client.post(reverse("ledgers:importbatch-commit", args=[new_batch.pk]))
    assert Member.objects.filter(id_number=NEVER_SEEN, organization=branch_a).exists()


def test_an_import_inside_the_subtree_names_the_members_branch(
    client, committee_admin, branch_a, branch_a2
):
    holder(branch_a2)
    client.force_login(committee_admin)
    batch, fields, _ = preview(client, HELD)
    assert fields[0] == ImportBatch.Status.FAILED
    assert [e["message"] for e in batch.errors] == [
        "该党员现属“甲局第二党支部”，导入不能调整组织关系，请在党员页面办理组织关系转接"
    ]
