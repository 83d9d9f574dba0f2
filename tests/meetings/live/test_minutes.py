"""Running a meeting through the services and the live page: entries, agenda, close, hash chain."""

import pytest
from django.urls import reverse
from django.utils import translation

from cms.services import ServiceError
from meetings.models import LiveEvent, Meeting, MinuteEntry
from meetings.services import minutes as svc
from tests.factories import add_participant, four_parties, make_meeting
from tests.tampering import tampering

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages are matched in English (the site's default language is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def meeting(community):
    return make_meeting(community, status=Meeting.Status.SCHEDULED, items=3)


@pytest.fixture
def people(meeting):
    return four_parties(meeting, present=False)


def test_start_sets_the_first_agenda_item_and_numbers_events(meeting, people):
    chair = people["chair"].user
    started = svc.meeting_start(meeting=meeting, by=chair)
    assert started.seq == 1 and started.kind == "meeting.started"
    first = meeting.agenda_items.first()
    assert started.payload["current_item"] == first.pk
    with pytest.raises(ServiceError):
        svc.meeting_start(meeting=meeting, by=chair)
    moved = svc.agenda_advance(meeting=meeting, by=chair, client_id="a1")
    assert moved.seq == 2 and moved.payload["title"] == "议题 2"
    assert svc.agenda_advance(meeting=meeting, by=chair, client_id="a1").seq == 2  # retry
    svc.agenda_advance(meeting=meeting, by=chair)
    with pytest.raises(ServiceError, match="last agenda item"):
        svc.agenda_advance(meeting=meeting, by=chair)


def test_entries_need_a_started_meeting_text_and_a_party_for_statements(meeting, people):
    secretary = people["secretary"].user
    with pytest.raises(ServiceError):
        svc.minute_add(meeting=meeting, by=secretary, kind="note", text="太早了")
    svc.meeting_start(meeting=meeting, by=secretary)
    with pytest.raises(ServiceError):
        svc.minute_add(meeting=meeting, by=secretary, kind="note", text="   ")
    with pytest.raises(ServiceError):
        svc.minute_add(meeting=meeting, by=secretary, kind="statement", text="物业表示……")
    with pytest.raises(ServiceError):
        svc.minute_add(meeting=meeting, by=secretary, kind="gossip", text="x")
    event = svc.minute_add(
        meeting=meeting, by=secretary, kind="statement", party="property", text="物业表示同意"
    )
    entry = MinuteEntry.objects.get()
    assert event.payload["id"] == entry.pk and entry.agenda_item == meeting.agenda_items.first()
    assert entry.prev_hash == "" and len(entry.hash) == 64


def test_quorum_needs_every_party(meeting, people):
    svc.meeting_start(meeting=meeting, by=people["chair"].user)
    for key in ("chair", "committee", "property"):
        event = svc.attendance_check_in(meeting=meeting, participant=people[key], by=people["secretary"].user)
    assert event.payload["quorum"] == {
        "present": {"committee": 1, "property": 1, "residents": 0, "community": 1},
        "missing": ["residents"],
        "ok": False,
    }
    assert (
        svc.attendance_check_in(meeting=meeting, participant=people["chair"], by=people["secretary"].user)
        is None
    )
    event = svc.attendance_check_in(
        meeting=meeting, participant=people["residents"], by=people["secretary"].user
    )
    assert event.payload["quorum"]["ok"] is True


def test_self_check_in_with_the_code(meeting, people):
    participant = add_participant(meeting)
    state = svc.live_state(meeting)
    with pytest.raises(ServiceError):
        svc.attendance_self_check_in(meeting=meeting, user=participant.user, code="nope")
    assert (
        svc.attendance_self_check_in(meeting=meeting, user=participant.user, code=state.checkin_code).kind
        == "attendance"
    )


def run_meeting(meeting, people):
    secretary = people["secretary"].user
    svc.meeting_start(meeting=meeting, by=people["chair"].user)
    for text in ("宣布开会", "物业汇报电梯维修方案", "居民代表提出费用疑问"):
        svc.minute_add(meeting=meeting, by=secretary, kind="note", text=text)
    svc.meeting_close(meeting=meeting, by=people["chair"].user)


def test_closing_finalises_the_minutes_and_the_chain_verifies(meeting, people):
    run_meeting(meeting, people)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED
    verification = svc.minutes_verify(meeting=meeting)
    assert verification.ok and verification.finalised and verification.checked == 3
    with pytest.raises(ServiceError, match="finalised"):
        svc.minute_add(meeting=meeting, by=people["secretary"].user, kind="note", text="补一句")
    with pytest.raises(ServiceError):
        svc.agenda_advance(meeting=meeting, by=people["secretary"].user)
    assert LiveEvent.objects.filter(meeting=meeting).last().kind == "meeting.closed"


def test_an_altered_entry_fails_verification_on_the_page(client, meeting, people):
    run_meeting(meeting, people)
    url = reverse("meeting_live", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert 'data-verified="true"' in page and "Verified" in page or "已核验" in page

    with tampering(MinuteEntry):  # the database refuses the update: only its owner can force it
        MinuteEntry.objects.filter(meeting=meeting, position=2).update(text="物业汇报电梯维修方案（已改）")
    verification = svc.minutes_verify(meeting=meeting)
    assert not verification.ok and verification.broken_at == 2
    client.cookies["django_language"] = "en"
    for name in ("meeting_live", "meeting_minutes_print"):
        page = client.get(reverse(name, args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-verified="false"' in page
        assert "Verification failed: entry 2" in page


def test_deleting_the_last_entry_fails_verification(meeting, people):
    run_meeting(meeting, people)
    MinuteEntry.objects.filter(meeting=meeting, position=3).delete()
    assert not svc.minutes_verify(meeting=meeting).ok


def test_rehashing_an_altered_entry_still_breaks_the_chain(meeting, people):
    run_meeting(meeting, people)
    entry = MinuteEntry.objects.get(meeting=meeting, position=2)
    entry.text = "改写"
    entry.hash = svc.entry_hash(entry, entry.prev_hash)
    with tampering(MinuteEntry):  # the database refuses the update: only its owner can force it
        entry.save()
    verification = svc.minutes_verify(meeting=meeting)
    assert not verification.ok and verification.broken_at == 3


def test_close_refuses_while_a_motion_is_open(meeting, people):
    from meetings.services.motions import motion_open

    svc.meeting_start(meeting=meeting, by=people["chair"].user)
    motion_open(meeting=meeting, by=people["chair"].user, text="动议", agenda_item=None)
    with pytest.raises(ServiceError, match="open motions"):
        svc.meeting_close(meeting=meeting, by=people["chair"].user)


def test_printable_minutes_list_attendance_entries_motions_and_signatures(client, meeting, people):
    svc.meeting_start(meeting=meeting, by=people["chair"].user)
    svc.attendance_check_in(meeting=meeting, participant=people["committee"], by=people["secretary"].user)
    svc.minute_add(meeting=meeting, by=people["secretary"].user, kind="decision", text="同意更换门禁")
    svc.meeting_close(meeting=meeting, by=people["chair"].user)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("meeting_minutes_print", args=[meeting.pk])).content.decode()
    assert "同意更换门禁" in page
    assert people["committee"].name in page
    assert "Signatures" in page and "signature-line" in page
    assert "@media print" not in page  # print rules live in the stylesheet
    assert "meetings/css/live.css" in page
