"""The 最强党支部 pages: who sees what, the actions per role, evidence uploads, history on
the application page, and query counts that do not grow with rows."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alxa_dangjian.accounts.models import User
from branches.models import (
    Level,
    RatingApplication,
    RatingEvidence,
    RatingRound,
    RatingStandard,
    RatingTitle,
)
from branches.services import ratings
from tests.activities.test_uploads import png_bytes
from tests.branches.rating_factories import (
    full_score,
    make_application,
    make_round,
    make_title,
    set_stage,
)
from tests.factories import OrganizationFactory, UserFactory

Status = RatingApplication.Status
ROUNDS = reverse("branches:ratinground-list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVITY_UPLOAD_MAX_BYTES = 1024 * 1024
    return Path(settings.MEDIA_ROOT)


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def round(db):
    return make_round("apply")


@pytest.fixture
def draft(round, secretary, branch_a):
    return make_application(round, branch_a, by=secretary)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# Rounds -------------------------------------------------------------------------------------


def test_secretary_starts_an_application_from_the_round_page(client, round, secretary):
    client.force_login(secretary)
    page = client.get(round.get_absolute_url())
    assert 'data-testid="apply-form"' in page.content.decode()
    response = client.post(
        reverse("branches:ratingapplication-create"),
        {"round": round.pk, "level": Level.STRONGEST},
    )
    application = RatingApplication.objects.get()
    assert response.status_code == 302
    assert response.url == application.get_absolute_url()
    assert application.organization == secretary.organization


def test_apply_outside_the_dates_shows_the_refusal(client, secretary):
    round = make_round("review")
    client.force_login(secretary)
    response = client.post(
        reverse("branches:ratingapplication-create"),
        {"round": round.pk, "level": Level.STRONGEST},
        follow=True,
    )
    assert "不在申报时间内" in " ".join(messages_of(response))
    assert not RatingApplication.objects.exists()


def test_committee_admin_has_no_apply_form_and_cannot_apply(client, round, committee_admin):
    client.force_login(committee_admin)
    assert 'data-testid="apply-form"' not in client.get(round.get_absolute_url()).content.decode()
    response = client.post(
        reverse("branches:ratingapplication-create"),
        {"round": round.pk, "level": Level.STRONGEST},
    )
    assert response.status_code == 403


def test_only_the_work_committee_creates_rounds(client, staff, committee_admin):
    data = {
        "year": 2027,
        "scope": "organ",
        "title": "",
        "apply_opens_on": "2027-04-20",
        "apply_closes_on": "2027-05-20",
        "recommend_closes_on": "2027-06-10",
        "review_closes_on": "2027-07-10",
        "publicity_starts_on": "2027-07-15",
        "publicity_ends_on": "2027-07-21",
        "target_share": "50",
        "status": "open",
    }
    client.force_login(committee_admin)
    assert client.post(reverse("branches:ratinground-create"), data).status_code == 403
    client.force_login(staff)
    response = client.post(reverse("branches:ratinground-create"), data)
    round = RatingRound.objects.get(year=2027)
    assert response.url == round.get_absolute_url()
    assert round.target_share == Decimal("50")
    assert round.history.latest().history_user == staff


def test_round_dates_out_of_order_are_refused(client, staff):
    data = {
        "year": 2027,
        "scope": "organ",
        "apply_opens_on": "2027-04-20",
        "apply_closes_on": "2027-04-10",
        "recommend_closes_on": "2027-06-10",
        "review_closes_on": "2027-07-10",
        "publicity_starts_on": "2027-07-15",
        "publicity_ends_on": "2027-07-21",
        "target_share": "150",
        "status": "open",
    }
    client.force_login(staff)
    response = client.post(reverse("branches:ratinground-create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "目标占比应在0至100之间" in body
    data["target_share"] = "50"
    response = client.post(reverse("branches:ratinground-create"), data)
    assert "申报截止日期不能早于申报开始日期" in response.content.decode()
    assert not RatingRound.objects.filter(year=2027).exists()


def test_round_list_queries_do_not_grow(client, staff, django_assert_max_num_queries):
    for year in range(2000, 2030):
        make_round("apply", year=year)
    client.force_login(staff)
    # session, user + organisation, rounds with counts, eligible branch, messages/notifications
    with django_assert_max_num_queries(10):
        response = client.get(ROUNDS)
    assert response.content.decode().count("“最强党支部”评定") >= 30


def test_round_detail_queries_do_not_grow(
    client, round, staff, committee_a, django_assert_max_num_queries
):
    secretary = UserFactory(role=User.Role.SECRETARY, organization=committee_a)
    for n in range(25):
        branch = OrganizationFactory(parent=committee_a, name=f"甲局第{n + 10}党支部")
        make_application(round, branch, by=secretary, self_scored=True)
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        response = client.get(round.get_absolute_url())
    assert response.content.decode().count("甲局第") >= 25


def test_round_detail_shows_only_visible_applications(
    client, round, secretary, committee_admin, branch_a, branch_a2, branch_b
):
    make_application(round, branch_a, by=secretary)
    make_application(round, branch_a2, by=secretary)
    make_application(round, branch_b, by=secretary)
    client.force_login(secretary)
    body = client.get(round.get_absolute_url()).content.decode()
    assert branch_a.display_name in body
    assert branch_a2.display_name not in body
    client.force_login(committee_admin)
    body = client.get(round.get_absolute_url()).content.decode()
    assert branch_a2.display_name in body
    assert branch_b.display_name not in body


# Application page -------------------------------------------------------------------------


def test_secretary_saves_and_submits_on_the_page(client, draft, secretary):
    client.force_login(secretary)
    items = list(draft.scores.select_related("standard"))
    data = {f"self_score-{i.pk}": str(full_score(i.standard)) for i in items}
    data |= {f"self_note-{i.pk}": "已落实" for i in items}
    response = client.post(
        reverse("branches:ratingapplication-assess", args=[draft.pk]), data | {"submit": "1"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_bad_self_score_on_the_page_saves_nothing(client, draft, secretary):
    client.force_login(secretary)
    item = draft.scores.select_related("standard").first()
    response = client.post(
        reverse("branches:ratingapplication-assess", args=[draft.pk]),
        {f"self_score-{item.pk}": "999", f"self_note-{item.pk}": "x"},
        follow=True,
    )
    assert "超出范围" in " ".join(messages_of(response))
    item.refresh_from_db()
    assert item.self_score is None


def test_actions_follow_the_role(client, secretary, committee_admin, staff, branch_a):
    round = make_round("recommend")
    application = make_application(
        round, branch_a, by=secretary, status=Status.SUBMITTED, self_scored=True
    )
    url = application.get_absolute_url()
    client.force_login(secretary)
    body = client.get(url).content.decode()
    assert 'data-testid="recommend-actions"' not in body
    assert 'data-testid="return-form"' not in body
    client.force_login(committee_admin)
    body = client.get(url).content.decode()
    assert 'data-testid="recommend-actions"' in body
    assert 'data-testid="return-form"' in body
    response = client.post(
        reverse("branches:ratingapplication-recommend", args=[application.pk]),
        {"opinion": "同意"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED
    client.force_login(secretary)
    response = client.post(reverse("branches:ratingapplication-recommend", args=[application.pk]))
    assert response.status_code == 403


def test_staff_reviews_and_approves_on_the_page(client, secretary, staff, branch_a):
    round = make_round("review")
    application = make_application(
        round, branch_a, by=secretary, status=Status.RECOMMENDED, self_scored=True
    )
    items = list(application.scores.select_related("standard"))
    data = {f"review_score-{i.pk}": str(full_score(i.standard)) for i in items}
    data |= {f"review_comment-{i.pk}": "属实" for i in items}
    client.force_login(staff)
    response = client.post(
        reverse("branches:ratingapplication-review", args=[application.pk]),
        data | {"approve": "1", "opinion": "材料齐全"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.review_opinion == "材料齐全"


def test_return_without_reason_is_refused_on_the_page(client, secretary, committee_admin, branch_a):
    round = make_round("recommend")
    application = make_application(
        round, branch_a, by=secretary, status=Status.SUBMITTED, self_scored=True
    )
    client.force_login(committee_admin)
    url = reverse("branches:ratingapplication-return", args=[application.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "填写理由" in " ".join(messages_of(response))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    client.post(url, {"reason": "自评偏高"})
    application.refresh_from_db()
    assert application.status == Status.RETURNED


def test_history_shows_who_and_before_after(client, round, secretary, committee_admin, branch_a):
    application = make_application(round, branch_a, by=secretary)
    item = application.scores.select_related("standard").first()
    ratings.save_self_assessment(application, values={item.pk: ("0", "首次")}, by=secretary)
    ratings.save_self_assessment(
        application, values={item.pk: (str(full_score(item.standard)), "修改")}, by=secretary
    )
    client.force_login(committee_admin)
    body = client.get(application.get_absolute_url()).content.decode()
    history = body[body.index('data-testid="history"') :]
    assert secretary.get_full_name() in history
    assert f"第{item.standard.code}项" in history
    assert f"0.0 → {full_score(item.standard)}" in history
    assert "首次 → 修改" in history


def test_application_page_queries_do_not_grow_with_evidence(
    client, draft, secretary, django_assert_max_num_queries
):
    for item in draft.scores.all():
        for n in range(3):
            RatingEvidence.objects.create(
                item=item,
                file=f"ratings/x/{item.pk}-{n}",
                original_name=f"材料{n}.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                kind="document",
                uploaded_by=secretary,
            )
    client.force_login(secretary)
    with django_assert_max_num_queries(16):
        response = client.get(draft.get_absolute_url())
    assert response.content.decode().count(">材料2.pdf</a>") == draft.scores.count()


def test_outsider_gets_404_on_the_application(client, draft, outsider):
    client.force_login(outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404


# Evidence -------------------------------------------------------------------------------------


def upload(client, item, name, content):
    return client.post(
        reverse("branches:ratingitemscore-upload", args=[item.pk]),
        {"files": [SimpleUploadedFile(name, content)]},
        follow=True,
    )


def test_evidence_upload_is_stored_and_served_only_in_scope(
    client, draft, secretary, committee_admin, outsider, media
):
    item = draft.scores.first()
    client.force_login(secretary)
    upload(client, item, "阵地照片.png", png_bytes())
    evidence = RatingEvidence.objects.get()
    assert evidence.item == item and evidence.kind == "photo"
    assert len(stored_files(media)) == 1
    client.force_login(committee_admin)
    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    assert client.get(evidence.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("脚本.exe", b"MZ\x90\x00", "只能上传"),
        ("伪装.png", b"%PDF-1.7 not a picture", "内容与扩展名"),
        ("伪装.pdf", b"<html><script>alert(1)</script></html>", "内容与扩展名"),
        ("过大.pdf", b"%PDF-1.7" + b"0" * (1024 * 1024 + 1), "超过了单个文件"),
        ("空.pdf", b"", "空文件"),
    ],
)
def test_bad_uploads_change_nothing(client, draft, secretary, media, name, content, message):
    item = draft.scores.first()
    client.force_login(secretary)
    response = upload(client, item, name, content)
    assert message in " ".join(messages_of(response))
    assert not RatingEvidence.objects.exists()
    assert stored_files(media) == []


def test_one_bad_file_refuses_the_whole_upload(client, draft, secretary, media):
    item = draft.scores.first()
    client.force_login(secretary)
    client.post(
        reverse("branches:ratingitemscore-upload", args=[item.pk]),
        {
            "files": [
                SimpleUploadedFile("好.png", png_bytes()),
                SimpleUploadedFile("坏.png", b"not an image"),
            ]
        },
    )
    assert not RatingEvidence.objects.exists()
    assert stored_files(media) == []


def test_no_upload_once_submitted_or_by_others(client, round, secretary, committee_admin, branch_a):
    submitted = make_application(
        round, branch_a, by=secretary, status=Status.SUBMITTED, self_scored=True
    )
    item = submitted.scores.first()
    client.force_login(secretary)
    response = upload(client, item, "晚了.png", png_bytes())
    assert "不能再修改" in " ".join(messages_of(response))
    draft_item = make_application(round, branch_a, by=secretary, level=Level.MODEL_POINT)
    client.force_login(committee_admin)
    response = client.post(
        reverse("branches:ratingitemscore-upload", args=[draft_item.scores.first().pk]),
        {"files": [SimpleUploadedFile("代传.png", png_bytes())]},
    )
    assert response.status_code == 403
    assert not RatingEvidence.objects.exists()


def test_secretary_deletes_evidence_of_a_draft(
    client, draft, secretary, media, django_capture_on_commit_callbacks
):
    item = draft.scores.first()
    client.force_login(secretary)
    upload(client, item, "照片.png", png_bytes())
    evidence = RatingEvidence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("branches:ratingevidence-delete", args=[evidence.pk]), {"reason": "传错了"}
        )
    assert not RatingEvidence.objects.exists()
    assert stored_files(media) == []


# 公示, 命名, titles ---------------------------------------------------------------------------


def test_publicity_page_shows_names_and_levels_to_everyone(
    client, secretary, staff, outsider, branch_a
):
    round = make_round("publicity")
    make_application(round, branch_a, by=secretary, status=Status.APPROVED, self_scored=True)
    client.force_login(staff)
    client.post(reverse("branches:ratinground-publish", args=[round.pk]))
    client.force_login(outsider)
    body = client.get(reverse("branches:ratinground-publicity", args=[round.pk])).content.decode()
    assert branch_a.name in body
    assert "最强党支部" in body
    # Nothing private: no scores, no link to the application.
    assert RatingApplication.objects.get().get_absolute_url() not in body


def test_staff_names_a_round_after_publicity(client, secretary, staff, committee_admin, branch_a):
    round = make_round("publicity")
    make_application(round, branch_a, by=secretary, status=Status.PUBLICIZED, self_scored=True)
    url = reverse("branches:ratinground-name", args=[round.pk])
    client.force_login(staff)
    response = client.post(url, follow=True)
    assert "期满后方可命名" in " ".join(messages_of(response))
    set_stage(round, "naming")
    client.force_login(committee_admin)
    assert client.post(url).status_code == 403
    client.force_login(staff)
    client.post(url)
    assert RatingTitle.objects.get().organization == branch_a


def test_staff_withdraws_a_title_with_reason(client, staff, committee_admin, branch_a):
    title = make_title(branch_a, year=2025, awarded_on=datetime.date(2025, 12, 1))
    url = reverse("branches:ratingtitle-withdraw", args=[title.pk])
    client.force_login(committee_admin)
    assert (
        client.post(url, {"withdrawn_on": "2026-03-01", "withdrawal_reason": "x"}).status_code
        == 403
    )
    client.force_login(staff)
    response = client.post(url, {"withdrawn_on": "2025-01-01", "withdrawal_reason": "违纪"})
    assert "不能早于命名日期" in response.content.decode()
    response = client.post(url, {"withdrawn_on": "2026-03-01", "withdrawal_reason": "违纪"})
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.withdrawn_on == datetime.date(2026, 3, 1)
    body = client.get(url).content.decode()
    assert "违纪" in body[body.index('data-testid="history"') :]


def test_title_list_is_scoped_and_queries_do_not_grow(
    client, committee_admin, committee_a, branch_b, django_assert_max_num_queries
):
    for n in range(20):
        make_title(OrganizationFactory(parent=committee_a, name=f"甲局称号{n}支部"), year=2025)
    make_title(branch_b, year=2025)
    client.force_login(committee_admin)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("branches:ratingtitle-list")).content.decode()
    assert body.count("甲局称号") == 20
    assert branch_b.display_name not in body


# Standards ------------------------------------------------------------------------------------


def test_standards_catalogue_is_readable_by_all_and_marked_as_sample(
    client, secretary, django_assert_max_num_queries
):
    client.force_login(secretary)
    year = RatingStandard.objects.order_by("-year").first().year
    with django_assert_max_num_queries(10):
        body = client.get(reverse("branches:ratingstandard-list"), {"year": year}).content.decode()
    assert "共62项" in body
    assert body.count("示例，请按工委文件调整") >= 62
    assert "修改</a>" not in body


def test_sample_standards_cover_every_category_and_aspect(db):
    year = RatingStandard.objects.order_by("-year").first().year
    standards = RatingStandard.objects.filter(year=year)
    assert standards.count() == 62
    cells = set(standards.values_list("category", "aspect"))
    assert len(cells) == 16
    assert all(s.is_sample and "示例，请按工委文件调整" in s.text for s in standards)
    assert RatingStandard.objects.filter(year=year - 1).count() == 62


def test_staff_edits_a_standard_with_history(client, staff, secretary):
    standard = RatingStandard.objects.order_by("pk").first()
    url = reverse("branches:ratingstandard-edit", args=[standard.pk])
    data = {
        "year": standard.year,
        "code": standard.code,
        "category": standard.category,
        "aspect": standard.aspect,
        "five_strong": standard.five_strong,
        "text": "按工委文件修订的条目内容",
        "method": "points",
        "max_score": "8",
        "evidence_required": "",
        "sort_order": 1,
    }
    client.force_login(secretary)
    assert client.post(url, data).status_code == 403
    client.force_login(staff)
    assert client.post(url, data | {"max_score": "0"}).status_code == 200
    assert client.post(url, data).status_code == 302
    standard.refresh_from_db()
    assert (standard.text, standard.max_score, standard.is_sample) == (
        "按工委文件修订的条目内容",
        Decimal("8"),
        False,
    )
    assert standard.history.latest().history_user == staff


def test_duplicate_standard_code_is_refused(client, staff):
    standard = RatingStandard.objects.order_by("pk").first()
    client.force_login(staff)
    response = client.post(
        reverse("branches:ratingstandard-create"),
        {
            "year": standard.year,
            "code": standard.code,
            "category": "party_mass",
            "aspect": "team",
            "five_strong": "team",
            "text": "重复编号",
            "method": "pass_fail",
            "max_score": "1",
            "sort_order": 0,
        },
    )
    assert response.status_code == 200
    assert RatingStandard.objects.filter(text="重复编号").count() == 0


def test_round_with_applications_keeps_its_year_and_scope(client, draft, staff):
    round = draft.round
    data = {
        "year": round.year + 1,
        "scope": round.scope,
        "title": "",
        "apply_opens_on": round.apply_opens_on,
        "apply_closes_on": round.apply_closes_on,
        "recommend_closes_on": round.recommend_closes_on,
        "review_closes_on": round.review_closes_on,
        "publicity_starts_on": round.publicity_starts_on,
        "publicity_ends_on": round.publicity_ends_on,
        "target_share": "55",
        "status": "open",
    }
    client.force_login(staff)
    url = reverse("branches:ratinground-edit", args=[round.pk])
    response = client.post(url, data)
    assert "不能再修改年度或层级范围" in response.content.decode()
    response = client.post(url, data | {"year": round.year})
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.target_share == Decimal("55")
