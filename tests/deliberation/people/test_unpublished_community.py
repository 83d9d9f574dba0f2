"""An unpublished community (Wagtail ``live=False``, still being set up) answers 404 to the public
and to its own residents; its workers and site admins reach it to prepare it."""

import pytest
from django.urls import reverse

from deliberation.models import Category
from deliberation.selectors import hall_url
from deliberation.services.requests import request_submit
from meetings.models import Resolution
from meetings.selectors import meetings_url
from meetings.services import motions as svc
from tests.conftest import ROLES, as_user
from tests.factories import four_parties, make_meeting

pytestmark = pytest.mark.django_db

REACHES = {"worker", "admin"}


@pytest.fixture
def unpublished(community, users_by_role):
    """A community with a request, a public meeting and a resolution; then unpublished."""
    request = request_submit(
        community=community,
        by=users_by_role["resident"],
        title="路灯坏了",
        description="北门路灯不亮",
        category=Category.objects.first(),
    )
    meeting = make_meeting(community)
    people = four_parties(meeting)
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text="更换路灯", agenda_item=None)
    from meetings.models import Motion

    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)
    resolution = Resolution.objects.get(motion=motion)
    community.unpublish()
    return {"request": request, "meeting": meeting, "resolution": resolution}


def _urls(community, objects):
    return [
        hall_url(community),
        meetings_url(community),
        reverse("community_resolutions", args=[community.pk]),
        reverse("feed_community", args=[community.pk]),
        objects["request"].get_absolute_url(),
        reverse("meeting_detail", args=[objects["meeting"].pk]),
        reverse("meeting_live", args=[objects["meeting"].pk]),
        reverse("meeting_resolutions", args=[objects["meeting"].pk]),
        reverse("resolution_detail", args=[objects["resolution"].pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_unpublished_community_is_404_except_to_its_workers(
    client, community, users_by_role, unpublished, role
):
    user = users_by_role[role]
    if user is not None:
        client.force_login(user)
    for url in _urls(community, unpublished):
        status = client.get(url).status_code
        if role in REACHES:
            assert status == 200, (role, url, status)
        else:
            assert status == 404, (role, url, status)


@pytest.mark.parametrize("role", ROLES)
def test_reach_community_rule_for_every_role(community, users_by_role, role):
    user = as_user(users_by_role[role])
    assert user.has_perm("deliberation.reach_community", community)
    community.unpublish()
    community.refresh_from_db()
    assert user.has_perm("deliberation.reach_community", community) == (role in REACHES)
