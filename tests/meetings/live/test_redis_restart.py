"""A live page survives a restart of the Redis that carries the channel layer (issue 14).

Two daphne workers share a redis-server that this test starts on a free port, kills, and starts
again on the same port, empty: every group membership channels-redis kept is gone with it. The
pages are plain WebSocket clients that do what the page's script (meetings/static/meetings/
live.js) does and nothing more, so the test proves what a real viewer sees: every event once, in
seq order, within seconds, including one written while Redis was down, and no socket dropped.
"""

import asyncio
import contextlib
import json
import random
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
import websockets
from channels.db import database_sync_to_async

from meetings.live import last_seq
from meetings.models import LiveEvent, MinuteEntry
from tests.factories import four_parties, make_meeting, session_cookie

from .live_servers import Workers, connect, free_port

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


async def until(condition, timeout, what):
    """Wait until ``condition()`` (sync or async) holds; fail after ``timeout`` seconds, saying
    ``what`` (or what ``what()`` returns then)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what() if callable(what) else what}")
        await asyncio.sleep(0.02)


class Page:
    """One open live page, behaving as live.js does and with no power it lacks.

    - On every (re)connect it sends ``hello`` with the last seq it applied.
    - Events are applied strictly in seq order; one that arrives early waits, and one ``replay``
      is asked per gap; an event at or below the last seq is ignored.
    - After a close it reconnects with the script's backoff (0.5 s * 2^attempt, at most 10 s,
      with the same jitter), and re-sends unanswered writes, with their client_id, after hello.
    - It sends no heartbeat: the script has none.
    """

    def __init__(self, workers, worker, meeting_id, seq, session_key=None):
        self.workers, self.worker = workers, worker
        self.meeting_id, self.session_key = meeting_id, session_key
        self.last_seq = seq
        self.ahead = {}
        self.replay_asked = 0
        self.pending = {}  # client_id -> message
        self.answers = {}  # client_id -> the ack or error that answered it
        self.notices = []  # errors without a client_id
        self.applied = []  # the seqs applied, in order
        self.texts = {}  # seq -> entry text
        self.received = []  # every event seq that arrived, over all connections
        self.connections = 0
        self.greeted = False
        self.close_codes = []
        self.socket = None
        self.task = asyncio.create_task(self.run())

    async def run(self):
        attempt = 0
        while True:
            try:
                ws = await connect(self.workers, self.worker, self.meeting_id, self.session_key)
            except (OSError, TimeoutError, websockets.InvalidHandshake):
                ws = None  # the browser calls onclose for a socket that never opened
            if ws is not None:
                attempt = 0
                self.socket, self.greeted = ws, False
                self.connections += 1
                await ws.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
                with contextlib.suppress(websockets.ConnectionClosed):
                    async for text in ws:
                        await self.receive(json.loads(text))
                self.socket = None
                self.close_codes.append(ws.close_code)
            attempt += 1
            await asyncio.sleep(min(10, 0.5 * 2 ** min(attempt, 5)) * (0.75 + random.random() / 2))

    async def send(self, message) -> bool:
        if self.socket is None:
            return False
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.socket.send(json.dumps(message, ensure_ascii=False))
            return True
        return False

    async def write(self, text) -> str:
        client_id = str(uuid.uuid4())
        message = {"type": "entry.add", "client_id": client_id, "kind": "note", "text": text}
        self.pending[client_id] = message
        await self.send(message)
        return client_id

    async def receive(self, message):
        kind = message["type"]
        if kind == "event":
            return await self.on_event(message)
        if kind == "hello":
            assert not message.get("reset"), "the page would reload: the server knows a different past"
            self.greeted = True
            for pending in list(self.pending.values()):
                await self.send(pending)
        elif kind in ("ack", "error"):
            client_id = message.get("client_id")
            if client_id in self.pending:
                del self.pending[client_id]
                self.answers[client_id] = message
            elif kind == "error":
                self.notices.append(message)

    async def on_event(self, event):
        seq = event["seq"]
        self.received.append(seq)
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            self.ahead[seq] = event
            if self.replay_asked != self.last_seq:
                self.replay_asked = self.last_seq
                await self.send({"type": "replay", "since": self.last_seq})
            return
        self.apply(event)
        while self.last_seq + 1 in self.ahead:
            self.apply(self.ahead.pop(self.last_seq + 1))

    def apply(self, event):
        self.applied.append(event["seq"])
        if event["kind"] == "entry":
            self.texts[event["seq"]] = event["data"]["text"]
        self.last_seq = event["seq"]

    async def close(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        if self.socket is not None:
            await self.socket.close()


async def answered(page, client_id, timeout=10):
    await until(lambda: client_id in page.answers, timeout, f"an answer to {client_id}")
    return page.answers[client_id]


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
