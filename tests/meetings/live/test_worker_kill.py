"""A worker killed mid-meeting (issue 14): its viewers reconnect, through the one port in front of
the workers, to another worker and miss nothing; a write that was in flight when it died is sent
again by the page and stored once.

Two uvicorn workers (the server chosen by measurement, docs/deploy.md) share Redis behind a
``Balancer`` that does what nginx's ``proxy_next_upstream`` does. The pages are the plain clients
of ``live_servers.Page``, which do what meetings/static/meetings/live.js does and nothing more.
"""

import contextlib

import pytest
from channels.db import database_sync_to_async

from meetings.live import last_seq
from meetings.models import LiveEvent, MinuteEntry
from tests.factories import four_parties, make_meeting, session_cookie

from .live_servers import Balancer, Page, Workers, answered, until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

#: Seconds for a page to notice the close, wait its backoff (about a second) and catch up.
RECONNECT = 15


async def test_viewers_of_a_killed_worker_reconnect_to_another_and_miss_nothing(community):
    meeting = await database_sync_to_async(make_meeting)(community)
    people = await database_sync_to_async(four_parties)(meeting)
    key = await database_sync_to_async(session_cookie)(people["secretary"].user)
    start = await database_sync_to_async(last_seq)(meeting.pk)

    workers = Workers(2, server="uvicorn")
    balancer = Balancer(workers)
    workers.extra_env = {"SITE_URL": balancer.origin(), "CSRF_TRUSTED_ORIGINS": balancer.origin()}
    async with balancer, contextlib.AsyncExitStack() as stack:
        stack.enter_context(workers)
        viewers = [Page(balancer, 0, meeting.pk, start) for _ in range(5)]
        writer = Page(balancer, 0, meeting.pk, start, key)
        pages = [*viewers, writer]
        for page in pages:
            stack.push_async_callback(page.close)
        await until(lambda: all(p.greeted for p in pages), 30, "every page to be greeted")
        first = {id(p): balancer.worker_of(p.socket) for p in pages}
        assert set(first.values()) == {0, 1}  # the balancer spread the pages over both workers

        def everyone_has(seq):
            return lambda: all(p.last_seq == seq for p in pages)

        def seqs(wanted):
            return lambda: f"seq {wanted} on every page; they have {[p.last_seq for p in pages]}"

        assert (await answered(writer, await writer.write("停机前"), timeout=10))["type"] == "ack"
        await until(everyone_has(start + 1), 10, seqs(start + 1))

        # The writer's worker dies (SIGKILL: no goodbye to any socket) with a write just sent.
        doomed = first[id(writer)]
        in_flight = await writer.write("停机那一刻写的")
        workers.processes[doomed].kill()
        workers.processes[doomed].wait()
        assert (await answered(writer, in_flight, timeout=RECONNECT))["type"] == "ack"
        assert (await answered(writer, await writer.write("停机后"), timeout=10))["type"] == "ack"
        final = await database_sync_to_async(last_seq)(meeting.pk)
        assert final == start + 3
        await until(everyone_has(final), RECONNECT, seqs(final))
        now = {id(p): balancer.worker_of(p.socket) for p in pages}

    stored = await database_sync_to_async(
        lambda: {e.seq: e.payload["text"] for e in LiveEvent.objects.filter(meeting=meeting, seq__gt=start)}
    )()
    assert sorted(stored.values()) == sorted(["停机前", "停机那一刻写的", "停机后"])
    assert (
        await database_sync_to_async(  # the page sent it again; the server stored it once
            MinuteEntry.objects.filter(meeting=meeting, text="停机那一刻写的").count
        )()
        == 1
    )
    expected = list(range(start + 1, final + 1))
    for page in pages:
        assert page.applied == expected  # every event, once, in order
        assert page.received == sorted(set(page.received))
        assert page.texts == stored
        assert not page.pending and not page.notices
        if first[id(page)] == doomed:  # moved to the surviving worker, once
            assert page.connections == 2 and now[id(page)] != doomed
        else:  # never dropped
            assert page.connections == 1 and now[id(page)] == first[id(page)]
