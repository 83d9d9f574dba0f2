"""The transition table (``Request.TRANSITIONS``) is the one rule of which state a change may start
from: for every state and every transition, the service accepts exactly the states the table
lists, and the request page shows the transition's button (as a worker, as the assigned property
staff, as the requester) exactly then. Parametrised over the table, so a row added there is tested.
"""

import datetime
import re

import pytest
import rules
from django.utils import timezone

from cms.services import ServiceError
from deliberation.models import Request, RequestEvent
from deliberation.rules import TRANSITION_PERMISSIONS
from deliberation.selectors import request_url
from deliberation.services import requests as services
from deliberation.services.deadlines import deadlines_process, evaluation_days

pytestmark = pytest.mark.django_db

Status = Request.Status
STATES = list(Status.values)
TRANSITIONS = sorted(Request.TRANSITIONS)


def test_every_transition_with_a_button_has_a_permission_and_every_state_is_a_status():
    assert set(TRANSITION_PERMISSIONS) <= set(Request.TRANSITIONS)
    assert all(sources <= set(Status.values) for sources in Request.TRANSITIONS.values())


@pytest.fixture
def reach(submit, users_by_role):
    """``reach(state)``: a fresh request in ``state``, got there the way the product gets there.
    Accepted ones are assigned to the community's property company."""
    worker = users_by_role["worker"]
    requester = users_by_role["representative"]

    def accepted():
        return services.request_accept(request=submit(by=requester), by=worker, party="property")

    def resolved():
        return services.request_resolve(request=accepted(), by=worker)

    def evaluated():
        return services.request_evaluate(request=resolved(), by=requester, rating=4)

    build = {
        Status.SUBMITTED: lambda: submit(by=requester),
        Status.ACCEPTED: accepted,
        Status.REJECTED: lambda: services.request_reject(
            request=submit(by=requester), by=worker, reason="不属实"
        ),
        Status.RESPONDED: lambda: (
            services.request_respond(request=accepted(), by=worker, body="已安排").request
        ),
        Status.RESOLVED: resolved,
        Status.EVALUATED: evaluated,
        Status.CLOSED: lambda: services.request_close(request=evaluated(), by=worker),
        Status.ON_AGENDA: lambda: services.request_put_on_agenda(
            request=accepted(), by=worker, meeting_title="四方会议", url="/m/1/"
        ),
        Status.RESOLVED_BY_MEETING: lambda: services.request_resolve_by_meeting(
            request=accepted(), by=worker, resolution_title="决议", url="/r/1/"
        ),
    }
    assert set(build) == set(Status.values)

    def _reach(state):
        request = Request.objects.get(pk=build[state]().pk)
        assert request.status == state
        return request

    return _reach


def run(transition, request, users):
    """Call the service of ``transition`` with valid arguments as the person who would."""
    worker, requester = users["worker"], users["representative"]
    if transition == "accept":
        services.request_accept(request=request, by=worker)
    elif transition == "reject":
        services.request_reject(request=request, by=worker, reason="不属实")
    elif transition == "respond":
        services.request_respond(request=request, by=worker, body="已安排")
    elif transition == "resolve":
        services.request_resolve(request=request, by=worker)
    elif transition == "evaluate":
        services.request_evaluate(request=request, by=requester, rating=4)
    elif transition == "auto_close":
        deadlines_process(now=timezone.now() + datetime.timedelta(days=evaluation_days() + 1))
    elif transition == "reopen":
        services.request_reopen(request=request, by=worker, reason="再看看")
    elif transition == "close":
        services.request_close(request=request, by=worker)
    elif transition == "escalate":
        services.request_escalate(request=request, by=worker, reason="需要街道协调")
    elif transition == "put_on_agenda":
        services.request_put_on_agenda(request=request, by=worker, meeting_title="四方会议", url="/m/2/")
    elif transition == "take_off_agenda":
        services.request_take_off_agenda(request=request, by=worker, meeting_title="四方会议", url="/m/2/")
    elif transition == "resolve_by_meeting":
        services.request_resolve_by_meeting(request=request, by=worker, resolution_title="决议", url="/r/2/")
    else:
        raise AssertionError(f"no service call for the transition {transition!r}; add one here")


