"""Consent across subtrees' part of the URL walk: a joint activity's partnership and a
pending transfer, both inside committee_a's subtree (the outsiders' target)."""

import datetime

from activities.models import JointParticipation
from branches.models import TransferRequest
from tests.factories import ActivityFactory, OrganizationFactory

MODELS = {"jointparticipation", "transferrequest"}


def objects(*, root, committee_a, branch_a, secretary, member):
    host = OrganizationFactory(parent=committee_a, name="甲局联合主办党支部")
    activity = ActivityFactory(organization=host, theme="甲局联合主题党日")
    receiver = OrganizationFactory(parent=committee_a, name="甲局接收党支部")
    return {
        "jointparticipation": JointParticipation.objects.create(
            activity=activity, organization=branch_a
        ),
        "transferrequest": TransferRequest.objects.create(
            member=member,
            from_organization=member.organization,
            to_organization=receiver,
            transferred_on=datetime.date.today(),
            requested_by=secretary,
        ),
    }
