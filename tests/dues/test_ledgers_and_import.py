"""Dues ledgers exported through the ledger mechanism, and the payment sheet import."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core.periods import month_start, shift_month
from alxa_dangjian.ledgers.models import ImportBatch
from dues.models import DuesMonth, DuesPayment
from tests.dues.factories import assess, paid
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import workbook_bytes
from tests.ledgers.exported import export

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
START = shift_month(THIS_MONTH, -8)
HEADERS = ["公民身份号码", "姓名", "所属月份", "交纳日期", "金额", "交纳方式", "收据编号", "代交人"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def roster(branch_a, secretary):
    members = MemberFactory.create_batch(12, organization=branch_a)
    for member in members:
        assess(member, secretary, month=START)  # 40.00 a month
    for member in members[:4]:
        paid(member, secretary, *[shift_month(START, n) for n in range(8)])
    return members


@pytest.mark.parametrize("code", ["dues-collection", "dues-arrears", "dues-funds"])
def test_exports_run_a_fixed_number_of_queries(
    client, committee_admin, roster, code, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    with django_assert_max_num_queries(20):
        export(client, code)


def test_collection_ledger_has_the_months(client, secretary, roster, branch_b):
    MemberFactory(organization=branch_b, name="乙局党员")
    client.force_login(secretary)
    headers, rows = export(client, "dues-collection", year=START.year)
    assert headers[:7] == [
        "党支部",
        "姓名",
        "党员类型",
        "党籍状态",
        "基数类别",
        "计算基数",
        "月交纳",
    ]
    assert "乙局党员" not in [r["姓名"] for r in rows]
    full = next(r for r in rows if r["姓名"] == roster[0].name)
    assert full[f"{START.month}月"] == Decimal("40") or full[f"{START.month}月"] == 40


def test_arrears_ledger_explains_each_row(client, secretary, roster):
    client.force_login(secretary)
    _, rows = export(client, "dues-arrears")
    assert len(rows) == 8
    assert all(r["级别"] == "警示" and "自行脱党" in r["说明"] for r in rows)


def upload(client, rows):
    content = workbook_bytes(rows, headers=HEADERS)
    url = reverse("ledgers:importbatch-create", args=["dues-payments"])
    response = client.post(url, {"file": SimpleUploadedFile("党费.xlsx", content)})
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def row(member, months, amount, **extra):
    values = {
        "公民身份号码": member.id_number,
        "姓名": member.name,
        "所属月份": months,
        "交纳日期": TODAY.isoformat(),
        "金额": amount,
    }
    values.update(extra)
    return values


def test_a_clean_sheet_imports_all_rows(client, secretary, roster):
    client.force_login(secretary)
    last = shift_month(THIS_MONTH, -1)
    first = shift_month(THIS_MONTH, -3)
    batch = upload(
        client,
        [
            row(roster[5], f"{first:%Y-%m}至{last:%Y-%m}", "120", 收据编号="D-1"),
            row(roster[6], f"{last:%Y年%m月}", 40, 交纳方式="微信", 代交人="家属"),
        ],
    )
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    assert not DuesPayment.objects.filter(member__in=roster[5:7]).exists()
    client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]))
    assert DuesMonth.objects.filter(member=roster[5]).count() == 3
    on_behalf = DuesPayment.objects.get(member=roster[6])
    assert (on_behalf.method, on_behalf.paid_by, on_behalf.payer_name) == (
        "wechat",
        "on_behalf",
        "家属",
    )


def test_a_bad_sheet_imports_nothing_and_names_row_and_column(client, secretary, roster, branch_b):
    stranger = MemberFactory(organization=branch_b)
    client.force_login(secretary)
    last = shift_month(THIS_MONTH, -1)
    batch = upload(
        client,
        [
            row(roster[5], f"{last:%Y-%m}", "40", 收据编号="D-1"),
            row(roster[6], f"{last:%Y-%m}", "-40"),
            row(roster[7], f"{shift_month(THIS_MONTH, -9):%Y-%m}", "40"),
            row(stranger, f"{last:%Y-%m}", "40"),
            row(roster[8], f"{last:%Y-%m}", "40", 收据编号="D-1"),
            row(roster[0], f"{last:%Y-%m}", "40"),
            row(roster[9], f"{last:%Y-%m}", "abc"),
        ],
    )
    assert batch.status != ImportBatch.Status.PREVIEWED
    found = {(e["row"], e["column"]) for e in batch.errors}
    assert (3, "金额") in found  # negative
    assert (4, "所属月份") in found  # beyond the back-payment window
    assert (5, "公民身份号码") in found  # another subtree
    assert (6, "收据编号") in found  # duplicate receipt within the file
    assert (7, "所属月份") in found  # already paid
    assert (8, "金额") in found  # not a number
    assert not DuesPayment.objects.filter(member__in=roster[5:10]).exists()
