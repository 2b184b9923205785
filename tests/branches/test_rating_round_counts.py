"""The 评定轮次 tab: each round's 申报 and 已命名 count the applications it received and the
titles it named (imported history included) in the user's subtree, and link to exactly them."""

import re

import pytest
from django.urls import reverse

from branches.models import Level, RatingApplication, Scope
from tests.branches.rating_factories import make_application, make_round, make_title

Status = RatingApplication.Status


def _total(response) -> int:
    return int(re.search(r'data-testid="list-total" data-total="(\d+)"', response.text).group(1))


@pytest.fixture
def rounds(branch_a, branch_a2, branch_b, staff):
    """2022 盟直机关: two applications (a named, a2 returned to draft) and an imported title of
    b without an application; 2022 全盟: one imported title of a; 2023 盟直机关: nothing."""
    organ = make_round(year=2022)
    league = make_round(year=2022, scope=Scope.LEAGUE)
    empty = make_round(year=2023)
    named = make_application(organ, branch_a, by=staff, status=Status.NAMED)
    make_application(organ, branch_a2, by=staff)
    make_title(branch_a, year=2022, application=named)
    make_title(branch_b, year=2022)
    make_title(branch_a, year=2022, scope=Scope.LEAGUE, level=Level.STRONGEST)
    return {"organ": organ, "league": league, "empty": empty}


def _rows(response):
    return {r.pk: (r.application_count, r.named_count) for r in response.context["rounds"]}


def test_counts_come_from_the_rounds_applications_and_titles(client, staff, rounds):
    client.force_login(staff)
    rows = _rows(client.get(reverse("branches:ratinground-list")))
    assert rows[rounds["organ"].pk] == (2, 2)
    assert rows[rounds["league"].pk] == (0, 1)
    assert rows[rounds["empty"].pk] == (0, 0)


def test_counts_are_limited_to_the_users_subtree(client, committee_admin, rounds):
    client.force_login(committee_admin)  # 甲局党委: branch_a and branch_a2, not branch_b
    rows = _rows(client.get(reverse("branches:ratinground-list")))
    assert rows[rounds["organ"].pk] == (2, 1)


@pytest.mark.parametrize("persona", ["staff", "committee_admin"])
def test_each_count_links_to_exactly_its_rows(client, request, rounds, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("branches:ratinground-list"))
    links = re.findall(
        r'href="([^"]+)" data-testid="round-(applications|titles)">(\d+)<', page.text
    )
    assert len(links) == 2 * len(rounds)
    for url, _kind, count in links:
        assert _total(client.get(url.replace("&amp;", "&"))) == int(count), url


@pytest.mark.parametrize("raw", ["²", "²²²²", "abcd", "-1"])
def test_title_list_ignores_a_bad_year(client, staff, rounds, raw):
    client.force_login(staff)
    assert client.get(reverse("branches:ratingtitle-list"), {"year": raw}).status_code == 200
