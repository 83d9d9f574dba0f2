"""The six-digit check-in code cannot be guessed: wrong codes are limited per person and per
meeting, over HTTP and over the socket alike (both call ``attendance_self_check_in``)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.messages import get_messages
from django.urls import reverse

from cms.asgi import application
from meetings.models import Attendance, Meeting
from meetings.services import minutes as minutes_svc
from tests.factories import add_participant, make_meeting, session_cookie

LIMIT_MESSAGE = "Too many wrong check-in codes for this meeting"
WRONG_MESSAGE = "That is not the meeting's check-in code."


@pytest.fixture
def meeting(community):
    return make_meeting(community, status=Meeting.Status.SCHEDULED)


@pytest.fixture
def code(meeting):
    return minutes_svc.live_state(meeting).checkin_code


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def check_in(client, meeting, participant, code):
    """POST the code as ``participant``; return the message the page will show."""
    client.force_login(participant.user)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("meeting_live_check_in_self", args=[meeting.pk]), {"code": code})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


@pytest.mark.django_db
def test_after_too_many_wrong_codes_even_the_right_one_is_refused(client, meeting, code):
    guesser = add_participant(meeting)
    for _ in range(minutes_svc.CHECKIN_ATTEMPTS_PER_PERSON):
        assert check_in(client, meeting, guesser, wrong(code)) == WRONG_MESSAGE
    message = check_in(client, meeting, guesser, code)
    assert message.startswith(LIMIT_MESSAGE) and "ask the secretary" in message
    assert not Attendance.objects.filter(participant=guesser).exists()
    # Another participant is not held back by one person's limit.
    neighbour = add_participant(meeting)
    assert check_in(client, meeting, neighbour, code) == "You are checked in."
    assert Attendance.objects.filter(participant=neighbour).exists()


@pytest.mark.django_db
def test_the_limit_is_per_meeting_as_well(client, meeting, code, monkeypatch, community):
    """Many accounts each staying under their own limit still exhaust the meeting's."""
    monkeypatch.setattr(minutes_svc, "CHECKIN_ATTEMPTS_PER_MEETING", 7)
    guessers = [add_participant(meeting) for _ in range(4)]
    sent = 0
    for guesser in guessers:
        for _ in range(2):
            message = check_in(client, meeting, guesser, wrong(code))
            sent += 1
            assert message == WRONG_MESSAGE if sent <= 7 else message.startswith(LIMIT_MESSAGE)
    latecomer = add_participant(meeting)
    message = check_in(client, meeting, latecomer, code)
    assert message.startswith(LIMIT_MESSAGE)
    assert not Attendance.objects.filter(meeting=meeting).exists()
    # Another meeting's code is not affected.
    other = make_meeting(community, status=Meeting.Status.SCHEDULED)
    other_participant = add_participant(other, user=latecomer.user)
    other_code = minutes_svc.live_state(other).checkin_code
    assert check_in(client, other, other_participant, other_code) == "You are checked in."


@pytest.mark.django_db
def test_the_chinese_message(client, meeting, code):
    guesser = add_participant(meeting)
    client.force_login(guesser.user)
    url = reverse("meeting_live_check_in_self", args=[meeting.pk])
    for _ in range(minutes_svc.CHECKIN_ATTEMPTS_PER_PERSON):
        client.post(url, {"code": wrong(code)})
    response = client.post(url, {"code": code}, follow=True)
    assert "签到码错误次数过多" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_wrong_codes_over_http_count_on_the_socket_too(community):
    from django.test import Client

    meeting = await database_sync_to_async(make_meeting)(community, status=Meeting.Status.SCHEDULED)
    code = await database_sync_to_async(lambda: minutes_svc.live_state(meeting).checkin_code)()
    guesser = await database_sync_to_async(add_participant)(meeting)

    def guess_over_http():
        client = Client()
        for _ in range(minutes_svc.CHECKIN_ATTEMPTS_PER_PERSON):
            check_in(client, meeting, guesser, wrong(code))

    await database_sync_to_async(guess_over_http)()
    key = await database_sync_to_async(session_cookie)(guesser.user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{meeting.pk}/live/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={key}".encode())],
    )
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"type": "checkin.self", "client_id": "s1", "code": code})
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and reply["code"] == "refused"
    assert await database_sync_to_async(Attendance.objects.filter(participant=guesser).exists)() is False
    await communicator.disconnect()
