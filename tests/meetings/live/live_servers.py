"""Real ASGI workers (uvicorn as deployed, or daphne) in subprocesses, sharing the test database
and a Redis channel layer.

Used by the concurrency and multi-worker tests. The workers read the database pytest-django
created (the test's transactional data is committed, so they see it) and a Redis database:
``workers_redis_url()``. Each run uses its own channel prefix so parallel runs never hear each other.
"""

import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import websockets
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[3]
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"


def workers_redis_url(default=DEFAULT_REDIS_URL) -> str:
    """The Redis that workers started by a test share: ``REDIS_URL`` when the run uses Redis,
    else ``TEST_REDIS_URL`` (the redis-server ``make test`` starts on a free port for the run,
    see ``scripts/test-env.sh``), else the local default Redis of a bare ``pytest`` run."""
    return os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL") or default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def database_env() -> dict[str, str]:
    """What a worker started by a test needs to reach the test database: its URL and, on
    PostgreSQL, Django's connection pool, as deployed (README, docs/deploy.md); without the pool
    every database call of a socket message opens a new server connection."""
    env = {"DATABASE_URL": database_url()}
    if connection.vendor == "postgresql":
        env["DATABASE_POOL"] = "1"
    return env


def server_command(server: str, port: int) -> list[str]:
    if server == "uvicorn":  # docs/deploy.md, "ASGI server (measured)"
        return [
            sys.executable, "-m", "uvicorn", "cms.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--lifespan", "off", "--no-access-log",
            "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
        ]  # fmt: skip
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cms.asgi:application"]


class Workers:
    """Start ``n`` workers of ``server``; use as a context manager so they always stop."""

    def __init__(self, n=2, *, redis_url=None, extra_env=None, server="daphne"):
        self.server = server
        self.ports = [free_port() for _ in range(n)]
        self.redis_url = redis_url or workers_redis_url()
        self.prefix = f"cdhtest{uuid.uuid4().hex[:10]}"
        self.extra_env = extra_env or {}
        self.processes = []
        # Server errors go to a file, not a pipe: a pipe nobody reads fills up and stalls the server.
        self.log = tempfile.NamedTemporaryFile(prefix=f"{server}-", suffix=".log", delete=False)

    def log_tail(self, size=4000) -> str:
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()[-size:]

    def env(self):
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "cms.settings.test",
                **database_env(),
                "REDIS_URL": self.redis_url,
                "CHANNEL_PREFIX": self.prefix,
                "CACHE_PREFIX": self.prefix,
                "PYTHONPATH": str(BASE_DIR),
                "LOG_LEVEL": "ERROR",
                # The live socket accepts exact origins only: each worker's own address.
                "SITE_URL": self.origin(0),
                "CSRF_TRUSTED_ORIGINS": ",".join(self.origin(i) for i in range(len(self.ports))),
            }
        )
        env.update(self.extra_env)
        return env

    def __enter__(self):
        env = self.env()
        for port in self.ports:
            self.processes.append(
                subprocess.Popen(
                    server_command(self.server, port),
                    cwd=BASE_DIR,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=self.log,
                )
            )
        deadline = time.monotonic() + 60
        for port, process in zip(self.ports, self.processes, strict=True):
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.server} on {port} exited: {self.log_tail(2000)}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.server} on {port} did not start")
                time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if exc[0] is not None:
            sys.stderr.write(f"--- {self.server} log ---\n{self.log_tail()}\n")
        self.log.close()
        os.unlink(self.log.name)

    def url(self, i, meeting_id):
        return f"ws://127.0.0.1:{self.ports[i]}/ws/meetings/{meeting_id}/live/"

    def origin(self, i):
        return f"http://127.0.0.1:{self.ports[i]}"


async def connect(workers, i, meeting_id, session_key=None):
    headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
    return await websockets.connect(
        workers.url(i, meeting_id),
        origin=workers.origin(i),
        additional_headers=headers,
        max_queue=None,
        open_timeout=30,
    )


async def hello(ws, last_seq=0):
    await ws.send(json.dumps({"type": "hello", "last_seq": last_seq}))
    events = []
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "hello":
            return events
        if message["type"] == "event":
            events.append(message)


class Balancer:
    """One port in front of the workers, as nginx's ``proxy_next_upstream`` is in production:
    each new connection goes to the next worker in turn, and to the one after it when that one
    refuses (a killed worker). It forwards bytes and nothing else (the WebSocket handshake and
    frames pass through untouched), and remembers which worker each client's connection went to.
    Pass it where a ``Workers`` is expected: ``url`` and ``origin`` ignore the worker index."""

    def __init__(self, workers):
        self.workers = workers
        self.port = free_port()
        self.turn = 0
        self.upstream_of = {}  # the client's local port -> the worker index it was sent to
        self.server = None

    def url(self, _i, meeting_id):
        return f"ws://127.0.0.1:{self.port}/ws/meetings/{meeting_id}/live/"

    def origin(self, _i=0):
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def handle(self, client_reader, client_writer):
        ports = self.workers.ports
        self.turn += 1
        for step in range(len(ports)):
            index = (self.turn + step) % len(ports)
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", ports[index])
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        self.upstream_of[client_writer.get_extra_info("peername")[1]] = index

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    def worker_of(self, socket) -> int:
        """The worker a client's open WebSocket went to."""
        return self.upstream_of[socket.local_address[1]]


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
