"""One test per meeting permission, each covering every role (see tests/conftest.py: users_by_role)."""

import pytest

from meetings.models import Meeting, Participant, Party
from meetings.selectors import meetings_url
from tests.conftest import ROLES, as_user


def meeting_for(
    community, users_by_role, *, status=Meeting.Status.SCHEDULED, visibility=Meeting.Visibility.PUBLIC
):
    meeting = Meeting.objects.create(
        community=community,
        convener=users_by_role["worker"],
        title="四方会议",
        status=status,
        visibility=visibility,
    )
    # The representative sits in the meeting; nobody else of the roles does.
    Participant.objects.create(
        meeting=meeting, user=users_by_role["representative"], name="代表", party=Party.RESIDENTS
    )
    return meeting


def check(perm, obj, users_by_role, allowed):
    assert set(allowed) <= set(ROLES)
    got = {role for role in ROLES if as_user(users_by_role[role]).has_perm(perm, obj)}
    assert got == set(allowed), perm


def test_convene_meeting(community, users_by_role):
    check("meetings.convene_meeting", community, users_by_role, {"worker", "admin"})


def test_convene_meeting_in_another_community(other_community, users_by_role):
    check("meetings.convene_meeting", other_community, users_by_role, {"admin"})


@pytest.mark.parametrize("perm", ["meetings.change_meeting", "meetings.cancel_meeting"])
def test_change_and_cancel_meeting(perm, community, users_by_role):
    check(perm, meeting_for(community, users_by_role), users_by_role, {"worker", "admin"})


def test_view_public_meeting(community, users_by_role):
    check("meetings.view_meeting", meeting_for(community, users_by_role), users_by_role, set(ROLES))


def test_view_members_only_meeting(community, users_by_role):
    meeting = meeting_for(community, users_by_role, visibility=Meeting.Visibility.MEMBERS)
    check(
        "meetings.view_meeting",
        meeting,
        users_by_role,
        {"resident", "representative", "committee", "worker", "street", "admin"},
    )


def test_view_draft_meeting(community, users_by_role):
    meeting = meeting_for(community, users_by_role, status=Meeting.Status.DRAFT)
    check("meetings.view_meeting", meeting, users_by_role, {"representative", "worker", "admin"})


@pytest.mark.parametrize("perm", ["meetings.answer_poll", "meetings.rsvp_meeting"])
def test_answer_poll_and_rsvp(perm, community, users_by_role, client):
    meeting = meeting_for(community, users_by_role)
    # Django lets an active superuser pass every check; the view still refuses a non-participant.
    check(perm, meeting, users_by_role, {"representative", "admin"})
    client.force_login(users_by_role["admin"])
    assert client.post(f"/meetings/{meeting.pk}/rsvp/", {"partstat": "ACCEPTED"}).status_code == 403


def test_views_enforce_the_rules(client, community, users_by_role):
    meeting = meeting_for(community, users_by_role, visibility=Meeting.Visibility.MEMBERS)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 302, "anonymous people log in"
    client.force_login(users_by_role["outsider"])
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 403
    assert client.get(meetings_url(community, "meeting_create")).status_code == 403
    client.force_login(users_by_role["resident"])
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/cancel/").status_code == 403
    client.force_login(users_by_role["worker"])
    assert client.get(meetings_url(community, "meeting_create")).status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 200
