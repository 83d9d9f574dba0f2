"""The outbox's permissions, each for every role (docs/permissions.md, "Outbox")."""

import pytest

from deliberation.models import Delivery, ResponsibleParty, Role, about_key
from deliberation.services.delivery import Email, Recipient, deliver
from deliberation.services.requests import request_accept, request_escalate
from tests.conftest import ROLES, as_user
from tests.factories import make_member

pytestmark = pytest.mark.django_db

#: Every permission of the outbox: tests/deliberation/people/test_rules.py counts them.
OUTBOX_PERMISSIONS = {
    "deliberation.view_outbox",
    "deliberation.retry_delivery",
    "deliberation.view_request_deliveries",
}


def allowed(users_by_role, perm, obj) -> set[str]:
    return {role for role in ROLES if as_user(users_by_role[role]).has_perm(perm, obj)}


def a_delivery(community) -> Delivery:
    (delivery,) = deliver(
        key="test-notice",
        recipient=Recipient(name="王阿姨", email="wang@example.org", ref="user:0"),
        label="通知",
        email=Email(subject="通知", text="正文"),
        about=about_key("request", 1),
        community=community,
    )
    return delivery


def test_view_outbox(users_by_role, community):
    assert allowed(users_by_role, "deliberation.view_outbox", community) == {"worker", "admin"}


def test_retry_delivery(users_by_role, community):
    delivery = a_delivery(community)
    assert allowed(users_by_role, "deliberation.retry_delivery", delivery) == {"worker", "admin"}
    # The outbox's "send all again" asks it about the community.
    assert allowed(users_by_role, "deliberation.retry_delivery", community) == {"worker", "admin"}


@pytest.mark.parametrize("perm", ["deliberation.view_outbox", "deliberation.retry_delivery"])
def test_another_communitys_worker_and_street_have_no_say(perm, community, other_community, street):
    delivery = a_delivery(community)
    other_worker = make_member(other_community, role=Role.WORKER)
    assert not other_worker.has_perm(perm, community)
    assert not other_worker.has_perm(perm, delivery)
    # Their own community's outbox is theirs.
    assert other_worker.has_perm(perm, other_community)


def test_a_delivery_of_no_community_is_the_admins_only(users_by_role):
    delivery = a_delivery(None)
    assert allowed(users_by_role, "deliberation.retry_delivery", delivery) == {"admin"}


def test_view_request_deliveries_follows_who_may_reach_the_requester(users_by_role, submit, community):
    request = submit(by=users_by_role["resident"])
    perm = "deliberation.view_request_deliveries"
    # Not the requester themselves: their inbox is their record.
    assert allowed(users_by_role, perm, request) == {"worker", "admin"}
    request_accept(request=request, by=users_by_role["worker"], party=ResponsibleParty.PROPERTY)
    request.refresh_from_db()
    assert allowed(users_by_role, perm, request) == {"worker", "property", "admin"}
    request_escalate(request=request, by=users_by_role["worker"], reason="久拖未决")
    request.refresh_from_db()
    assert allowed(users_by_role, perm, request) == {"worker", "property", "street", "admin"}


def test_committee_sees_it_when_responsible(users_by_role, submit):
    request = submit(by=users_by_role["resident"])
    request_accept(request=request, by=users_by_role["worker"], party=ResponsibleParty.COMMITTEE)
    request.refresh_from_db()
    assert allowed(users_by_role, "deliberation.view_request_deliveries", request) == {
        "worker", "committee", "admin",
    }  # fmt: skip