#: The timeline event each transition appends (a transition that happened leaves one).
EVENT = {
    "accept": RequestEvent.Kind.ACCEPTED,
    "reject": RequestEvent.Kind.REJECTED,
    "respond": RequestEvent.Kind.RESPONDED,
    "resolve": RequestEvent.Kind.RESOLVED,
    "evaluate": RequestEvent.Kind.EVALUATED,
    "auto_close": RequestEvent.Kind.AUTO_CLOSED,
    "reopen": RequestEvent.Kind.REOPENED,
    "close": RequestEvent.Kind.CLOSED,
    "escalate": RequestEvent.Kind.ESCALATED,
    "put_on_agenda": RequestEvent.Kind.ON_AGENDA,
    "take_off_agenda": RequestEvent.Kind.OFF_AGENDA,
    "resolve_by_meeting": RequestEvent.Kind.RESOLVED_BY_MEETING,
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_the_service_accepts_exactly_the_states_of_the_table(transition, state, reach, users_by_role):
    request = reach(state)
    events = request.events.count()
    last = request.events.filter(kind=EVENT[transition]).count()
    try:
        run(transition, request, users_by_role)
    except ServiceError:
        refused = True
    else:
        refused = False
    request.refresh_from_db()
    happened = request.events.filter(kind=EVENT[transition]).count() > last
    if state in Request.TRANSITIONS[transition]:
        assert not refused and happened, (transition, state)
    else:
        # Refused, or (the meetings app's idempotent calls, the deadline sweep) a no-op.
        assert not happened, (transition, state)
        assert request.status == state
        if refused:
            assert request.events.count() == events


def buttons(client, request):
    page = client.get(request_url(request))
    assert page.status_code == 200
    return set(re.findall(r'id="action-(\w+)"', page.content.decode()))


@pytest.mark.parametrize("state", STATES)
def test_buttons_show_exactly_when_the_table_allows(client, state, reach, users_by_role):
    request = reach(state)
    allowed = {name for name in TRANSITION_PERMISSIONS if state in Request.TRANSITIONS[name]}
    expected = {
        # The workers triage and handle; the requester evaluates; the company handles what it
        # was assigned (the request was accepted for the property company).
        "worker": allowed - {"evaluate"},
        "representative": allowed & {"evaluate"},
        "property": allowed & {"respond", "resolve"},
    }
    for role, names in expected.items():
        client.force_login(users_by_role[role])
        assert buttons(client, request) == names, (role, state)
        for name, perm in TRANSITION_PERMISSIONS.items():
            assert rules.has_perm(perm, users_by_role[role], request) == (name in names), (role, perm)
    # A superuser passes every role rule, but not the table's states.
    client.force_login(users_by_role["admin"])
    assert buttons(client, request) == allowed - {"evaluate"}


@pytest.mark.parametrize("state", STATES)
def test_posting_a_transition_the_table_forbids_is_refused_with_the_reason(
    client, state, reach, users_by_role
):
    """Over HTTP: what the button does not offer, the service refuses (403, nothing written)."""
    data = {
        "accept": {"party": "", "due_date": "", "note": ""},
        "reject": {"reason": "不属实"},
        "respond": {"body": "已安排"},
        "resolve": {"note": ""},
        "evaluate": {"rating": "4", "comment": ""},
        "reopen": {"reason": "再看看"},
        "close": {"note": ""},
        "escalate": {"reason": "需要街道协调"},
    }
    assert set(data) == set(TRANSITION_PERMISSIONS)
    for name, fields in data.items():
        request = reach(state)
        by = users_by_role["representative" if name == "evaluate" else "worker"]
        client.force_login(by)
        url = request_url(request, "request_action", name)
        before = list(request.events.values_list("kind", flat=True))
        response = client.post(url, {f"{name}-{k}": v for k, v in fields.items()})
        after = Request.objects.get(pk=request.pk)
        kinds = list(after.events.values_list("kind", flat=True))
        if state in Request.TRANSITIONS[name]:
            assert response.status_code == 302, (name, state)
            assert kinds[len(before)] == EVENT[name], (name, state)
        else:
            assert response.status_code == 403, (name, state)
            assert (after.status, kinds) == (state, before), (name, state)
