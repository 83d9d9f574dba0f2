"""A motion names the agenda item it decides: the chair's form and ``motion.open`` send it, and a
passed motion resolves exactly the requests of that item (none when it names no item)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from cms.asgi import application
from deliberation.models import Category, Request, Role
from deliberation.services.requests import request_submit
from meetings.models import MinuteEntry, Motion
from meetings.services import motions as svc
from meetings.services.convening import agenda_item_link_requests
from meetings.services.minutes import meeting_start
from tests.factories import four_parties, make_meeting, make_member, session_cookie


def submit(community, title):
    category, _ = Category.objects.get_or_create(
        name_zh="设施维修",
        defaults={"name_en": "Facility repairs", "default_party": "property", "sla_days": 5},
    )
    requester = make_member(community, role=Role.RESIDENT)
    return request_submit(
        community=community, by=requester, title=title, description=title * 3, category=category
    )


def running_meeting(community):
    """Items A (street lamp, current: nobody pressed "next item") and B (stairwell lights), each
    with one request from the hall."""
    meeting = make_meeting(community, status="scheduled", items=2)
    people = four_parties(meeting)
    item_a, item_b = meeting.agenda_items.order_by("position")
    lamp, stairs = submit(community, "北门路灯不亮"), submit(community, "3号楼楼道灯坏了")
    agenda_item_link_requests(item=item_a, by=meeting.convener, requests=[lamp])
    agenda_item_link_requests(item=item_b, by=meeting.convener, requests=[stairs])
    meeting_start(meeting=meeting, by=people["chair"].user)
    return meeting, people, {"a": (item_a, lamp), "b": (item_b, stairs)}


def pass_motion(motion, people):
    for party in ("committee", "property", "residents"):
        svc.ballot_cast(motion=motion, by=people[party].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)


def statuses(items):
    return {key: Request.objects.get(pk=request.pk).status for key, (_item, request) in items.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("named", ["a", "b", "none"])
def test_the_http_form_names_the_item_and_only_its_requests_are_resolved(client, community, named):
    meeting, people, items = running_meeting(community)
    client.force_login(people["chair"].user)
    value = "" if named == "none" else items[named][0].pk
    client.post(
        reverse("meeting_live_motion_open", args=[meeting.pk]),
        {"text": "修复楼道灯", "rule": "simple_majority", "matter": "ordinary", "agenda_item": value},
    )
    motion = Motion.objects.get(meeting=meeting)
    assert motion.agenda_item == (None if named == "none" else items[named][0])
    pass_motion(motion, people)
    expected = {
        key: Request.Status.RESOLVED_BY_MEETING if key == named else Request.Status.ON_AGENDA for key in items
    }
    assert statuses(items) == expected
    # The decision line of the minutes sits under the item decided, not the current one.
    decision = MinuteEntry.objects.get(meeting=meeting, kind=MinuteEntry.Kind.DECISION)
    assert decision.agenda_item == motion.agenda_item


@pytest.mark.django_db
def test_the_form_shows_the_current_item_preselected_and_none_as_a_choice(client, community):
    meeting, people, items = running_meeting(community)
    client.force_login(people["chair"].user)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("meeting_live", args=[meeting.pk])).content.decode()
    item_a, item_b = items["a"][0], items["b"][0]
    assert 'name="agenda_item"' in body and 'id="motion-agenda_item"' in body
    assert f'<option value="{item_a.pk}" selected>' in body
    assert f'<option value="{item_b.pk}">' in body
    assert '<option value="">None (resolves no request)</option>' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{}, {"agenda_item": "999999"}, {"agenda_item": "x"}, {"agenda_item": "other"}]
)
def test_a_post_that_does_not_name_one_of_the_meetings_items_opens_nothing(client, community, data):
    meeting, people, _items = running_meeting(community)
    if data.get("agenda_item") == "other":
        elsewhere = make_meeting(community, items=1)
        data = {"agenda_item": elsewhere.agenda_items.get().pk}
    client.force_login(people["chair"].user)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("meeting_live_motion_open", args=[meeting.pk]),
        {"text": "修复楼道灯", "rule": "simple_majority", "matter": "ordinary", **data},
        follow=True,
    )
    assert response.status_code == 200
    assert "the agenda item it decides" in response.content.decode()
    assert not Motion.objects.filter(meeting=meeting).exists()


# --- WebSocket -------------------------------------------------------------------------------


async def chair_socket(meeting, user):
    key = await database_sync_to_async(session_cookie)(user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{meeting.pk}/live/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={key}".encode())],
    )
    connected, _code = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "hello", "last_seq": 0})
    while (await communicator.receive_json_from(timeout=3))["type"] != "hello":
        pass
    return communicator


async def reply_to(communicator, client_id):
    while True:
        message = await communicator.receive_json_from(timeout=3)
        if message.get("client_id") == client_id:
            return message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("named", ["a", "b", "none"])
async def test_motion_open_names_the_item_and_only_its_requests_are_resolved(community, named):
    meeting, people, items = await database_sync_to_async(running_meeting)(community)
    communicator = await chair_socket(meeting, people["chair"].user)
    try:
        item = None if named == "none" else items[named][0].pk
        await communicator.send_json_to(
            {"type": "motion.open", "client_id": "m1", "text": "修复楼道灯", "agenda_item": item}
        )
        assert (await reply_to(communicator, "m1"))["type"] == "ack"
    finally:
        await communicator.disconnect()
    motion = await database_sync_to_async(Motion.objects.get)(meeting=meeting)
    assert motion.agenda_item_id == item
    await database_sync_to_async(pass_motion)(motion, people)
    expected = {
        key: Request.Status.RESOLVED_BY_MEETING if key == named else Request.Status.ON_AGENDA for key in items
    }
    assert await database_sync_to_async(statuses)(items) == expected


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "fields, code",
    [({}, "bad_message"), ({"agenda_item": "x"}, "bad_message"), ({"agenda_item": 999999}, "not_found")],
)
async def test_motion_open_without_a_valid_item_of_the_meeting_opens_nothing(community, fields, code):
    meeting, people, _items = await database_sync_to_async(running_meeting)(community)
    communicator = await chair_socket(meeting, people["chair"].user)
    try:
        await communicator.send_json_to(
            {"type": "motion.open", "client_id": "m1", "text": "修复楼道灯", **fields}
        )
        reply = await reply_to(communicator, "m1")
    finally:
        await communicator.disconnect()
    assert reply["type"] == "error" and reply["code"] == code
    assert not await database_sync_to_async(Motion.objects.filter(meeting=meeting).exists)()
