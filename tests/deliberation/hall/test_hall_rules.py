"""One test per hall permission, checking every role (see deliberation/rules.py).

Django gives an active superuser every permission; the services still refuse what makes no sense
for them (an admin is nobody's requester and no member), so "admin" appears in every set.
"""

import pytest

from deliberation.services.requests import request_accept, request_escalate, request_reject
from tests.conftest import ROLES, as_user
from tests.factories import PropertyCompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


#: Every permission of the hall; the table in docs/permissions.md lists the same.
HALL_PERMISSIONS = {
    "deliberation.submit_request",
    "deliberation.record_request",
    "deliberation.triage_request",
    "deliberation.handle_request",
    "deliberation.support_request",
    "deliberation.evaluate_request",
    "deliberation.view_requester_contact",
    # One per transition with a button: who (above) and the states of Request.TRANSITIONS.
    "deliberation.accept_request",
    "deliberation.reject_request",
    "deliberation.respond_to_request",
    "deliberation.resolve_request",
    "deliberation.evaluate_request_now",
    "deliberation.reopen_request",
    "deliberation.close_request",
    "deliberation.escalate_request",
}


def test_every_hall_permission_is_tested_here():
    import rules

    source = open(__file__, encoding="utf-8").read()
    registered = {name for name in rules.permissions.permissions if name.startswith("deliberation.")}
    assert HALL_PERMISSIONS <= registered
    assert all(source.count(f'"{perm}"') >= 2 for perm in HALL_PERMISSIONS)


def allowed(users_by_role, perm, obj):
    return {role for role in ROLES if as_user(users_by_role[role]).has_perm(perm, obj)}


def test_submit_request(users_by_role, community):
    assert allowed(users_by_role, "deliberation.submit_request", community) == {
        "resident", "representative", "committee", "worker", "admin",
    }  # fmt: skip


def test_record_request(users_by_role, community):
    assert allowed(users_by_role, "deliberation.record_request", community) == {"worker", "admin"}


def test_triage_request(users_by_role, submit):
    request = submit()
    assert allowed(users_by_role, "deliberation.triage_request", request) == {"worker", "admin"}


def test_handle_request_follows_the_responsible_party(users_by_role, submit, categories):
    worker = users_by_role["worker"]
    for_company = request_accept(request=submit(), by=worker, party="property")
    assert allowed(users_by_role, "deliberation.handle_request", for_company) == {
        "property",
        "worker",
        "admin",
    }
    assert not UserFactory(property_company=PropertyCompanyFactory(name="别家物业")).has_perm(
        "deliberation.handle_request", for_company
    )
    for_committee = request_accept(request=submit(), by=worker, party="committee")
    assert allowed(users_by_role, "deliberation.handle_request", for_committee) == {
        "committee",
        "worker",
        "admin",
    }
    for_street = request_accept(request=submit(), by=worker, party="street")
    assert allowed(users_by_role, "deliberation.handle_request", for_street) == {"street", "worker", "admin"}
    escalated = request_escalate(
        request=request_accept(request=submit(), by=worker, party="community"),
        by=worker,
        reason="需要街道协调",
    )
    assert allowed(users_by_role, "deliberation.handle_request", escalated) == {"street", "worker", "admin"}


def test_support_request(users_by_role, submit):
    request = submit(by=users_by_role["resident"])
    assert allowed(users_by_role, "deliberation.support_request", request) == {
        "representative", "committee", "worker", "admin",
    }  # fmt: skip


def test_evaluate_request(users_by_role, submit):
    request = submit(by=users_by_role["representative"])
    assert allowed(users_by_role, "deliberation.evaluate_request", request) == {"representative", "admin"}


def test_workers_evaluate_offline_requests_on_the_requesters_behalf(users_by_role, community, categories):
    from deliberation.services.requests import request_record_offline

    offline = request_record_offline(
        community=community,
        by=users_by_role["worker"],
        channel="walk_in",
        requester_name="孙大爷",
        title="水管漏水",
        description="厨房水管漏水",
        category=categories["物业服务"],
    )
    assert allowed(users_by_role, "deliberation.evaluate_request", offline) == {"worker", "admin"}


