"""The compliance screens: the reviewer's heatmap, the drill-down, and the secretary's home."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind
from activities.services import records as services
from branches.models import Organization
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory

# A partner that has confirmed its participation (activities/models/joint.py).
CONFIRMED = {"status": "confirmed"}

TODAY = datetime.date(2026, 5, 15)  # Q2, May: Jan–Apr closed, May running, Jun on future
HEATMAP = reverse("activities:compliance-heatmap")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    cache.clear()


def detail_url(organization, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('activities:compliance-detail', args=[organization.pk])}?{query}"


def heat_cell(body: str, organization, month: int) -> tuple[str, str]:
    """(data-status, visible label) of one heatmap cell."""
    row = re.search(rf'<tr data-organization="{organization.pk}">.*?</tr>', body, re.S)
    assert row, f"{organization} is not on the heatmap"
    cell = re.search(rf'<td[^>]*data-month="{month}" data-status="(\w*)">(.*?)</td>', row[0], re.S)
    return cell[1], re.sub(r"<[^>]+>", "", cell[2]).strip()


def heat_rows(body: str) -> int:
    return len(re.findall(r'<tr data-organization="\d+">', body))


# --- heatmap: who sees what ---------------------------------------------------------------


def test_committee_admin_sees_only_their_subtree(client, committee_admin, branch_a, branch_a2):
    client.force_login(committee_admin)
    response = client.get(HEATMAP)
    assert response.status_code == 200
    body = response.content.decode()
    assert heat_rows(body) == 2
    assert branch_a.display_name in body and branch_a2.display_name in body
    assert "乙局" not in body


def test_staff_sees_every_branch(client, staff, branch_a2):
    client.force_login(staff)
    body = client.get(HEATMAP).content.decode()
    assert heat_rows(body) == 3
    assert "乙局机密党支部" in body


def test_secretary_may_not_open_the_heatmap(client, secretary):
    client.force_login(secretary)
    assert client.get(HEATMAP).status_code == 403


def test_heatmap_refuses_post(client, committee_admin):
    client.force_login(committee_admin)
    assert client.post(HEATMAP).status_code == 405


def test_nav_links_the_heatmap_for_reviewers_only(client, committee_admin, secretary):
    link = f'href="{HEATMAP}"'
    client.force_login(committee_admin)
    assert link in client.get(reverse("portal:home")).content.decode()
    client.force_login(secretary)
    assert link not in client.get(reverse("portal:home")).content.decode()


# --- heatmap: cells, labels, links --------------------------------------------------------


def test_cells_carry_status_and_label_and_link_to_the_drill_down(
    client, committee_admin, branch_a, branch_a2
):
    for month in (1, 2, 3):
        ActivityFactory(organization=branch_a, held_on=datetime.date(2026, month, 8))
    ActivityFactory(
        organization=branch_a, kind="general-meeting", held_on=datetime.date(2026, 2, 3)
    )
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=datetime.date(2026, 3, 3))
    client.force_login(committee_admin)
    body = client.get(HEATMAP).content.decode()
    assert heat_cell(body, branch_a, 1) == ("met", "达标")
    assert heat_cell(body, branch_a, 3) == ("met", "达标")  # the quarter closes in March
    assert heat_cell(body, branch_a, 4) == ("overdue", "逾期")  # no theme day in April
    assert heat_cell(body, branch_a, 5) == ("due", "待完成")
    assert heat_cell(body, branch_a, 7) == ("future", "未开始")
    assert heat_cell(body, branch_a2, 1) == ("overdue", "逾期")
    assert detail_url(branch_a, year=2026, month=4).replace("&", "&amp;") in body


def test_a_branch_name_is_escaped_in_the_cells(client, committee_admin, committee_a):
    OrganizationFactory(parent=committee_a, name='<b>"甲"&乙</b>', short_name='<b>"甲"&乙</b>')
    client.force_login(committee_admin)
    body = client.get(HEATMAP).content.decode()
    assert 'title="&lt;b&gt;&quot;甲&quot;&amp;乙&lt;/b&gt; ' in body
    assert '<b>"甲"' not in body


def test_drafts_do_not_turn_a_cell_green(client, committee_admin, branch_a):
    ActivityFactory(
        organization=branch_a, held_on=datetime.date(2026, 1, 8), status=Activity.Status.DRAFT
    )
    client.force_login(committee_admin)
    assert heat_cell(client.get(HEATMAP).content.decode(), branch_a, 1)[0] == "overdue"


def test_behind_list_and_rate(client, committee_admin, branch_a, branch_a2):
    # branch_a holds every monthly theme day so far; branch_a2 nothing.
    for month in range(1, 5):
        ActivityFactory(organization=branch_a, held_on=datetime.date(2026, month, 8))
    client.force_login(committee_admin)
    response = client.get(HEATMAP)
    behind = re.search(
        r'data-testid="compliance-behind">.*?</table>', response.content.decode(), re.S
    )
    assert detail_url(branch_a2, year=2026) in behind[0]
    rows = re.findall(r"<tr>\s*<td><a[^>]*>(.*?)</a></td>\s*<td[^>]*>(\d+)</td>", behind[0])
    # branch_a2 missed 4 theme days and the Q1 meeting and lecture; branch_a only the latter.
    assert rows == [(branch_a2.display_name, "6"), (branch_a.display_name, "2")]
    # Closed rule-periods: 2 × (4 theme days + Q1 meeting + Q1 lecture) = 12, 4 of them met.
    assert "33.3%" in response.content.decode()


def test_a_past_year_is_shown_when_asked(client, committee_admin, branch_a):
    ActivityFactory(organization=branch_a, held_on=datetime.date(2025, 12, 2))
    client.force_login(committee_admin)
    body = client.get(HEATMAP, {"year": "2025"}).content.decode()
    assert "2025年" in body
    assert '<option value="2025" selected>' in body
    assert heat_cell(body, branch_a, 11)[0] == "overdue"  # the whole of 2025 is closed
    assert heat_cell(body, branch_a, 12)[0] == "overdue"  # December: the yearly items too


@pytest.mark.parametrize("year", ["abc", "1900", "2031", "-1", "2026.0", "²", "２０２６", "9" * 40])
def test_bad_year_shows_a_chinese_message_and_the_current_year(
    client, committee_admin, branch_a, year
):
    client.force_login(committee_admin)
    response = client.get(HEATMAP, {"year": year})
    assert response.status_code == 200
    body = response.content.decode()
    assert "年份" in body and "无效" in body and "已显示2026年" in body
    assert "组织生活合规监测 · 2026年" in body


def test_filter_by_committee_and_category(client, staff, committee_a, committee_b, branch_a):
    social = OrganizationFactory(
        parent=committee_a, name="甲局社会事务党支部", category=Organization.Category.SOCIAL
    )
    client.force_login(staff)
    body = client.get(HEATMAP, {"committee": committee_a.pk}).content.decode()
    assert heat_rows(body) == 2 and "乙局机密党支部" not in body
    assert f'<option value="{committee_a.pk}" selected>' in body  # the filter keeps the choice
    assert f'<option value="{committee_b.pk}">' in body
    body = client.get(HEATMAP, {"committee": committee_a.pk, "category": "social"}).content.decode()
    assert heat_rows(body) == 1 and social.display_name in body


def test_committee_outside_the_scope_is_refused_with_a_message(
    client, committee_admin, committee_b, branch_b
):
    client.force_login(committee_admin)
    for value in (committee_b.pk, 987654, "abc"):
        body = client.get(HEATMAP, {"committee": value}).content.decode()
        assert "所选党委不存在或不在您的管辖范围内" in body
        assert "乙局" not in body
        assert heat_rows(body) == 2  # the admin's own scope instead


def test_bad_category_is_ignored_with_a_message(client, committee_admin, branch_a):
    client.force_login(committee_admin)
    body = client.get(HEATMAP, {"category": "<script>"}).content.decode()
    assert "所选分类指导类别无效" in body
    assert "<script>" not in body


def test_heatmap_paginates_branches(client, committee_admin, committee_a):
    for _ in range(53):
        OrganizationFactory(parent=committee_a)
    client.force_login(committee_admin)
    body = client.get(HEATMAP).content.decode()
    assert heat_rows(body) == 50
    assert "共 55 条" in body  # with branch_a and branch_a2
    assert heat_rows(client.get(HEATMAP, {"page": 2}).content.decode()) == 5


def _queries(client, url, params=None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params or {}).status_code == 200
    return len(context)


def test_heatmap_queries_do_not_grow_with_branches(
    client, committee_admin, committee_a, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    counts = []
    for total in (3, 30):
        while Organization.objects.subtree(committee_a).branches().count() < total:
            branch = OrganizationFactory(parent=committee_a)
            ActivityFactory(organization=branch, held_on=datetime.date(2026, 2, 4))
        counts.append(_queries(client, HEATMAP))
    assert counts[0] == counts[1]
    cache.clear()
    # session, user, user's organisation, committees for the filter; the compliance
    # engine: branches with seat and group counts, rules, exemptions, explanations, hosted
    # GROUP BY, joint GROUP BY
    with django_assert_max_num_queries(10):
        client.get(HEATMAP)


def test_heatmap_computes_once_and_then_reads_the_cache(client, committee_admin, branch_a):
    client.force_login(committee_admin)
    cold = _queries(client, HEATMAP)
    with CaptureQueriesContext(connection) as warm:
        client.get(HEATMAP)
    assert len(warm) == cold - 6  # the engine's six queries are skipped


def test_writes_through_the_services_invalidate_the_cached_report(
    client, committee_admin, secretary, branch_a, branch_a2, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.ACTIVITY_BACKFILL_DAYS = 400

    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    def cell(organization):
        return heat_cell(client.get(HEATMAP).content.decode(), organization, 4)[0]

    client.force_login(committee_admin)
    assert cell(branch_a) == "overdue"
    record = Activity(
        organization=branch_a,
        kind=ActivityKind.objects.get(code="theme-day"),
        held_on=datetime.date(2026, 4, 9),
        theme="四月主题党日",
    )
    with committed():  # a draft, held jointly with branch_a2: not counted yet
        # (logged by the committee, which may act on branch_a2: its part is confirmed)
        record = services.save_activity(
            record, attendance={}, joint_organizations=[branch_a2], by=committee_admin
        )
    assert cell(branch_a) == "overdue"
    with committed():
        services.submit_activity(record, by=secretary, confirm_quorum=True)
    assert cell(branch_a) == "met"
    assert cell(branch_a2) == "met"  # a joint record counts for the partner branch too
    with committed():
        services.return_activity(record, comment="请补充会议记录", by=committee_admin)
    assert cell(branch_a) == "overdue"
    record.refresh_from_db()
    with committed():  # corrected without the partner, and submitted again
        services.save_activity(record, attendance={}, joint_organizations=[], by=secretary)
        services.submit_activity(record, by=secretary, confirm_quorum=True)
    assert cell(branch_a) == "met"
    assert cell(branch_a2) == "overdue"
    with committed():
        services.approve_activity(record, by=committee_admin)
    assert cell(branch_a) == "met"


def test_cache_is_per_scope(client, committee_admin, staff, branch_a, branch_b):
    client.force_login(committee_admin)
    client.get(HEATMAP)  # caches committee_a's report
    client.force_login(staff)
    body = client.get(HEATMAP).content.decode()
    assert "乙局机密党支部" in body and heat_rows(body) == 3


# --- drill-down ---------------------------------------------------------------------------


def test_drill_down_lists_required_vs_held_and_the_records(
    client, committee_admin, branch_a, branch_a2
):
    hosted = ActivityFactory(
        organization=branch_a, held_on=datetime.date(2026, 4, 2), theme="四月主题党日"
    )
    joint = ActivityFactory(
        organization=branch_a2,
        kind="party-lecture",
        held_on=datetime.date(2026, 5, 6),
        theme="联合党课",
    )
    joint.joint_organizations.add(branch_a, through_defaults=CONFIRMED)
    ActivityFactory(
        organization=branch_a,
        kind="party-lecture",
        held_on=datetime.date(2026, 4, 20),
        theme="草稿党课",
        status=Activity.Status.DRAFT,
    )
    ActivityFactory(organization=branch_a2, held_on=datetime.date(2026, 4, 3), theme="别的支部")
    client.force_login(committee_admin)
    response = client.get(detail_url(branch_a, year=2026, month=4))
    assert response.status_code == 200
    body = response.content.decode()
    sections = {
        m[1]: m[0]
        for m in re.findall(r'(<section[^>]*data-kind="([\w-]+)".*?</section>)', body, re.S)
    }
    theme_day = sections["theme-day"]
    assert 'data-status="met"' in theme_day and "2026年4月" in theme_day
    assert "四月主题党日" in theme_day and hosted.get_absolute_url() in theme_day
    lecture = sections["party-lecture"]
    assert "2026年第2季度" in lecture and 'data-status="met"' in lecture
    assert "联合党课" in lecture and "联合开展" in lecture
    assert "草稿党课" in lecture and "（不计入）" in lecture
    assert re.search(r"应开展 <strong>1</strong> 次 · 已开展 <strong>1</strong> 次", lecture)
    assert "life-meeting" in sections  # the yearly items are listed for every month
    assert "别的支部" not in body


def test_secretary_may_drill_into_their_own_branch(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.get(detail_url(branch_a, year=2026, month=5))
    assert response.status_code == 200
    # No breadcrumb to a page they may not open.
    assert f'href="{HEATMAP}?' not in response.content.decode()


@pytest.mark.parametrize("persona", ["secretary", "committee_admin"])
def test_foreign_branch_is_404(client, request, persona, branch_b, branch_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(detail_url(branch_b, year=2026, month=4)).status_code == 404


def test_secretary_gets_404_for_the_sibling_branch(client, secretary, branch_a2):
    client.force_login(secretary)
    assert client.get(detail_url(branch_a2)).status_code == 404


def test_drill_down_is_for_branches_only(client, committee_admin, committee_a):
    client.force_login(committee_admin)
    assert client.get(detail_url(committee_a)).status_code == 404


def test_drill_down_refuses_post(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.post(detail_url(branch_a)).status_code == 405


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "20x6", "month": "4"}, "年份“20x6”无效"),
        ({"year": "2026", "month": "13"}, "月份“13”无效"),
        ({"year": "2026", "month": "0"}, "月份“0”无效"),
        ({"year": "2026", "month": "五"}, "月份“五”无效"),
        ({"year": "2026", "month": "³"}, "月份“³”无效"),
    ],
)
def test_drill_down_bad_period_shows_a_chinese_message(
    client, secretary, branch_a, params, message
):
    client.force_login(secretary)
    response = client.get(detail_url(branch_a, **params))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "2026年" in body


def test_drill_down_defaults_to_the_current_month(client, secretary, branch_a):
    client.force_login(secretary)
    body = client.get(reverse("activities:compliance-detail", args=[branch_a.pk])).content.decode()
    assert "2026年5月组织生活" in body


def test_drill_down_queries_do_not_grow_with_records(
    client, secretary, branch_a, django_assert_max_num_queries
):
    for day in range(1, 25):
        ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 4, day))
    client.force_login(secretary)
    cache.clear()
    # session, user, user's organisation, the branch, the engine's six queries, the
    # records with kind and host, the kinds they combine (one prefetch), the explanations
    with django_assert_max_num_queries(13):
        response = client.get(detail_url(branch_a, year=2026, month=4))
    assert response.content.decode().count("主题活动") == 24


# --- the secretary's home -----------------------------------------------------------------


def due_block(body: str) -> str:
    assert 'data-testid="due-items"' in body, "no 本期待办 block"
    return body[body.index('data-testid="due-items"') : body.index('<div class="row g-3 mb-3">')]


def test_secretary_home_lists_what_is_still_due(client, secretary, branch_a):
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 1, 8))
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 2, 8))
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 4, 8))
    client.force_login(secretary)
    body = client.get(reverse("portal:home")).content.decode()
    block = due_block(body)
    assert body.index("本期待办") < body.index('data-testid="cockpit-figures"')
    assert "本月还需开展主题党日 1 次" in block
    assert "本季度还需召开党课 1 次" in block
    assert "本季度还需召开支部党员大会 1 次" in block
    overdue = re.findall(r'class="text-danger fw-semibold">(.*?)</a>', block)
    assert "2026年3月 主题党日 未开展（已逾期）" in overdue
    assert "2026年第1季度 党课 未开展（已逾期）" in overdue
    assert not any("2026年1月" in text or "2026年4月" in text for text in overdue)
    # Each item links to the branch's records of that kind (a monthly one: of that month).
    assert f"organization={branch_a.pk}&amp;kind=" in block and "month=2026-03" in block
    assert reverse("activities:activity-create") in block


def test_secretary_home_says_so_when_nothing_is_due(client, secretary, branch_a, monkeypatch):
    # On 1 January nothing is overdue yet, but the month's theme day is due already.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 1, 1))
    client.force_login(secretary)
    block = due_block(client.get(reverse("portal:home")).content.decode())
    assert "已逾期" not in block
    assert "本月还需开展主题党日 1 次" in block


@pytest.mark.parametrize("persona", ["committee_admin", "staff"])
def test_other_homes_have_no_due_block(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert "本期待办" not in client.get(reverse("portal:home")).content.decode()


def test_secretary_without_branch_sees_the_warning_only(client, db):
    user = UserFactory(organization=None)
    client.force_login(user)
    body = client.get(reverse("portal:home")).content.decode()
    assert "未分配组织" in body and "本期待办" not in body


def test_a_general_branch_has_a_drill_down_of_its_own_rules(client, committee_admin):
    general = OrganizationFactory(
        parent=committee_admin.organization, type=Organization.Type.GENERAL_BRANCH
    )
    ActivityFactory(organization=general, kind="theme-day", held_on=datetime.date(2026, 2, 9))
    client.force_login(committee_admin)
    response = client.get(detail_url(general, year=2026, month=2))
    assert response.status_code == 200
    body = response.content.decode()
    assert "主题党日" in body and "达标" in body
