"""A person who chose no name is shown by role on meeting pages, the live minutes and in calendars,
never by their address (item 5, deliberation/people.py)."""

import pytest
from django.core import mail

from deliberation.models import Role, User
from meetings.models import Party
from meetings.services import convening
from meetings.services.minutes import meeting_close, meeting_start, minute_add
from tests.factories import in_english, make_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_service_messages")]

QUIET = "quiet.rep@example.org"


def test_a_participant_without_a_name_is_shown_by_role_never_by_address(
    client, community, ready, convener, django_capture_on_commit_callbacks
):
    rep = make_member(community, role=Role.REPRESENTATIVE, display_name="", email=QUIET)
    participant = convening.participant_add(meeting=ready, by=convener, user=rep, party=Party.RESIDENTS)
    assert participant.name == "Resident representative"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = convening.meeting_schedule(meeting=ready, by=convener)
    # Their own invitation still reaches their address.
    assert [QUIET] in [m.to for m in mail.outbox]

    User.objects.filter(pk=convener.pk).update(display_name="")
    convener.refresh_from_db()
    meeting_start(meeting=meeting, by=convener, confirm=True)
    event = minute_add(meeting=meeting, by=convener, kind="note", text="会议开始")
    assert event.payload["author"] == "Community worker"
    assert "@" not in str(event.payload)
    meeting_close(meeting=meeting, by=convener)

    for url in (
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/live/",
        f"/meetings/{meeting.pk}/minutes/print/",
        f"/feeds/community/{community.pk}.ics",
    ):
        body = client.get(url).content.decode()
        assert QUIET not in body, url
        assert "convener@example.org" not in body, url
    in_english(client)
    assert "Resident representative" in client.get(f"/meetings/{meeting.pk}/minutes/print/").content.decode()
    assert "Community worker" in client.get(f"/meetings/{meeting.pk}/").content.decode()
