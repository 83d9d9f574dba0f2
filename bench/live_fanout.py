#!/usr/bin/env python
"""Fan-out benchmark of the live minutes: N viewers, a burst of minute entries.

Measures, in one run:

1. ours: one daphne worker serving ``/ws/meetings/<id>/live/`` (the real consumer: origin and
   session checks, each entry stored with its seq and hash before it is broadcast), N anonymous
   viewers on a public meeting, a burst of ``--events`` entries sent by ``--writers`` secretary
   connections;
2. plain: the same N viewers and burst through a bare ``websockets`` broadcast server (no
   database, no auth, no channel layer) in its own process.

For each it prints the time from the first write until every viewer has every event, and the
messages lost (expected minus distinct received; must be 0). The last line is
``ratio=<ours/plain>``.

Usage (about a minute on 2 cores with the defaults; the first run also migrates a SQLite file):

    .venv/bin/python bench/live_fanout.py                # 1000 viewers, 50 events, 5 writers
    .venv/bin/python bench/live_fanout.py --viewers 200 --events 20
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/live_fanout.py --layer redis

Flags: ``--viewers N`` (1000), ``--events M`` (50), ``--writers W`` (5; each sends M/W entries,
below the per-connection rate limit), ``--layer memory|redis`` (memory; redis uses ``REDIS_URL``
or redis://127.0.0.1:6379/3), ``--db PATH`` (SQLite file reused between runs,
``.bench/live_fanout.sqlite3``), ``--timeout S`` (60).
"""

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

