"""Calendar feeds: private per user (revocable token), public per community (public meetings only)."""

import icalendar
import pytest

from meetings.models import Meeting
from meetings.services import convening
from tests.factories import soon

pytestmark = pytest.mark.usefixtures("english_service_messages")


def summaries(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.fixture
def private_meeting(scheduled, convener, community, django_capture_on_commit_callbacks):
    """A members-only meeting with the same participants as ``scheduled``."""
    starts, ends = soon(days=9)
    meeting = convening.meeting_create(
        community=community,
        by=convener,
        title="业委会内部协调会",
        place="社区会议室",
        starts_at=starts,
        ends_at=ends,
        visibility=Meeting.Visibility.MEMBERS,
    )
    for p in scheduled.participants.all():
        convening.participant_add(
            meeting=meeting, by=convener, user=p.user, name=p.name, email=p.email, party=p.party
        )
    with django_capture_on_commit_callbacks(execute=True):
        return convening.meeting_schedule(meeting=meeting, by=convener)


def test_user_feed_lists_own_meetings(client, scheduled, private_meeting):
    rep = scheduled.participants.get(party="residents").user
    assert summaries(client.get(f"/feeds/user/{rep.feed_token}.ics")) == {
        scheduled.title,
        private_meeting.title,
    }


def test_revoked_token_returns_404(client, scheduled):
    rep = scheduled.participants.get(party="residents").user
    old = rep.feed_token
    client.force_login(rep)
    client.post("/feeds/regenerate/")
    rep.refresh_from_db()
    assert rep.feed_token != old
    assert client.get(f"/feeds/user/{old}.ics").status_code == 404
    assert summaries(client.get(f"/feeds/user/{rep.feed_token}.ics")) == {scheduled.title}


def test_another_users_token_never_shows_someone_elses_private_meetings(
    client, private_meeting, users_by_role
):
    for role in ("outsider", "resident", "property", "street", "admin"):
        user = users_by_role[role]
        assert private_meeting.title not in summaries(client.get(f"/feeds/user/{user.feed_token}.ics"))


def test_unknown_token_returns_404(client, db):
    assert client.get("/feeds/user/not-a-token.ics").status_code == 404


def test_community_feed_never_shows_members_only_meetings(client, community, scheduled, private_meeting):
    titles = summaries(client.get(f"/feeds/community/{community.pk}.ics"))
    assert scheduled.title in titles
    assert private_meeting.title not in titles


def test_feeds_leave_out_drafts_and_polls_but_keep_cancelled(client, community, scheduled, convener):
    starts, ends = soon(days=12)
    convening.meeting_create(
        community=community, by=convener, title="草稿会议", starts_at=starts, ends_at=ends
    )
    assert "草稿会议" not in summaries(client.get(f"/feeds/community/{community.pk}.ics"))
    assert "草稿会议" not in summaries(client.get(f"/feeds/user/{convener.feed_token}.ics"))
    convening.meeting_cancel(meeting=scheduled, by=convener)
    calendar = icalendar.Calendar.from_ical(client.get(f"/feeds/community/{community.pk}.ics").content)
    (event,) = calendar.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"


def test_profile_shows_feed_and_webcal(client, scheduled):
    rep = scheduled.participants.get(party="residents").user
    client.force_login(rep)
    html = client.get("/profile/").content.decode()
    assert f"/feeds/user/{rep.feed_token}.ics" in html and "webcal://" in html
    detail = client.get(f"/meetings/{scheduled.pk}/").content.decode()
    assert f"/feeds/community/{scheduled.community_id}.ics" in detail
    assert "webcal://" in detail
    assert f"/meetings/{scheduled.pk}/meeting.ics" in detail


def test_public_calendars_never_list_attendee_addresses(client, community, scheduled):
    for url in (f"/feeds/community/{community.pk}.ics", f"/meetings/{scheduled.pk}/meeting.ics"):
        body = client.get(url).content
        assert b"ATTENDEE" not in body and b"manager@wuye.example" not in body
    rep = scheduled.participants.get(party="residents").user
    private = client.get(f"/feeds/user/{rep.feed_token}.ics").content
    assert b"ATTENDEE" in private


def test_public_calendars_name_the_organiser_without_any_address(client, community, scheduled, convener):
    """The community feed and "add to calendar" show the convener by name and carry no e-mail."""
    for url in (f"/feeds/community/{community.pk}.ics", f"/meetings/{scheduled.pk}/meeting.ics"):
        body = client.get(url).content
        assert b"@example" not in body and b"mailto:" not in body.lower()
        assert b"@" not in body.replace(b"@meetings", b"")  # only the UID's domain part
        (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert str(event["ORGANIZER"].params["CN"]) == "陈社工"
    private = client.get(f"/feeds/user/{convener.feed_token}.ics").content
    assert b"mailto:convener@example.org" in private


def test_a_convener_without_a_name_appears_by_role_in_public_calendars(
    client, community, scheduled, convener
):
    User = type(convener)
    User.objects.filter(pk=convener.pk).update(display_name="")
    body = client.get(f"/feeds/community/{community.pk}.ics").content
    assert b"convener@example.org" not in body and b"mailto:" not in body.lower()
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["ORGANIZER"].params["CN"]) == "社区工作者"
