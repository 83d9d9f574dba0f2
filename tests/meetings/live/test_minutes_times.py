"""Minutes carry real dates: the actual start and end and every entry's date and time, in Beijing
time (Asia/Shanghai) whatever TIME_ZONE says, on the live page, the printed minutes and in live
events; starting far from the scheduled time asks the chair first."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from cms.asgi import application
from meetings.models import LiveState, Meeting, MinuteEntry
from meetings.services import minutes as svc
from tests.factories import four_parties, make_meeting, session_cookie

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Europe/Berlin"]


def at(text):
    """A moment given in Beijing time, e.g. ``at("2026-12-05 23:50")``."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def text_of(body, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(li|span)>', body, re.S)
    assert match, element_id
    return re.sub(r"<[^>]+>", "", match.group(1))


@pytest.fixture
def late_meeting(community):
    """Scheduled 22:00, started 23:50, one entry after midnight, closed 00:40 (Beijing time)."""
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=at("2026-12-05 22:00"), ends_at=at("2026-12-05 23:59")
    )
    people = four_parties(meeting)
    with time_machine.travel(at("2026-12-05 23:50"), tick=False):
        svc.meeting_start(meeting=meeting, by=people["chair"].user)
    with time_machine.travel(at("2026-12-06 00:05"), tick=False):
        svc.minute_add(meeting=meeting, by=people["secretary"].user, kind="note", text="过了午夜")
    with time_machine.travel(at("2026-12-06 00:40"), tick=False):
        svc.meeting_close(meeting=meeting, by=people["chair"].user)
    return meeting


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ZONES)
def test_printed_minutes_show_the_actual_start_end_and_entry_dates_in_beijing_time(
    client, settings, late_meeting, zone
):
    settings.TIME_ZONE = zone
    client.cookies["django_language"] = "en"
    body = client.get(reverse("meeting_minutes_print", args=[late_meeting.pk])).content.decode()
    assert "2026-12-05 23:50" in text_of(body, "minutes-started")
    assert "2026-12-06 00:40" in text_of(body, "minutes-ended")
    assert "2026-12-05 22:00" in text_of(body, "minutes-scheduled")
    row = re.search(r'<tr data-position="1">(.*?)</tr>', body, re.S).group(1)
    assert "2026-12-06 00:05" in row and "过了午夜" in row
    assert "Beijing time" in body
    assert 'data-verified="true"' in body  # the entry's stamp is what the chain covers


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ZONES)
def test_the_live_page_shows_the_actual_start_end_and_entry_dates_in_beijing_time(
    client, settings, late_meeting, zone
):
    settings.TIME_ZONE = zone
    client.cookies["django_language"] = "en"
    body = client.get(reverse("meeting_live", args=[late_meeting.pk])).content.decode()
    assert "2026-12-05 23:50" in text_of(body, "meeting-started")
    assert "2026-12-06 00:40" in text_of(body, "meeting-ended")
    entry = re.search(r'<li class="entry[^"]*"[^>]*>(.*?)</li>', body, re.S).group(1)
    assert "2026-12-06 00:05" in entry
    assert 'datetime="2026-12-06T00:05:00+08:00"' in entry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
async def test_live_events_carry_beijing_date_and_time(settings, community, zone):
    settings.TIME_ZONE = zone
    meeting = await database_sync_to_async(make_meeting)(community, status=Meeting.Status.SCHEDULED)
    people = await database_sync_to_async(four_parties)(meeting)
    await database_sync_to_async(svc.meeting_start)(meeting=meeting, by=people["chair"].user)
    key = await database_sync_to_async(session_cookie)(people["secretary"].user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{meeting.pk}/live/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={key}".encode())],
    )
    assert (await communicator.connect())[0]
    try:
        await communicator.send_json_to({"type": "hello", "last_seq": 0})
        started = await communicator.receive_json_from(timeout=3)
        assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
        await communicator.send_json_to(
            {"type": "entry.add", "client_id": "e1", "kind": "note", "text": "记录"}
        )
        while (entry := await communicator.receive_json_from(timeout=3))["type"] != "event":
            pass
    finally:
        await communicator.disconnect()
    state = await database_sync_to_async(LiveState.objects.get)(pk=meeting.pk)
    stored = await database_sync_to_async(MinuteEntry.objects.get)(meeting=meeting)
    assert started["data"]["started_local"] == state.started_at.astimezone(SHANGHAI).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert entry["data"]["created_local"] == stored.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# --- starting far from the scheduled time ----------------------------------------------------


def scheduled_at(community, offset):
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting)
    if offset is None:
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=None)
    else:
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=datetime.datetime.now(datetime.UTC) + offset)
    return meeting, people


FAR = [
    datetime.timedelta(days=2),
    datetime.timedelta(hours=3, minutes=5),
    -datetime.timedelta(hours=3, minutes=5),
]
NEAR = [
    None,
    datetime.timedelta(0),
    datetime.timedelta(hours=2, minutes=55),
    -datetime.timedelta(hours=2, minutes=55),
]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", FAR)
def test_starting_far_from_the_scheduled_time_asks_first(client, community, offset):
    meeting, people = scheduled_at(community, offset)
    client.force_login(people["chair"].user)
    client.cookies["django_language"] = "en"
    url = reverse("meeting_live_start", args=[meeting.pk])
    response = client.post(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="start-question"' in body and "Start it now anyway?" in body
    assert 'name="confirm" value="yes"' in body and 'id="meeting-start-confirm"' in body
    scheduled = Meeting.objects.get(pk=meeting.pk).starts_at.astimezone(SHANGHAI)
    assert scheduled.strftime("%Y-%m-%d %H:%M") in body
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.SCHEDULED
    assert not LiveState.objects.filter(pk=meeting.pk, started_at__isnull=False).exists()

    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("offset", NEAR)
def test_starting_near_the_scheduled_time_needs_no_confirmation(client, community, offset):
    meeting, people = scheduled_at(community, offset)
    client.force_login(people["chair"].user)
    response = client.post(reverse("meeting_live_start", args=[meeting.pk]))
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("offset", FAR)
def test_the_service_refuses_a_far_start_without_confirm(community, offset):
    meeting, people = scheduled_at(community, offset)
    with pytest.raises(svc.StartNeedsConfirmation):
        svc.meeting_start(meeting=meeting, by=people["chair"].user)
    svc.meeting_start(meeting=meeting, by=people["chair"].user, confirm=True)
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_PROGRESS


@pytest.mark.django_db
def test_the_live_page_reads_its_state_its_entries_and_its_agenda_once(client, community):
    """The minutes shown are the minutes verified against their seal: one read of the state and
    of the entries serves both; the agenda is read once for the page and its forwarding card."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings.services import convening

    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting)
    convening.agenda_item_add(meeting=meeting, by=meeting.convener, title="电梯维修")
    svc.meeting_start(meeting=meeting, by=people["chair"].user)
    svc.minute_add(meeting=meeting, by=people["secretary"].user, kind="note", text="业主代表发言")
    svc.meeting_close(meeting=meeting, by=people["chair"].user)
    url = reverse("meeting_live", args=[meeting.pk])
    client.get(url)  # warm the per-process caches (pages, site)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert "业主代表发言" in body and "电梯维修" in body
    assert 'data-verified="true"' in body

    def reading(table):
        return [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]

    assert len(reading("meetings_livestate")) == 1, reading("meetings_livestate")
    assert len(reading("meetings_minuteentry")) == 1, reading("meetings_minuteentry")
    assert len(reading("meetings_agendaitem")) == 1, reading("meetings_agendaitem")