PLAIN_SERVER = r"""
import asyncio, sys
import websockets

clients = set()

async def handler(ws):
    clients.add(ws)
    try:
        async for message in ws:
            websockets.broadcast(clients, message)
    finally:
        clients.discard(ws)

async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_queue=None):
        await asyncio.Future()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited early")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def setup_django(args):
    db = Path(args.db).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    if args.layer == "redis":
        os.environ["REDIS_URL"] = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"
        os.environ["CHANNEL_PREFIX"] = f"cdhbench{uuid.uuid4().hex[:8]}"
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_meeting():
    """A public, running meeting with a secretary; returns (meeting id, secretary session key)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from cms.models import CommunityPage, HomePage, StreetOfficePage
    from deliberation.models import User
    from meetings.models import Meeting, Participant

    home = HomePage.objects.get(depth=2)
    street = StreetOfficePage.objects.filter(slug="bench-street").first()
    if street is None:
        street = StreetOfficePage(title="基准街道", slug="bench-street")
        home.add_child(instance=street)
    community = CommunityPage.objects.filter(slug="bench-community").first()
    if community is None:
        community = CommunityPage(title="基准社区", slug="bench-community", area="-", support_threshold=3)
        street.add_child(instance=community)
    secretary, _ = User.objects.get_or_create(
        email="bench-secretary@example.org", defaults={"username": "bench-sec"}
    )
    meeting = Meeting.objects.create(
        community=community,
        title=f"基准会议 {timezone.now():%H:%M:%S}",
        status=Meeting.Status.IN_PROGRESS,
        visibility=Meeting.Visibility.PUBLIC,
        convener=secretary,
    )
    Participant.objects.create(
        meeting=meeting, user=secretary, name="书记员", party="community", role="secretary"
    )
    session = SessionStore()
    session["_auth_user_id"] = str(secretary.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = secretary.get_session_auth_hash()
    session.create()
    return meeting.pk, session.session_key


async def open_viewers(url, origin, n, *, ours):
    import websockets

    async def one():
        ws = await websockets.connect(
            url, origin=origin, max_queue=None, open_timeout=120, ping_interval=None
        )
        if ours:
            await ws.send(json.dumps({"type": "hello", "last_seq": 0}))
            while json.loads(await ws.recv())["type"] != "hello":
                pass
        return ws

    viewers = []
    for start in range(0, n, 100):  # connect in waves so the server's accept queue is not flooded
        viewers += await asyncio.gather(*(one() for _ in range(min(100, n - start))))
    return viewers


async def receive_all(ws, expected, deadline, ours):
    seen = set()
    while len(seen) < expected:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            break
        message = json.loads(raw)
        if ours and message.get("type") != "event":
            continue
        seen.add(message["seq"])
    return seen, time.monotonic()


async def burst(viewers, writers, events, ours, timeout):
    per_writer = -(-events // len(writers))
    start = time.monotonic()
    deadline = start + timeout
    receivers = [asyncio.create_task(receive_all(ws, events, deadline, ours)) for ws in viewers]
    n = 0
    for w, ws in enumerate(writers):
        for i in range(per_writer):
            if n >= events:
                break
            n += 1
            if ours:
                message = {
                    "type": "entry.add",
                    "client_id": uuid.uuid4().hex,
                    "kind": "note",
                    "text": f"第{w}-{i}条",
                }
            else:
                message = {"type": "event", "seq": n, "kind": "entry", "data": {"text": f"第{w}-{i}条"}}
            await ws.send(json.dumps(message, ensure_ascii=False))
    results = await asyncio.gather(*receivers)
    base = min(min(seen) for seen, _ in results if seen) - 1 if ours else 0
    lost = sum(len(set(range(base + 1, base + events + 1)) - seen) for seen, _ in results)
    elapsed = max(at for _, at in results) - start
    return elapsed, lost


async def run_ours(args, meeting_id, session_key, port):
    import websockets

    url, origin = f"ws://127.0.0.1:{port}/ws/meetings/{meeting_id}/live/", f"http://127.0.0.1:{port}"
    viewers = await open_viewers(url, origin, args.viewers, ours=True)
    writers = []
    for _ in range(args.writers):
        ws = await websockets.connect(
            url, origin=origin, additional_headers={"Cookie": f"sessionid={session_key}"}, max_queue=None
        )
        # Writers send no hello, so the server forwards them no events: they only write.
        writers.append(ws)
    try:
        return await burst(viewers, writers, args.events, True, args.timeout)
    finally:
        await asyncio.gather(*(ws.close() for ws in viewers + writers), return_exceptions=True)


async def run_plain(args, port):
    import websockets

    url, origin = f"ws://127.0.0.1:{port}/", f"http://127.0.0.1:{port}"
    viewers = await open_viewers(url, origin, args.viewers, ours=False)
    writers = [await websockets.connect(url, origin=origin, max_queue=None) for _ in range(args.writers)]
    try:
        # Writers are clients too and hear the broadcast; they are not counted.
        return await burst(viewers, writers, args.events, False, args.timeout)
    finally:
        await asyncio.gather(*(ws.close() for ws in viewers + writers), return_exceptions=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--db", default=str(BASE_DIR / ".bench" / "live_fanout.sqlite3"))
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    t0 = time.monotonic()
    setup_django(args)
    meeting_id, session_key = make_meeting()
    print(
        f"setup (migrate + meeting) {time.monotonic() - t0:.1f}s; viewers={args.viewers} events={args.events} "
        f"writers={args.writers} layer={args.layer}",
        flush=True,
    )

    ours_port, plain_port = free_port(), free_port()
    env = dict(
        os.environ, LOG_LEVEL="ERROR", PYTHONPATH=str(BASE_DIR), SITE_URL=f"http://127.0.0.1:{ours_port}"
    )
    daphne = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(ours_port), "cms.asgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    plain = subprocess.Popen([sys.executable, "-c", PLAIN_SERVER, str(plain_port)], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(ours_port, daphne)
        wait_for_port(plain_port, plain)
        ours_time, ours_lost = asyncio.run(run_ours(args, meeting_id, session_key, ours_port))
        print(f"ours:  every viewer had every event after {ours_time:.3f}s; lost={ours_lost}", flush=True)
        plain_time, plain_lost = asyncio.run(run_plain(args, plain_port))
        print(f"plain: every viewer had every event after {plain_time:.3f}s; lost={plain_lost}", flush=True)
    finally:
        for process in (daphne, plain):
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
    print(f"messages lost: {ours_lost + plain_lost}")
    print(f"ratio={ours_time / plain_time:.2f}")
    sys.exit(1 if ours_lost or plain_lost else 0)


if __name__ == "__main__":
    main()
