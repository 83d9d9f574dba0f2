"""A live page survives a restart of the Redis that carries the channel layer (issue 14).

Two daphne workers share a redis-server that this test starts on a free port, kills, and starts
again on the same port, empty: every group membership channels-redis kept is gone with it. The
pages are plain WebSocket clients that do what the page's script (meetings/static/meetings/
live.js) does and nothing more, so the test proves what a real viewer sees: every event once, in
seq order, within seconds, including one written while Redis was down, and no socket dropped.
"""

import asyncio
import contextlib
import shutil
import subprocess
import tempfile

import pytest
from channels.db import database_sync_to_async

from meetings.live import last_seq
from meetings.models import LiveEvent, MinuteEntry
from tests.factories import four_parties, make_meeting, session_cookie

from .live_servers import Page, Workers, answered, free_port, until

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="needs the redis-server binary (`make test` installs it)"
    ),
]

#: Seconds within which every page has every event once the writes are answered (a relay checks
#: its viewers every ``meetings.live.RELAY_CHECK`` seconds).
CATCH_UP = 5


class RedisServer:
    """A redis-server of this test's own, on a free port: killed and started again at will."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="cdh-redis-restart-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        options = {"port": self.port, "bind": "127.0.0.1", "save": "", "appendonly": "no", "dir": self.dir}
        self.process = subprocess.Popen(
            [REDIS_SERVER, *(part for name, value in options.items() for part in (f"--{name}", str(value)))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await until(self.answers, 10, "redis-server to answer PING")

    async def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.process.returncode}")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            return await reader.readline() == b"+PONG\r\n"
        except OSError:
            return False
        finally:
            writer.close()

    def listened_to_by(self, workers: int):
        async def condition():
            return await self.blocked_clients() >= workers

        return condition

    async def blocked_clients(self) -> int:
        """How many connections wait in a blocking read: a daphne worker listening to the layer."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(b"CLIENT LIST\r\n")
            size = int((await reader.readline())[1:])
            clients = (await reader.readexactly(size + 2)).decode().splitlines()
        finally:
            writer.close()
        return sum(1 for client in clients if " flags=b " in f" {client} ")

    def kill(self) -> None:
        """As a crash: SIGKILL, nothing saved (the server was started without persistence)."""
        self.process.kill()
        self.process.wait()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        if self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


async def test_every_page_gets_every_event_once_in_order_across_a_redis_restart(community):
    meeting = await database_sync_to_async(make_meeting)(community)
    people = await database_sync_to_async(four_parties)(meeting)
    keys = [await database_sync_to_async(session_cookie)(people["secretary"].user) for _ in range(2)]
    start = await database_sync_to_async(last_seq)(meeting.pk)  # the seq the page is rendered with

    async with RedisServer() as redis, contextlib.AsyncExitStack() as stack:
        workers = stack.enter_context(Workers(2, redis_url=redis.url))
        # Two anonymous viewers and the secretary on each worker.
        viewers = [Page(workers, i % 2, meeting.pk, start) for i in range(4)]
        writers = [Page(workers, i, meeting.pk, start, keys[i]) for i in range(2)]
        pages = viewers + writers
        for page in pages:
            stack.push_async_callback(page.close)
        await until(lambda: all(p.greeted for p in pages), 30, "every page to be greeted")

        def everyone_has(seq):
            return lambda: all(p.last_seq == seq for p in pages)

        def seqs(wanted):
            return lambda: f"{wanted} on every page; they have {[p.last_seq for p in pages]}"

        # Before the restart: entries through either worker reach everyone.
        for i, text in enumerate(["重启前：甲", "重启前：乙"]):
            assert (await answered(writers[i], await writers[i].write(text)))["type"] == "ack"
        await until(everyone_has(start + 2), CATCH_UP, seqs(f"seq {start + 2} (before the restart)"))

        # Redis dies. A write now is stored (the database is the source of truth) and answered on
        # its socket; every page gets it all the same (checked at the end).
        redis.kill()
        during = await answered(writers[1], await writers[1].write("Redis 停机时记录"))
        assert during["type"] == "ack", during
        assert await database_sync_to_async(
            MinuteEntry.objects.filter(meeting=meeting, text="Redis 停机时记录").exists
        )()

        # Redis is back, empty: an entry is written at once, and more once both workers listen to
        # the new server (a blocking read each), where a member of a group it forgot hears nothing.
        await redis.start()
        assert (await answered(writers[0], await writers[0].write("重启后：丙")))["type"] == "ack"
        await until(redis.listened_to_by(2), 10, "both workers to listen to the new Redis")
        for i, text in enumerate(["重启后：丁", "重启后：戊"]):
            assert (await answered(writers[1 - i], await writers[1 - i].write(text)))["type"] == "ack"
        final = await database_sync_to_async(last_seq)(meeting.pk)
        assert final == start + 6
        await until(everyone_has(final), CATCH_UP, seqs(f"seq {final} (after the restart)"))

    stored = await database_sync_to_async(
        lambda: {e.seq: e.payload["text"] for e in LiveEvent.objects.filter(meeting=meeting, seq__gt=start)}
    )()
    expected = list(range(start + 1, final + 1))
    for page in pages:
        # Every event, once, in seq order; nothing sent twice, even on the wire.
        assert page.applied == expected
        assert page.received == sorted(set(page.received))
        assert page.texts == stored
        assert not page.pending and not page.notices
    # No socket was dropped for the outage: the writer got its answer on the socket it wrote on.
    assert [p.connections for p in pages] == [1] * len(pages), [p.close_codes for p in pages]