#: transition permission → (a state it may start from, the roles that hold it there). In every
#: other state nobody holds it, not even a superuser (tests/deliberation/hall/test_transitions.py
#: enumerates the states; the buttons follow these permissions).
TRANSITION_ROLES = {
    "deliberation.accept_request": ("submitted", {"worker", "admin"}),
    "deliberation.reject_request": ("submitted", {"worker", "admin"}),
    "deliberation.respond_to_request": ("accepted", {"property", "worker", "admin"}),
    "deliberation.resolve_request": ("accepted", {"property", "worker", "admin"}),
    "deliberation.evaluate_request_now": ("resolved", {"representative", "admin"}),
    "deliberation.reopen_request": ("evaluated", {"worker", "admin"}),
    "deliberation.close_request": ("evaluated", {"worker", "admin"}),
    "deliberation.escalate_request": ("accepted", {"worker", "admin"}),
}


@pytest.mark.parametrize("perm", sorted(TRANSITION_ROLES))
def test_transition_permissions_know_who_and_the_state(perm, users_by_role, submit):
    import rules

    from deliberation.services.requests import request_evaluate, request_resolve

    worker, requester = users_by_role["worker"], users_by_role["representative"]
    state, roles = TRANSITION_ROLES[perm]
    request = submit(by=requester)
    if state != "submitted":
        request = request_accept(request=request, by=worker, party="property")
    if state in ("resolved", "evaluated"):
        request = request_resolve(request=request, by=worker)
    if state == "evaluated":
        request = request_evaluate(request=request, by=requester, rating=4)
    assert request.status == state
    assert allowed(users_by_role, perm, request) == roles
    # Asked of the rule itself (as the request page does), a superuser is no requester.
    by_rule = roles - {"admin"} if perm == "deliberation.evaluate_request_now" else roles
    assert {role for role in ROLES if rules.has_perm(perm, as_user(users_by_role[role]), request)} == by_rule
    # A state the table does not list (here: rejected): nobody, whatever their role.
    other = request_reject(request=submit(by=requester), by=worker, reason="不属实")
    assert {role for role in ROLES if rules.has_perm(perm, as_user(users_by_role[role]), other)} == set()


def test_escalating_is_once(users_by_role, submit):
    import rules

    worker = users_by_role["worker"]
    escalated = request_escalate(request=submit(), by=worker, reason="需要街道协调")
    assert escalated.status == "submitted"
    assert not rules.has_perm("deliberation.escalate_request", worker, escalated)
    assert rules.has_perm("deliberation.triage_request", worker, escalated)


def test_view_requester_contact_follows_the_assigned_party(users_by_role, submit):
    """Name, phone and intake details: the requester, the workers and the party assigned, nobody else."""
    worker = users_by_role["worker"]
    submitted = submit(by=users_by_role["resident"])
    assert allowed(users_by_role, "deliberation.view_requester_contact", submitted) == {
        "resident", "worker", "admin",
    }  # fmt: skip
    for_company = request_accept(request=submit(by=users_by_role["resident"]), by=worker, party="property")
    assert allowed(users_by_role, "deliberation.view_requester_contact", for_company) == {
        "resident", "property", "worker", "admin",
    }  # fmt: skip
    assert not UserFactory(property_company=PropertyCompanyFactory(name="别家物业")).has_perm(
        "deliberation.view_requester_contact", for_company
    )
    for_committee = request_accept(request=submit(by=users_by_role["resident"]), by=worker, party="committee")
    assert allowed(users_by_role, "deliberation.view_requester_contact", for_committee) == {
        "resident", "committee", "worker", "admin",
    }  # fmt: skip
    for_street = request_accept(request=submit(by=users_by_role["resident"]), by=worker, party="street")
    assert allowed(users_by_role, "deliberation.view_requester_contact", for_street) == {
        "resident", "street", "worker", "admin",
    }  # fmt: skip
    for_community = request_accept(request=submit(by=users_by_role["resident"]), by=worker, party="community")
    assert allowed(users_by_role, "deliberation.view_requester_contact", for_community) == {
        "resident", "worker", "admin",
    }  # fmt: skip
    escalated = request_escalate(request=for_community, by=worker, reason="需要街道协调")
    assert allowed(users_by_role, "deliberation.view_requester_contact", escalated) == {
        "resident", "street", "worker", "admin",
    }  # fmt: skip


def test_editors_manage_categories_in_the_wagtail_admin(client, users_by_role, categories):
    client.force_login(users_by_role["admin"])
    listing = client.get("/admin/snippets/deliberation/category/")
    assert listing.status_code == 200 and "设施维修" in listing.content.decode()
    category = categories["其他"]
    response = client.post(
        f"/admin/snippets/deliberation/category/edit/{category.pk}/",
        {
            "name_zh": "其他",
            "name_en": "Other matters",
            "default_party": "community",
            "sla_days": 10,
            "position": 9,
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name_en, category.sla_days) == ("Other matters", 10)
