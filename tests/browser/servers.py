"""ASGI workers (daphne) in subprocesses, serving the pytest test database.

pytest-django's ``live_server`` is a threaded WSGI server in the test process: it is what the
journeys use when they need to read ``django.core.mail.outbox``. It cannot speak WebSocket, so
whatever needs the live channel (live minutes) or more than one process (the two-worker smoke
test) starts real daphne workers here, with ``tests.browser.server_settings``: the test
settings plus static files from the app folders and mail written to files that
``read_mails`` parses.
"""

import email
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from django.conf import settings

from tests.meetings.live.live_servers import database_env, free_port


@dataclass
class AsgiWorker:
    port: int
    process: subprocess.Popen
    log: Path
    url: str = field(init=False)

    def __post_init__(self):
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def spawn_daphne(*, log_dir: Path, mail_dir: Path, env: dict | None = None) -> AsgiWorker:
    """Start ``daphne cms.asgi:application`` on a free port (``wait_ready`` before use)."""
    port = free_port()
    log = log_dir / f"daphne-{port}.log"
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        **database_env(),
        "TEST_MAIL_DIR": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
        # The live socket accepts the site's exact origin only: this worker's own address.
        "SITE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    worker_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cms.asgi:application"],
            cwd=settings.BASE_DIR,
            env=worker_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return AsgiWorker(port=port, process=process, log=log)


def wait_ready(worker: AsgiWorker, timeout: float = 60) -> AsgiWorker:
    """Wait until the worker serves ``/`` with 200; stop it and raise with its log if not."""
    process, log = worker.process, worker.log
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{worker.url}/", timeout=5) as response:
                if response.status == 200:
                    return worker
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    worker.stop()
    raise RuntimeError(f"daphne did not answer on {worker.url} within {timeout}s:\n{log.read_text()}")


def read_mails(mail_dir: Path) -> list[Message]:
    """Messages written by Django's file-based mail backend (one or more per ``.log`` file)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages
