"""Hostile values on the live WebSocket: huge ids and control characters are refused with a
message, nothing is stored, and the socket stays usable."""

import pytest

from meetings.models import MinuteEntry
from tests.factories import four_parties

from .test_live_socket import hello, open_socket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def secretary(meeting):
    return four_parties(meeting)["secretary"].user


async def test_huge_ids_and_control_characters_are_refused_and_nothing_is_stored(meeting, secretary):
    communicator = await open_socket(meeting, secretary)
    await hello(communicator)
    for message in (
        {"type": "checkin", "client_id": "c1", "participant": "99999999999999999999999"},
        {"type": "checkin", "client_id": "c2", "participant": 99999999999999999999999},
        {"type": "checkin", "client_id": "c3", "participant": -1},
        {"type": "entry.add", "client_id": "e1", "kind": "note", "text": "会议\x00开始\x0b"},
    ):
        await communicator.send_json_to(message)
        reply = await communicator.receive_json_from(timeout=3)
        assert reply["type"] == "error" and reply["code"] == "bad_message", (message, reply)
    await communicator.send_json_to(
        {"type": "entry.add", "client_id": "e2", "kind": "note", "text": "第一行\r\n第二行"}
    )
    replies = {
        m["type"]: m for m in [await communicator.receive_json_from(), await communicator.receive_json_from()]
    }
    assert replies["event"]["data"]["text"] == "第一行\n第二行"
    await communicator.disconnect()
    texts = [entry.text async for entry in MinuteEntry.objects.filter(meeting=meeting)]
    assert texts == ["第一行\n第二行"]
