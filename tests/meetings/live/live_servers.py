"""Real ASGI workers (uvicorn as deployed, or daphne) in subprocesses, sharing the test database
and a Redis channel layer.

Used by the concurrency and multi-worker tests. The workers read the database pytest-django
created (the test's transactional data is committed, so they see it) and a Redis database:
``workers_redis_url()``. Each run uses its own channel prefix so parallel runs never hear each other.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

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
                "DATABASE_URL": database_url(),
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
    import websockets

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
