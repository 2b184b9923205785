"""The profile's sections are cached for everyone who may see the organisation, and a write
to anything they show is visible on the next request."""

import pytest
from django.urls import reverse

from branches.models import CommitteeSeat, PartyGroup
from tests.branches.rating_factories import make_title
from tests.factories import CommitteeSeatFactory, MemberFactory


def profile(client, organization):
    response = client.get(reverse("branches:organization-profile", args=[organization.pk]))
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
def test_a_change_shows_on_the_next_visit(client, warm, branch_a, change):
    if change == "seat":
        member = MemberFactory(organization=branch_a, name="新任书记")
        CommitteeSeatFactory(
            organization=branch_a, member=member, post=CommitteeSeat.Post.SECRETARY
        )
        assert "新任书记" in [seat.member.name for seat in profile(client, branch_a)["seats"]]
    elif change == "party group":
        PartyGroup.objects.create(organization=branch_a, name="第二党小组")
        assert profile(client, branch_a)["party_group_count"] == 1
    else:
        make_title(branch_a)
        assert len(profile(client, branch_a)["titles"]) == 1
