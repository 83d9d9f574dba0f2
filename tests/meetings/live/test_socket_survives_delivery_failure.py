"""Issue 11, must-show 2: the live chair's socket stays connected when delivery fails.

Closing a motion that decides an agenda item resolves its requests, and each requester is told.
With the mail server down the socket handler only stores the notices; with the in-process task
backend the failed send happens at commit and is recorded, and the socket is still served."""

import pytest
from channels.db import database_sync_to_async

from deliberation.models import Delivery, Request
from meetings.models import Motion
from meetings.services import motions as motion_services
from tests.deliberation.delivery.smtp import free_port, smtp_settings
from tests.meetings.live.test_live_socket import hello, open_socket, until
from tests.meetings.live.test_motion_agenda_item import running_meeting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_chair_closes_a_motion_with_the_mail_server_down_and_stays_connected(
    settings, community, backend
):
    smtp_settings(settings, free_port())
    settings.TASKS = {"default": {"BACKEND": BACKENDS[backend]}}
    meeting, people, items = await database_sync_to_async(running_meeting)(community)
    chair = people["chair"].user
    event = await database_sync_to_async(motion_services.motion_open)(
        meeting=meeting, by=chair, text="修复路灯", rule="simple_majority", agenda_item=items["a"][0]
    )
    motion = await Motion.objects.aget(pk=event.payload["id"])
    for party in ("committee", "property", "residents"):
        await database_sync_to_async(motion_services.ballot_cast)(
            motion=motion, by=people[party].user, choice="for"
        )

    socket = await open_socket(meeting, chair)
    await hello(socket)

    await socket.send_json_to({"type": "motion.close", "client_id": "close-1", "motion": motion.pk})
    # The ack and the broadcast event arrive in either order (the event goes through the layer).
    seen = {}
    while len(seen) < 2:
        message = await until(
            socket,
            lambda m: (
                (m["type"] == "ack" and m.get("client_id") == "close-1")
                or (m["type"] == "event" and m["kind"] == "motion.closed")
            ),
        )
        seen[message["type"]] = message
    assert seen["event"]["data"]["status"] == "closed"

    lamp = items["a"][1]
    assert (await Request.objects.aget(pk=lamp.pk)).status == Request.Status.RESOLVED_BY_MEETING
    told = Delivery.objects.filter(user_id=lamp.requester_id, channel=Delivery.Channel.EMAIL)
    statuses = {d.status async for d in told}
    expected = Delivery.Status.QUEUED if backend == "database" else Delivery.Status.FAILED
    assert statuses == {expected}

    # Still connected and served: a ping is answered, and the chair can go on writing.
    await socket.send_json_to({"type": "ping"})
    assert await until(socket, lambda m: m["type"] in ("pong", "error")) == {"type": "pong"}
    await socket.send_json_to(
        {
            "type": "motion.open",
            "client_id": "m2",
            "text": "更换楼道灯",
            "rule": "simple_majority",
            "agenda_item": None,
        }
    )
    opened = await until(socket, lambda m: m["type"] == "event" and m["kind"] == "motion.opened")
    assert opened["data"]["text"] == "更换楼道灯"
    await socket.disconnect()
