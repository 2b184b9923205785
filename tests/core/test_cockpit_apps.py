"""The figures of ratings, training, lists, assessment and dues against hand-counted fixtures,
scoped to a subtree, with the query counts of the homes pinned."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core.periods import shift_month
from assessments.models import AssessmentResult, AssessmentRun, ScoreCard, Stage
from branches.models import CommitteeSeat, Level, Organization, RatingTitle, Scope
from branches.services.rating_titles import withdraw_title
from dues.arrears import last_counted_month
from portal.cockpit import cockpit_for
from portal.cockpit.warm import warm_cockpits
from tests.assessments.lists_factories import Review, make_entry, make_item, make_list
from tests.assessments.scoring_fixtures import make_scheme
from tests.branches.rating_factories import make_round, make_title
from tests.dues.factories import assess, paid
from tests.factories import MemberFactory, OrganizationFactory
from tests.training.factories import TrainingClassFactory
from training.models import Enrollment

TODAY = timezone.localdate()
Y = TODAY.year
THIS_JAN = datetime.date(Y, 1, 1)
LAST_JAN = datetime.date(Y - 1, 1, 1)
YESTERDAY = TODAY - datetime.timedelta(days=1)


def attend(member, training_class, hours):
    return Enrollment.objects.create(
        training_class=training_class,
        member=member,
        signed_in=True,
        hours_earned=Decimal(hours),
    )


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, branch_b, staff, secretary):
    """Rows of every app on both sides of the tree; the numbers in each test are counted by
    hand from here."""
    temporary = OrganizationFactory(
        name="甲局临时党支部", parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH
    )
    # Ratings: a (最强, this year), b (最强 last year, 示范点 this year), a2 (withdrawn last
    # year), the temporary branch (not counted).
    make_round(year=Y, target_share=Decimal("60.00"))
    make_title(branch_a, year=Y)
    make_title(branch_b, year=Y - 1, awarded_on=LAST_JAN)
    make_title(branch_b, year=Y, level=Level.MODEL_POINT, scope=Scope.ORGAN)
    make_title(
        branch_a2,
        year=Y - 1,
        awarded_on=LAST_JAN,
        withdrawn_on=datetime.date(Y - 1, 6, 1),
        withdrawal_reason="整改不到位",
    )
    make_title(temporary, year=Y)

    # Training (32 学时 for members, 56 for committee members: the seeded rules).
    met = MemberFactory(organization=branch_a, name="甲达标")
    short = MemberFactory(organization=branch_a, name="甲未达标")
    seated = MemberFactory(organization=branch_a2, name="甲委员")
    CommitteeSeat.objects.create(
        organization=branch_a2, member=seated, post="secretary", started_on=LAST_JAN
    )
    other = MemberFactory(organization=branch_b, name="乙达标")
    this_year = TrainingClassFactory(organization=root, starts_on=THIS_JAN, created_by=staff)
    last_year = TrainingClassFactory(organization=root, starts_on=LAST_JAN, created_by=staff)
    attend(met, this_year, 32)
    attend(short, this_year, 10)
    attend(seated, this_year, 40)
    attend(other, this_year, 40)
    attend(short, last_year, 30)

    # Lists of committee_a this year.
    responsibility_list = make_list(committee_a, year=Y, by=secretary)
    on_track = make_item(responsibility_list, content="按计划推进")
    make_entry(on_track, Stage.PLAN)
    waiting = make_item(responsibility_list, content="待审核")
    make_entry(waiting, Stage.PLAN, review=Review.SUBMITTED)
    overdue = make_item(responsibility_list, content="已逾期", deadline=YESTERDAY)
    make_entry(overdue, Stage.PLAN)
    done = make_item(responsibility_list, content="已完成", deadline=YESTERDAY)
    make_entry(done, Stage.PLAN)
    make_entry(done, Stage.FINAL, progress="done", completed_on=YESTERDAY)

    # Year-end assessment: one done run over the league, cards for a (published) and b.
    scheme = make_scheme(year=Y)
    run = AssessmentRun.objects.create(
        year=Y,
        scope=root,
        scheme=scheme,
        scheme_version=1,
        status=AssessmentRun.Status.DONE,
        created_by=staff,
    )
    for rank, organization in enumerate((branch_a, branch_b), start=1):
        AssessmentResult.objects.create(
            run=run, organization=organization, total=Decimal(95 - rank), grade="good", rank=rank
        )
    ScoreCard.objects.create(
        organization=branch_a,
        year=Y,
        target="branch",
        status=ScoreCard.Status.FROZEN,
        frozen_run=run,
        published_at=timezone.now(),
    )
    ScoreCard.objects.create(
        organization=branch_b, year=Y, target="branch", status=ScoreCard.Status.REVIEWED
    )

    # Dues: a never pays (警示), short pays one of four months (提醒), b's member never pays.
    last = last_counted_month(TODAY)
    assess(met, staff, month=shift_month(last, -7))
    assess(short, staff, month=shift_month(last, -3))
    paid(short, staff, shift_month(last, -3))
    assess(other, staff, month=shift_month(last, -7))
    return {"temporary": temporary, "run": run}


def test_strongest_share_counts_titled_branches_against_the_target(league, root, committee_a):
    figure = cockpit_for(root).figure("strongest-share")
    # 3 counted branches (temporary left out); a and b hold titles → 2/3.
    assert figure.value == 66.67
    assert figure.extra["target"] == 60.0
    # 最强党支部 in all (a, and b whose highest is 示范点) with its subsets by highest title.
    assert {p.key: p.value for p in figure.parts} == {
        "strongest": 2,
        "model_point": 1,
        "model_base": 0,
        "league": 0,
        "branches": 3,
    }
    # Last year only b's 最强 was active at the year's end (a2's was withdrawn).
    assert figure.previous == 33.33
    assert f"under={root.pk}" in figure.url
    assert cockpit_for(committee_a).figure("strongest-share").value == 50.0


def test_strongest_tile_shows_the_statistics_page_figures_with_its_labels(
    client, league, root, branch_a, staff
):
    make_title(branch_a, year=Y, scope=Scope.LEAGUE)
    client.force_login(staff)
    figure = cockpit_for(root).figure("strongest-share")
    page = client.get(reverse("branches:ratingtitle-stats") + f"?year={Y}")
    organ, league_row = page.context["scope_rows"]
    parts = {p.key: p for p in figure.parts}
    assert figure.value == float(organ["share"])
    assert parts["strongest"].value == organ["tally"].titled == 2
    assert parts["model_point"].value == organ["tally"].by_top[2] == 1
    assert parts["model_base"].value == organ["tally"].by_top[3] == 0
    assert parts["league"].value == league_row["tally"].titled == 1
    assert parts["branches"].value == page.context["stats"].total.branches == 3
    text = page.content.decode()
    for part in figure.parts[:4]:
        assert part.label.split("“")[0] in text
    # Each link opens exactly the branches counted.
    for part in figure.parts:
        listed = client.get(part.url)
        assert listed.context["page"].paginator.count == part.value, part.key
    assert client.get(figure.url).context["page"].paginator.count == figure.extra["titled"]


def test_ratings_chart_splits_categories(league, root):
    chart = cockpit_for(root).chart("ratings-by-category")
    rows = {label: [value for _, value, _ in cells] for label, cells in chart.rows()}
    assert rows == {"党群部门": [1, 1], "国有企业": [1, 0]}
    assert "category=state_owned" in chart.series[0].urls[1]


def test_training_figure_and_chart(league, root, committee_a):
    figure = cockpit_for(root).figure("training-hours")
    # Met: 甲达标 (32 ≥ 32) and 乙达标 (40 ≥ 32); 甲委员 has 40 < 56, 甲未达标 10 < 32.
    assert figure.value == 2
    assert {p.key: p.value for p in figure.parts} == {"share": 50.0, "behind": 2}
    assert figure.previous == 0
    assert cockpit_for(committee_a).figure("training-hours").value == 1
    chart = cockpit_for(root).chart("training-by-month")
    assert [s.values[0] for s in chart.series] == [30.0, 122.0]
    assert "month=1" in chart.series[1].urls[0]


def test_training_figure_opens_exactly_the_members_it_counts(
    client, league, root, committee_a, staff
):
    client.force_login(staff)
    for scope in (root, committee_a):
        figure = cockpit_for(scope).figure("training-hours")
        met = client.get(figure.url)
        assert met.context["page"].paginator.count == figure.value
        assert met.context["judged"] == figure.extra["members"]
        parts = {p.key: p for p in figure.parts}
        behind = client.get(parts["behind"].url)
        assert behind.context["page"].paginator.count == parts["behind"].value
        assert {m.name for m in met.context["page"]}.isdisjoint(
            m.name for m in behind.context["page"]
        )


def test_list_items_on_track(league, committee_a, committee_b):
    figure = cockpit_for(committee_a).figure("list-items")
    parts = {p.key: p.value for p in figure.parts}
    # 按计划推进 and 已完成 are on track; 待审核 waits for review; 已逾期 is overdue.
    assert figure.value == 2
    assert parts == {"total": 4, "share": 50.0, "closed": 1, "overdue": 1}
    assert cockpit_for(committee_b).figure("list-items") is None


def test_list_items_numbers_open_exactly_their_items(client, league, committee_a, staff):
    client.force_login(staff)
    figure = cockpit_for(committee_a).figure("list-items")
    assert client.get(figure.url).context["page"].paginator.count == figure.value
    for part in figure.parts:
        page = client.get(part.url)
        if part.key == "share":
            assert page.context["page"].paginator.count == part.numerator == 2
            assert page.context["of_all"] == part.denominator == 4
        else:
            assert page.context["page"].paginator.count == part.value, part.key
    overdue = client.get(next(p.url for p in figure.parts if p.key == "overdue"))
    assert [item.content for item in overdue.context["page"]] == ["已逾期"]


@pytest.mark.parametrize("raw", ["²", "²²²²", "2026-02-30", "abc"])
def test_item_list_ignores_bad_parameters(client, league, staff, raw):
    client.force_login(staff)
    url = reverse("assessments:responsibilityitem-list")
    for name in ("year", "until", "status", "page"):
        assert client.get(url, {name: raw}).status_code == 200
    assert client.get(url, {"organization": raw}).status_code == 404


def test_assessment_progress(league, root, committee_a, committee_b):
    figure = cockpit_for(root).figure("assessment")
    assert figure.label == "年度考核（最近一次计算：已完成）"
    assert figure.value == 2
    assert {p.key: p.value for p in figure.parts} == {
        "to_review": 0,
        "reviewed": 1,
        "frozen": 1,
        "published": 1,
    }
    assert [p.value for p in cockpit_for(committee_b).figure("assessment").parts] == [0, 1, 0, 0]
    assert cockpit_for(committee_a).figure("assessment").value == 1


@pytest.mark.parametrize("persona", ["staff", "committee_admin", "secretary"])
def test_assessment_numbers_open_exactly_their_cards(client, request, league, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    figure = cockpit_for(user.organization).figure("assessment")
    assert client.get(figure.url).context["page"].paginator.count == figure.value
    for part in figure.parts:
        page = client.get(part.url)
        assert page.context["page"].paginator.count == part.value, part.key


def test_dues_arrears(league, root, committee_a, committee_b):
    figure = cockpit_for(root).figure("dues-arrears")
    assert figure.value == 3
    assert {p.key: p.value for p in figure.parts} == {"alert": 2, "warning": 1}
    assert cockpit_for(committee_b).figure("dues-arrears").value == 1


def test_committee_cockpit_shows_nothing_of_the_other_subtree(league, committee_b):
    board = cockpit_for(committee_b)
    assert board.figure("strongest-share").value == 100.0
    assert board.figure("training-hours").value == 1
    chart = board.chart("ratings-by-category")
    assert chart.categories == ["国有企业"]
    assert board.chart("training-by-month").series[1].values[0] == 40.0


def test_links_lead_to_lists_that_show_the_same_rows(client, league, committee_admin, committee_a):
    client.force_login(committee_admin)
    board = cockpit_for(committee_a)
    arrears = client.get(board.figure("dues-arrears").url)
    assert arrears.status_code == 200
    assert len(arrears.context["items"]) == 2
    holders = client.get(board.figure("strongest-share").url)
    assert [row["branch"].name for row in holders.context["rows"]] == ["甲局第一党支部"]
    attendance = client.get(board.chart("training-by-month").series[1].urls[0])
    # Classes of the root, attended by the subtree's members: 3 sign-ins.
    assert attendance.context["page"].paginator.count == 3
    for figure in board.figures:
        assert client.get(figure.url).status_code == 200, figure.key


def test_list_filters_refuse_outside_organisations(client, league, committee_admin, committee_b):
    client.force_login(committee_admin)
    names = (
        "dues:arrears-list",
        "training:enrollment-list",
        "training:progress-met",
        "training:trainingclass-list",
        "assessments:responsibilityitem-list",
        "assessments:scorecard-list",
    )
    for name in names:
        url = reverse(name)
        assert client.get(f"{url}?organization={committee_b.pk}").status_code == 404, name
        assert client.get(f"{url}?organization=99999999999999999999").status_code == 404, name
        assert client.get(f"{url}?organization=²").status_code == 404, name


def test_dues_arrears_numbers_open_exactly_their_members(client, league, root, staff):
    client.force_login(staff)
    figure = cockpit_for(root).figure("dues-arrears")
    assert client.get(figure.url).context["page"].paginator.count == figure.value
    for part in figure.parts:
        assert client.get(part.url).context["page"].paginator.count == part.value, part.key


@pytest.mark.parametrize("persona", ["staff", "committee_admin", "secretary"])
def test_home_queries_do_not_grow_with_rows(
    client, request, league, branch_a, django_assert_max_num_queries, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.get("/")  # fills the cache and the session
    cache.clear()
    with django_assert_max_num_queries(200) as few:
        client.get("/")
    before = len(few.captured_queries)
    for n in range(6):
        member = MemberFactory(organization=branch_a, name=f"新党员{n}")
        attend(member, TrainingClassFactory(organization=branch_a, starts_on=THIS_JAN), 8)
        make_title(OrganizationFactory(parent=branch_a.parent), year=Y)
    cache.clear()
    with django_assert_max_num_queries(before) as many:
        client.get("/")
    assert len(many.captured_queries) == before


def test_warm_task_fills_root_and_committees_and_skips_current(
    league, root, branch_a, staff, django_capture_on_commit_callbacks
):
    assert warm_cockpits() == 3  # the root and both party committees
    assert warm_cockpits() == 0  # all current
    title = RatingTitle.objects.get(organization=branch_a, year=Y)
    with django_capture_on_commit_callbacks(execute=True):  # the service bumps the version
        withdraw_title(title, on=TODAY, reason="整改不到位", by=staff)
    assert warm_cockpits() == 3
