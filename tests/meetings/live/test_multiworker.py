"""Two ASGI worker processes sharing Redis and the database: entries reach viewers on both."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from meetings.models import LiveEvent
from tests.factories import four_parties, make_meeting, session_cookie

from .live_servers import Workers, connect, hello

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def collect(ws, n, timeout=30):
    events = []
    async with asyncio.timeout(timeout):
        while len(events) < n:
            message = json.loads(await ws.recv())
            if message["type"] == "event":
                events.append(message)
    return events


async def write_entries(ws, prefix, n):
    for i in range(n):
        await ws.send(
            json.dumps(
                {"type": "entry.add", "client_id": f"{prefix}-{i}", "kind": "note", "text": f"{prefix}{i}"}
            )
        )
    acks = 0
    async with asyncio.timeout(30):
        while acks < n:
            if json.loads(await ws.recv())["type"] == "ack":
                acks += 1


@pytest.mark.parametrize("server", ["uvicorn", "daphne"])
async def test_entries_written_through_either_worker_reach_viewers_on_both_in_seq_order(community, server):
    meeting = await database_sync_to_async(make_meeting)(community)
    people = await database_sync_to_async(four_parties)(meeting)
    secretary_key = await database_sync_to_async(session_cookie)(people["secretary"].user)
    worker_key = await database_sync_to_async(session_cookie)(meeting.convener)

    with Workers(2, server=server) as workers:
        viewers = [await connect(workers, 0, meeting.pk), await connect(workers, 1, meeting.pk)]
        for viewer in viewers:
            assert await hello(viewer) == []
        writer_a = await connect(workers, 0, meeting.pk, secretary_key)
        writer_b = await connect(workers, 1, meeting.pk, worker_key)
        try:
            # Both workers write at the same time; 12 entries in all.
            await asyncio.gather(write_entries(writer_a, "甲", 6), write_entries(writer_b, "乙", 6))
            received = await asyncio.gather(*(collect(viewer, 12) for viewer in viewers))
        finally:
            for ws in [*viewers, writer_a, writer_b]:
                await ws.close()

    stored = await database_sync_to_async(
        lambda: list(LiveEvent.objects.filter(meeting=meeting).order_by("seq").values_list("seq", "payload"))
    )()
    assert [seq for seq, _ in stored] == list(range(1, 13))
    for events in received:
        assert [e["seq"] for e in events] == list(range(1, 13))
        assert [e["data"]["text"] for e in events] == [payload["text"] for _, payload in stored]
    texts = sorted(e["data"]["text"] for e in received[0])
    assert texts == sorted([f"甲{i}" for i in range(6)] + [f"乙{i}" for i in range(6)])
