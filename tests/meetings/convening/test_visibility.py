"""For every role, meeting state and visibility, the lists and the meeting's pages agree.

A meeting shows in the community's meeting list (and in the person's private feed, the community's
public feed) exactly when its page, its live page and its resolutions page open; otherwise the pages
answer 403 (a login redirect for anonymous visitors). ``EXPECTED`` states the rule
(docs/permissions.md, "Who sees a meeting"), so the test also pins what is seen, not only that
the two agree.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.models import Building, Role
from deliberation.services.owners import owner_link
from meetings.models import Meeting, Participant, Party
from meetings.selectors import meetings_url
from tests.conftest import as_user
from tests.factories import (
    HouseholdFactory,
    OwnerFactory,
    PropertyCompanyFactory,
    UserFactory,
    make_member,
    make_street,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "email_only",  # invited by email without an account: on the site they are an anonymous visitor
    "resident",
    "resident_elsewhere",
    "representative",
    "committee",
    "owner",  # a member linked to an owner on the roster (art. 278 votes)
    "property",
    "property_elsewhere",
    "worker",
    "worker_elsewhere",
    "street",
    "street_elsewhere",
    "admin",
    "invitee",  # a participant with an account and no role in the community
]
INSIDERS = {"resident", "representative", "committee", "owner", "street"}
STAFF = {"worker", "admin"}
STATUSES = list(Meeting.Status.values)
VISIBILITIES = list(Meeting.Visibility.values)


def expected(role, status, visibility) -> bool:
    """The rule, as docs/permissions.md states it."""
    if role in STAFF or role == "invitee":
        return True
    if status == Meeting.Status.DRAFT:
        return False
    return visibility == Meeting.Visibility.PUBLIC or role in INSIDERS


@pytest.fixture
def people(community, other_community, street, company):
    worker = make_member(community, role=Role.WORKER)
    owner_user = make_member(community)
    owner = OwnerFactory(
        household=HouseholdFactory(
            building=Building.objects.get_or_create(community=community, name="9号楼")[0]
        )
    )
    owner_link(owner=owner, user=owner_user, by=worker)
    return {
        "anonymous": None,
        "email_only": None,
        "resident": make_member(community),
        "resident_elsewhere": make_member(other_community),
        "representative": make_member(community, role=Role.REPRESENTATIVE),
        "committee": make_member(community, role=Role.COMMITTEE),
        "owner": owner_user,
        "property": UserFactory(property_company=company),
        "property_elsewhere": UserFactory(property_company=PropertyCompanyFactory(name="别家物业")),
        "worker": worker,
        "worker_elsewhere": make_member(other_community, role=Role.WORKER),
        "street": UserFactory(street_office=street),
        "street_elsewhere": UserFactory(street_office=make_street(title="别的街道")),
        "admin": UserFactory(is_superuser=True, is_staff=True),
        "invitee": UserFactory(),
    }


def make(community, people, status, visibility) -> Meeting:
    start = timezone.now() + timedelta(days=3)
    meeting = Meeting.objects.create(
        community=community,
        convener=people["worker"],
        title=f"议事会 {status} {visibility}",
        status=status,
        visibility=visibility,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    Participant.objects.create(meeting=meeting, user=people["invitee"], name="邻居", party=Party.RESIDENTS)
    Participant.objects.create(meeting=meeting, email="guest@example.org", name="来宾", party=Party.PROPERTY)
    return meeting


def in_list(client, community, meeting) -> bool:
    response = client.get(meetings_url(community))
    assert response.status_code == 200
    return f'href="/meetings/{meeting.pk}/"' in response.content.decode()


def page_opens(client, url, *, anonymous) -> bool:
    response = client.get(url)
    if response.status_code == 200:
        return True
    if anonymous:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    else:
        assert response.status_code == 403, (url, response.status_code)
    return False


def in_feed(client, url, meeting) -> bool:
    response = client.get(url)
    assert response.status_code == 200
    return f"SUMMARY:{meeting.title}" in response.content.decode()


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("status", STATUSES)
def test_lists_and_pages_agree_for_every_role(client, community, people, status, visibility):
    meeting = make(community, people, status, visibility)
    pages = [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/live/",
        f"/meetings/{meeting.pk}/resolutions/",
    ]
    public_feed = in_feed(client, f"/feeds/community/{community.pk}.ics", meeting)
    wrong = {}
    for role in ROLES:
        user = people[role]
        client.logout()
        if user is not None:
            client.force_login(user)
        listed = in_list(client, community, meeting)
        opened = [page_opens(client, url, anonymous=user is None) for url in pages]
        seen = {
            "list": listed,
            "pages": opened,
            "view_meeting": as_user(user).has_perm("meetings.view_meeting", meeting),
        }
        want = expected(role, status, visibility)
        if seen != {"list": want, "pages": [want] * len(pages), "view_meeting": want}:
            wrong[role] = seen
        # The feeds list only meetings whose page the reader may open.
        if user is not None and in_feed(client, f"/feeds/user/{user.feed_token}.ics", meeting):
            assert opened[0], role
    if public_feed:
        assert expected("anonymous", status, visibility)
    assert wrong == {}, f"{status} {visibility}: {wrong}"


def test_an_invitee_finds_the_draft_they_can_open_in_the_list(client, community, people):
    """The one place list and page disagreed before: an invited participant could open a draft the
    community's meeting list hid from them."""
    meeting = make(community, people, Meeting.Status.DRAFT, Meeting.Visibility.MEMBERS)
    client.force_login(people["invitee"])
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert in_list(client, community, meeting)
    client.force_login(people["resident"])
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 403
    assert not in_list(client, community, meeting)
