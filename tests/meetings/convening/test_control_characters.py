"""Control characters: forms refuse them with a clear message; mail, calendars and the reminder
loop never fail on text that is already stored (old data, imports, the admin)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.core.management import call_command
from icalendar import Calendar

from meetings import mail as meeting_mail
from meetings.models import Meeting
from meetings.selectors import meetings_url
from meetings.services import convening
from tests.factories import add_four_parties, in_english, soon

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_service_messages")]

# No NUL: PostgreSQL cannot store it, so no old data holds one.
BROKEN_TITLE = "四方会议\r\n第二行\x0b\x07"
BROKEN_PLACE = "三楼\n会议室"


def _store_broken(meeting):
    """As old data would be: written straight to the database, past every form."""
    Meeting.objects.filter(pk=meeting.pk).update(title=BROKEN_TITLE, place=BROKEN_PLACE)
    return Meeting.objects.get(pk=meeting.pk)


def local(dt):
    from django.utils import timezone

    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "四方会议\n第二行", "Write this on one line, without line breaks."),
        ("title", "四方\r会议", "Write this on one line, without line breaks."),
        ("place", "三楼\u2028会议室", "Write this on one line, without line breaks."),
        ("title", "四方\x0b会议", "Write this on one line, without line breaks."),
        ("title", "四方\x07会议", "invisible control characters"),
        ("place", "三楼\x00", "invisible control characters"),
        ("description", "第一行\x1b[31m", "invisible control characters"),
    ],
)
def test_meeting_form_refuses_control_characters_with_a_message(
    client, community, convener, field, value, message
):
    in_english(client).force_login(convener)
    starts, ends = soon()
    data = {
        "title": "四方会议",
        "kind": "four_party",
        "place": "党群服务中心",
        "starts_at": local(starts),
        "ends_at": local(ends),
        "visibility": "public",
        "description": "",
    }
    data[field] = value
    response = client.post(meetings_url(community, "meeting_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_multi_line_text_keeps_line_breaks_and_normalises_them(client, community, convener):
    in_english(client).force_login(convener)
    starts, ends = soon()
    response = client.post(
        meetings_url(community, "meeting_create"),
        {
            "title": "四方会议",
            "kind": "four_party",
            "place": "党群服务中心",
            "starts_at": local(starts),
            "ends_at": local(ends),
            "visibility": "public",
            "description": "第一行\r\n第二行\r第三行\t完",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get().description == "第一行\n第二行\n第三行\t完"


def test_invitation_of_a_meeting_with_a_stored_line_break_invites_everyone(
    client, ready, convener, django_capture_on_commit_callbacks
):
    """Used to be a 500 after the state was committed, with nobody invited."""
    meeting = _store_broken(ready)
    in_english(client).force_login(convener)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/meetings/{meeting.pk}/invite/",
            {"starts_at": local(meeting.starts_at), "ends_at": local(meeting.ends_at)},
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED
    invited = sorted(m.to[0] for m in django_mail.outbox)
    assert invited == sorted(p.address for p in meeting.participants.all() if p.address)
    for message in django_mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject and "\x0b" not in message.subject
        assert "四方会议 第二行" in message.subject
        message.message()  # builds the MIME message: headers are checked here
        calendar = Calendar.from_ical(message.calendar)
        event = calendar.walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == "四方会议 第二行"
        assert str(event["LOCATION"]) == "三楼 会议室"


def test_ics_of_a_meeting_with_stored_control_characters_is_valid(client, scheduled, convener):
    meeting = _store_broken(scheduled)
    participant = meeting.participants.filter(user__isnull=False).first()
    participant.name = "张\n建国\x1b"
    participant.save(update_fields=["name"])
    response = client.get(f"/meetings/{meeting.pk}/meeting.ics")
    assert response.status_code == 200
    body = response.content
    assert b"\x07" not in body and b"\x0b" not in body and b"\x1b" not in body
    assert all(line.endswith(b"\r") or not line for line in body.split(b"\n"))
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "四方会议 第二行"
    feed = client.get(f"/feeds/user/{convener.feed_token}.ics")
    assert feed.status_code == 200
    attendees = [str(a.params["CN"]) for a in Calendar.from_ical(feed.content).walk("VEVENT")[0]["ATTENDEE"]]
    assert "张 建国" in attendees


def test_process_deadlines_goes_on_past_a_failing_meeting_and_does_not_mark_it(
    community, convener, monkeypatch, caplog, capsys, django_capture_on_commit_callbacks
):
    """Three meetings due for their reminder: one with a broken stored title (reminded all the
    same), one whose mail fails (logged, not marked, reminded on the next run), one ordinary."""
    meetings = []
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("甲会议", "乙会议", "丙会议"):
            starts, ends = soon(days=2)
            meeting = convening.meeting_create(
                community=community, by=convener, title=title, place="三楼", starts_at=starts, ends_at=ends
            )
            add_four_parties(meeting, community, convener)
            meetings.append(convening.meeting_schedule(meeting=meeting, by=convener))
    broken, failing, ordinary = meetings
    _store_broken(broken)
    real_send = meeting_mail.notify_participants

    def send_failing_for_one(*, meeting, **kwargs):
        if meeting.pk == failing.pk:
            raise ConnectionRefusedError("mail server down")
        return real_send(meeting=meeting, **kwargs)

    monkeypatch.setattr(meeting_mail, "notify_participants", send_failing_for_one)
    django_mail.outbox.clear()
    with time_machine.travel(broken.starts_at - timedelta(hours=23), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines")
    assert capsys.readouterr().out.strip().endswith("meetings_reminded=2")
    assert f"Reminder of meeting {failing.pk} failed" in caplog.text
    reminded = {m.pk: m.reminder_sent_at for m in Meeting.objects.filter(pk__in=[m.pk for m in meetings])}
    assert reminded[broken.pk] is not None and reminded[ordinary.pk] is not None
    assert reminded[failing.pk] is None
    subjects = {m.subject for m in django_mail.outbox}
    assert any("四方会议 第二行" in s for s in subjects) and any("丙会议" in s for s in subjects)
    assert not any("乙会议" in s for s in subjects)

    monkeypatch.setattr(meeting_mail, "notify_participants", real_send)
    django_mail.outbox.clear()
    with time_machine.travel(broken.starts_at - timedelta(hours=22), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("process_deadlines")
    assert capsys.readouterr().out.strip().endswith("meetings_reminded=1")
    assert Meeting.objects.get(pk=failing.pk).reminder_sent_at is not None
    assert {m.subject for m in django_mail.outbox} and all("乙会议" in m.subject for m in django_mail.outbox)
