"""One declaration of the member fields (branches/member_fields.py) feeds the member form, the
党员花名册 and the member import: the roster's headers are exactly what the import reads, and a
roster exported with every field filled imports back with no error and no change."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.ledgers.models import ImportBatch
from branches.forms.members import MemberEditForm, MemberForm
from branches.imports.members import MemberImporter
from branches.ledgers.members import ROSTER_COLUMNS
from branches.member_fields import MEMBER_FIELDS
from branches.models import Member, PartyGroup
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import database_fingerprint

HEADER_ROW = 3  # title, subtitle, header
FORM_ONLY = {"probation_extension_months", "change_reason"}


def test_the_roster_headers_are_the_columns_the_import_reads_in_the_same_order():
    roster = [column.header for column in ROSTER_COLUMNS]
    read = [
        {column.header, *(alternative.header for alternative in column.alternatives)}
        for column in MemberImporter.columns
    ]
    assert len(roster) == len(read) == len(MEMBER_FIELDS)
    assert all(header in accepted for header, accepted in zip(roster, read, strict=True))
    required = {column.header for column in MemberImporter.columns if column.required}
    assert required <= set(roster)


def test_the_member_forms_edit_the_declared_fields():
    declared = {field.name for field in MEMBER_FIELDS}
    on_create = {field.name for field in MEMBER_FIELDS if field.form == "create"}
    assert set(MemberForm.base_fields) - FORM_ONLY == on_create | {"organization"}
    edited = set(MemberEditForm.base_fields) - FORM_ONLY
    assert edited <= declared
    assert declared - edited == {"lost_contact_since"}  # its own form on the member's page


def test_an_exported_roster_with_every_field_filled_imports_back_unchanged(
    client, committee_admin, branch_a
):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    full = MemberFactory(
        organization=branch_a,
        name="张伟",
        gender=Member.Gender.FEMALE,
        ethnicity="蒙古族",
        native_place="内蒙古阿拉善左旗",
        degree=Member.Degree.MASTER,
        work_started_on=dt.date(2008, 7, 1),
        phone="13812345678",
        category=Member.Category.choices[-1][0],
        party_post="组织委员",
        party_group=group,
        is_floating=True,
        lost_contact_since=dt.date(2024, 9, 1),
    )
    assert all(getattr(full, field.name) not in (None, "", False) for field in MEMBER_FIELDS)
    MemberFactory(
        organization=branch_a,
        status=Member.Status.PROBATIONARY,
        joined_on=dt.date(2024, 3, 1),
        confirmed_on=None,
    )
    client.force_login(committee_admin)
    response = client.post(
        reverse("ledgers:ledger-export", args=["member-roster"]), {"full_id": "on"}
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    assert headers == [column.header for column in ROSTER_COLUMNS]
    assert sheet.max_row == HEADER_ROW + 2

    before = database_fingerprint()
    reply = client.post(
        reverse("ledgers:importbatch-create", args=["members"]),
        {"file": SimpleUploadedFile("党员花名册.xlsx", content)},
    )
    assert reply.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.error_count == 0, batch.errors
    assert (batch.summary["unchanged"], batch.summary["created"], batch.summary["updated"]) == (
        2,
        0,
        0,
    )
    assert database_fingerprint() == before
