"""One test per permission, each covering every role (see docs/permissions.md)."""

import pytest

from tests.conftest import ROLES, as_user

pytestmark = pytest.mark.django_db

# role → allowed? in the order of tests.conftest.ROLES:
# anonymous, outsider, resident, representative, committee, property, worker, street, admin
TABLE = {
    "deliberation.request_membership": "0 1 0 0 0 1 0 1 1",
    "deliberation.view_members": "0 0 0 0 0 0 1 1 1",
    "deliberation.decide_membership": "0 0 0 0 0 0 1 0 1",
    "deliberation.change_role": "0 0 0 0 0 0 1 0 1",
    "deliberation.link_owner": "0 0 0 0 0 0 1 0 1",
    "deliberation.import_roster": "0 0 0 0 0 0 1 0 1",
    "deliberation.export_roster": "0 0 0 0 0 0 1 1 1",
    # a published community; unpublished: tests/deliberation/people/test_unpublished_community.py
    "deliberation.reach_community": "1 1 1 1 1 1 1 1 1",
    # the header's links (selectors.nav_links_for); the last two take no object
    "deliberation.follow_own_requests": "0 0 1 1 1 0 0 0 1",
    "deliberation.view_company_queue": "0 0 0 0 0 1 0 0 1",
    "deliberation.oversee_street": "0 0 0 0 0 0 0 1 1",
}


def expected(perm):
    return dict(zip(ROLES, (flag == "1" for flag in TABLE[perm].split()), strict=True))


@pytest.mark.parametrize("perm", sorted(TABLE))
def test_permission_for_every_role(perm, users_by_role, community):
    got = {role: as_user(user).has_perm(perm, community) for role, user in users_by_role.items()}
    assert got == expected(perm)


@pytest.mark.parametrize(
    "perm", ["deliberation.view_members", "deliberation.decide_membership", "deliberation.link_owner"]
)
def test_workers_and_officers_of_other_places_have_no_say(perm, community, other_community):
    from deliberation.models import Role
    from tests.factories import UserFactory, make_member, make_street

    other_worker = make_member(other_community, role=Role.WORKER)
    other_street_officer = UserFactory(street_office=make_street(title="另一街道"))
    assert not other_worker.has_perm(perm, community)
    assert not other_street_officer.has_perm(perm, community)


def test_table_lists_every_registered_deliberation_permission():
    import rules

    from tests.deliberation.hall.test_hall_rules import (
        HALL_PERMISSIONS,  # request permissions, tested per request there
    )
    from tests.deliberation.outbox.test_outbox_rules import OUTBOX_PERMISSIONS

    registered = {name for name in rules.permissions.permissions if name.startswith("deliberation.")}
    assert registered == set(TABLE) | HALL_PERMISSIONS | OUTBOX_PERMISSIONS


def test_a_request_asks_the_role_once_through_its_lazy_user_and_the_user_inside(worker, community):
    """``request.user`` is a lazy wrapper; ``request.user.has_perm`` reaches the predicates with
    the user inside it. Both remember the role in one place: one query for the whole request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.functional import SimpleLazyObject

    from deliberation.models import Role, User
    from deliberation.selectors import remembered_membership_role

    lazy = SimpleLazyObject(lambda: User.objects.get(pk=worker.pk))
    with CaptureQueriesContext(connection) as queries:
        assert remembered_membership_role(lazy, community) == Role.WORKER
        assert lazy.has_perm("deliberation.decide_membership", community)
        assert lazy.has_perm("deliberation.view_members", community)
        assert remembered_membership_role(lazy, community) == Role.WORKER
    role_queries = [q for q in queries.captured_queries if '"deliberation_membership"' in q["sql"]]
    assert len(role_queries) == 1, role_queries
    # the roles of one person are not another's: a new request, a new user object, asks again
    assert remembered_membership_role(SimpleLazyObject(lambda: User.objects.get(pk=worker.pk)), community)


@pytest.mark.parametrize("role", ["resident", "worker", "outsider"])
def test_a_page_reads_the_person_s_memberships_once_for_its_rules_and_its_header(
    client, users_by_role, community, other_community, role
):
    """The first role a page asks reads the person's role in every community they belong to, with
    the communities the header lists: one query of memberships for the page, whatever it asks
    (here a community they may or may not belong to, and another they do not)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliberation.selectors import hall_url

    client.force_login(users_by_role[role])
    for page in (hall_url(community), hall_url(other_community)):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        reads = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT "deliberation_membership".')
        ]
        assert len(reads) == 1, reads
