"""The profile's sections are cached for everyone who may see the organisation, and a write
to anything they show is visible on the next request."""

import datetime

import pytest
from django.urls import reverse

from alxa_dangjian.core import caching
from branches.models import CommitteeSeat, PartyGroup
from branches.services import organizations as organization_services
from tests.branches.rating_factories import make_title
from tests.factories import MemberFactory


def profile(client, organization):
    response = client.get(reverse("portal:organization-profile", args=[organization.pk]))
    assert response.status_code == 200
    return response.context


@pytest.fixture
def warm(client, secretary, branch_a):
    client.force_login(secretary)
    profile(client, branch_a)  # computed and cached


def test_a_second_visit_reads_the_sections_from_the_cache(
    client, warm, branch_a, django_assert_max_num_queries
):
    # session, user, the organisation with its roster counts, the cached cockpit and sections
    with django_assert_max_num_queries(6):
        profile(client, branch_a)


@pytest.mark.parametrize("change", ["seat", "party group", "title"])
def test_a_change_shows_on_the_next_visit(
    client, warm, branch_a, secretary, change, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if change == "seat":
            member = MemberFactory(organization=branch_a, name="新任书记")
            organization_services.add_committee_seat(
                branch_a,
                member=member,
                post=CommitteeSeat.Post.SECRETARY,
                started_on=datetime.date.today(),
                by=secretary,
            )
        elif change == "party group":
            group = PartyGroup(organization=branch_a, name="第二党小组")
            organization_services.save_party_group(group, by=secretary)
        else:
            # Stands in for naming (name_round needs a whole round): it says what it changed.
            make_title(branch_a)
            caching.changed(caching.RATINGS)
    sections = profile(client, branch_a)
    if change == "seat":
        assert "新任书记" in [seat.member.name for seat in sections["seats"]]
    elif change == "party group":
        assert sections["party_group_count"] == 1
    else:
        assert len(sections["titles"]) == 1
