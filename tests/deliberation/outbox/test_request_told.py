"""A request's timeline tells the staff who may reach the requester whether the requester was
told of each step, per channel; nobody else sees it."""

import pytest

from deliberation.models import Delivery, ResponsibleParty, Role
from deliberation.selectors import request_for_detail, request_notices
from deliberation.services.requests import request_accept, request_respond
from tests.factories import UserFactory, make_member


@pytest.fixture
def requester(community):
    return make_member(community, role=Role.RESIDENT, email="wang.ayi@example.org", display_name="王阿姨")


@pytest.fixture
def handled(submit, requester, worker, failing_mail, django_capture_on_commit_callbacks):
    """Submitted (tells the workers, not the requester), accepted (told: delivered), answered
    (told: the mail server cannot be reached, will retry)."""
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(by=requester)
    with django_capture_on_commit_callbacks(execute=True):
        request_accept(request=request, by=worker, party=ResponsibleParty.COMMUNITY)
    failing_mail.UNREACHABLE.add(requester.email)
    with django_capture_on_commit_callbacks(execute=True):
        request_respond(request=request, by=worker, body="已联系电工，周三上午维修。")
    return request


def timeline(html: str) -> str:
    return html.split('id="timeline"', 1)[1]


def steps(html: str) -> list[str]:
    return timeline(html).split('<li class="event')[1:]


def test_worker_sees_per_step_whether_the_requester_was_told(client, worker, handled):
    client.force_login(worker)
    html = client.get(handled.get_absolute_url()).content.decode()
    submitted, accepted, responded = steps(html)
    assert "Requester told" not in submitted  # that step told the workers only
    assert "Requester told" in accepted and "Delivered" in accepted and "E-mail" in accepted
    assert "Failed, will retry" in responded and "Connection refused" in responded
    assert "next attempt" in responded
    delivery = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert f"/deliveries/{delivery.pk}/retry/" in responded


@pytest.mark.parametrize("who", ["anonymous", "requester", "resident", "other_worker", "street"])
def test_nobody_else_sees_it(client, handled, requester, community, other_community, street, who):
    user = {
        "anonymous": lambda: None,
        "requester": lambda: requester,
        "resident": lambda: make_member(community, role=Role.RESIDENT),
        "other_worker": lambda: make_member(other_community, role=Role.WORKER),
        "street": lambda: UserFactory(street_office=street),  # not the responsible party
    }[who]()
    if user is not None:
        client.force_login(user)
    html = client.get(handled.get_absolute_url()).content.decode()
    assert "Requester told" not in html and "Delivered" not in html
    assert "Connection refused" not in html and "/deliveries/" not in html


def test_inbox_only_for_a_requester_without_a_channel(client, submit, community, worker):
    requester = make_member(community, role=Role.RESIDENT, notify_email=False, display_name="李大爷")
    request = submit(by=requester)
    request_accept(request=request, by=worker, party=ResponsibleParty.COMMUNITY)
    client.force_login(worker)
    accepted = steps(client.get(request.get_absolute_url()).content.decode())[1]
    assert "Requester told" in accepted and "Inbox only" in accepted


def test_one_query_for_all_steps(handled, django_assert_num_queries):
    request = request_for_detail(ref=str(handled.pk))
    events = list(request.events.all())
    with django_assert_num_queries(1):
        told = request_notices(request=request, events=events)
    assert [told.get(e.pk) is not None for e in events] == [False, True, True]
    assert [d.status for d in told[events[1].pk].deliveries] == [Delivery.Status.SENT]
