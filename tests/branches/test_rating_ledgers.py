"""The 最强党支部名单 and the 评分表, exported through the ledger mechanism and read back."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Level, RatingEvidence, RatingStandard, Scope
from tests.branches.rating_factories import make_application, make_round, make_title
from tests.factories import OrganizationFactory
from tests.ledgers.exported import export


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def titles(branch_a, branch_a2, branch_b):
    make_title(branch_a, year=2024)
    make_title(branch_a, level=Level.MODEL_POINT, year=2025)
    make_title(
        branch_a2,
        year=2025,
        withdrawn_on=datetime.date(2025, 11, 1),
        withdrawal_reason="复核不达标",
    )
    make_title(branch_a2, scope=Scope.LEAGUE, year=2025)
    make_title(branch_b, year=2025)
    return make_round("naming", year=2025)


def test_title_list_of_a_round(client, titles, committee_admin):
    client.force_login(committee_admin)
    headers, rows = export(client, "rating-titles", round=titles.pk)
    assert headers[:5] == ["党支部", "上级党组织", "分类指导类别", "等次", "层级范围"]
    # The round's year and scope only, inside the subtree, highest level first.
    assert [(r["党支部"], r["等次"], r["状态"]) for r in rows] == [
        ("甲局第一党支部", "示范点", "有效"),
        ("甲局第二党支部", "最强党支部", "已摘牌"),
    ]
    assert rows[1]["摘牌理由"] == "复核不达标"
    assert rows[1]["摘牌日期"].date() == datetime.date(2025, 11, 1)
    assert rows[0]["上级党组织"] == "甲局党委"


def test_title_list_by_year_scope_and_level(client, titles, staff):
    client.force_login(staff)
    _, rows = export(client, "rating-titles", year=2025, level=Level.STRONGEST)
    assert {(r["党支部"], r["层级范围"]) for r in rows} == {
        ("甲局第二党支部", "盟直机关"),
        ("甲局第二党支部", "全盟"),
        ("乙局机密党支部", "盟直机关"),
    }
    _, rows = export(client, "rating-titles", year=2025, scope=Scope.LEAGUE)
    assert [r["党支部"] for r in rows] == ["甲局第二党支部"]


def test_title_list_needs_a_round_or_a_year(client, titles, staff):
    client.force_login(staff)
    response = client.post(reverse("ledgers:ledger-export", args=["rating-titles"]), {})
    assert response.status_code == 200
    assert "请选择评定轮次，或填写命名年度" in response.content.decode()


@pytest.mark.parametrize("ledger", ["rating-titles"])
def test_title_list_queries_do_not_grow(client, staff, root, ledger):
    round = make_round("naming", year=2025)
    client.force_login(staff)
    counts = []
    for batch in (2, 25):
        for i in range(batch):
            make_title(OrganizationFactory(name=f"名单{batch}-{i}党支部", parent=root), year=2025)
        with CaptureQueriesContext(connection) as queries:
            export(client, ledger, round=round.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.fixture
def application(secretary, branch_a):
    round = make_round("review", year=2026)
    application = make_application(round, branch_a, by=secretary, self_scored=True, reviewed=True)
    item = application.scores.select_related("standard").order_by("standard__code").first()
    item.review_score, item.review_comment = Decimal(0), "记录不全"
    item.save()
    RatingEvidence.objects.create(
        item=item,
        file="ratings/2026/x",
        original_name="记录.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        kind="document",
        uploaded_by=secretary,
    )
    return application


def test_score_sheet_of_an_application(client, application, committee_admin):
    client.force_login(committee_admin)
    headers, rows = export(client, "rating-score-sheet", application=application.pk)
    standards = RatingStandard.objects.filter(year=2026, category=application.organization.category)
    assert len(rows) == standards.count() == 16
    assert headers[:4] == ["编号", "方面", "五强", "标准内容"]
    first = min(standards, key=lambda s: s.code)
    row = next(r for r in rows if r["编号"] == first.code)
    assert row["审核得分"] == 0 and row["审核意见"] == "记录不全"
    assert row["佐证材料数"] == 1
    assert row["方面"] == first.get_aspect_display()
    assert sum(r["佐证材料数"] for r in rows) == 1


def test_score_sheet_of_another_subtree_is_a_404(client, application, outsiders):
    for outsider in outsiders:
        client.force_login(outsider)
        url = reverse("ledgers:ledger-export", args=["rating-score-sheet"])
        assert client.post(url, {"application": application.pk}).status_code == 404
        assert client.get(url, {"application": application.pk}).status_code == 404


def test_score_sheet_queries_do_not_grow(client, secretary, branch_a):
    round = make_round("review", year=2026)
    client.force_login(secretary)
    counts = []
    for level in (Level.STRONGEST, Level.MODEL_POINT):
        application = make_application(round, branch_a, by=secretary, level=level)
        if level == Level.MODEL_POINT:
            item = application.scores.first()
            for i in range(10):
                RatingEvidence.objects.create(
                    item=item,
                    file=f"ratings/2026/{i}",
                    original_name=f"{i}.pdf",
                    content_type="application/pdf",
                    size=1,
                    sha256="0" * 64,
                    kind="document",
                    uploaded_by=secretary,
                )
        with CaptureQueriesContext(connection) as queries:
            export(client, "rating-score-sheet", application=application.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1]
