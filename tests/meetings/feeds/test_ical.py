"""Every kind of generated calendar parses with icalendar and vobject and follows iTIP."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from meetings import ical
from meetings import mail as meeting_mail
from meetings.models import Meeting, Participant
from meetings.services import convening, rsvp

from .ical_checks import check_itip, only_event, parse_both

pytestmark = pytest.mark.usefixtures("english_service_messages")


def calendar_of(message) -> bytes:
    for part in message.message().walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    raise AssertionError("no calendar part")


def test_invitation_request(scheduled):
    data = meeting_mail.meeting_calendar(scheduled, method=ical.REQUEST)
    calendar = check_itip(data, method="REQUEST")
    event = only_event(data)
    assert str(event["UID"]) == f"{scheduled.uid}@meetings"
    assert event["SEQUENCE"] == scheduled.sequence
    assert event["STATUS"] == "CONFIRMED"
    assert event["ORGANIZER"].params["CN"] == "陈社工"
    assert "党群服务中心三楼" in event["LOCATION"]
    description = str(event["DESCRIPTION"])
    assert "3号楼电梯更换" in description and "小区停车收费" in description
    assert f"/meetings/{scheduled.pk}/" in description
    attendees = event["ATTENDEE"]
    assert len(attendees) == 4
    roles = {a.params["CN"]: a.params["ROLE"] for a in attendees}
    assert roles["陈社工"] == "CHAIR" and roles["刘经理"] == "REQ-PARTICIPANT"
    assert event["DTSTART"].dt == timezone.localtime(scheduled.starts_at)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"


def test_roles_for_observers_and_non_voters(ready, convener):
    observer = Participant.objects.filter(meeting=ready).exclude(role="chair").first()
    observer.role = "observer"
    observer.save()
    other = Participant.objects.filter(meeting=ready, role="member").first()
    other.votes = False
    other.save()
    assert ical.attendee_role(observer) == "NON-PARTICIPANT"
    assert ical.attendee_role(other) == "OPT-PARTICIPANT"


def test_update_and_cancel_keep_uid_and_raise_sequence(
    scheduled, convener, django_capture_on_commit_callbacks
):
    first = only_event(meeting_mail.meeting_calendar(scheduled, method=ical.REQUEST))
    with django_capture_on_commit_callbacks(execute=True):
        updated = convening.meeting_update(meeting=scheduled, by=convener, place="社区会议室")
    update = meeting_mail.meeting_calendar(updated, method=ical.REQUEST)
    check_itip(update, method="REQUEST")
    second = only_event(update)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = convening.meeting_cancel(meeting=updated, by=convener, reason="台风")
    cancel = calendar_of(django_mail.outbox[-1])
    check_itip(cancel, method="CANCEL")
    third = only_event(cancel)
    assert first["UID"] == second["UID"] == third["UID"]
    assert first["SEQUENCE"] < second["SEQUENCE"] < third["SEQUENCE"]
    assert third["STATUS"] == "CANCELLED"
    assert len(third["ATTENDEE"]) == 4, "a CANCEL of the whole meeting names every attendee"
    assert cancelled.status == Meeting.Status.CANCELLED


def test_update_carries_each_partstat(scheduled, convener, django_capture_on_commit_callbacks):
    manager = scheduled.participants.get(user__isnull=True)
    rsvp.participant_rsvp(participant=manager, partstat="DECLINED")
    with django_capture_on_commit_callbacks(execute=True):
        convening.meeting_update(meeting=scheduled, by=convener, title="四方会议：电梯与停车")
    event = only_event(calendar_of(django_mail.outbox[-1]))
    partstats = {a.params["CN"]: a.params["PARTSTAT"] for a in event["ATTENDEE"]}
    assert partstats["刘经理"] == "DECLINED"
    assert set(partstats.values()) == {"DECLINED", "NEEDS-ACTION"}


@pytest.mark.parametrize("path", ["community", "user", "download"])
def test_feeds_and_download_parse(
    client, scheduled, convener, community, path, django_capture_on_commit_callbacks
):
    # A second, cancelled meeting stays in the feeds as cancelled.
    starts = scheduled.starts_at + timedelta(days=7)
    other = convening.meeting_create(
        community=community,
        by=convener,
        title="第二次会议",
        place="会议室",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    for participant in scheduled.participants.all():
        convening.participant_add(
            meeting=other,
            by=convener,
            user=participant.user,
            name=participant.name,
            email=participant.email,
            party=participant.party,
        )
    with django_capture_on_commit_callbacks(execute=True):
        convening.meeting_schedule(meeting=other, by=convener)
        convening.meeting_cancel(meeting=other, by=convener)
    if path == "community":
        response = client.get(f"/feeds/community/{community.pk}.ics")
    elif path == "user":
        response = client.get(f"/feeds/user/{convener.feed_token}.ics")
    else:
        client.force_login(convener)
        response = client.get(f"/meetings/{scheduled.pk}/meeting.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = check_itip(response.content, method=None)
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    if path == "download":
        assert statuses == {scheduled.title: "CONFIRMED"}
    else:
        assert statuses == {scheduled.title: "CONFIRMED", "第二次会议": "CANCELLED"}


def test_empty_feed_is_still_a_valid_calendar(client, community):
    response = client.get(f"/feeds/community/{community.pk}.ics")
    calendar, _parsed = parse_both(response.content)
    assert calendar.walk("VEVENT") == []


def test_invitation_refuses_unknown_method_and_missing_time(draft):
    with pytest.raises(ValueError):
        ical.invitation(
            draft,
            participants=[],
            agenda=[],
            url="x",
            organizer=("a@b.c", "A"),
            dtstamp=timezone.now(),
            method="PUBLISH",
        )
    draft.starts_at = None
    with pytest.raises(ValueError):
        ical.invitation(
            draft, participants=[], agenda=[], url="x", organizer=("a@b.c", "A"), dtstamp=timezone.now()
        )
