#!/usr/bin/env python
"""Fan-out benchmark of the live minutes: N viewers, a burst of minute entries.

Measures, in one run:

1. ours: ``--workers`` ASGI worker processes (``--server`` uvicorn, daphne or granian, each run
   with the command line of docs/deploy.md, "ASGI server (measured)") serving
   ``/ws/meetings/<id>/live/`` (the real consumer: origin and session checks, each entry stored
   with its seq and hash before it is broadcast), N anonymous viewers on a public meeting, a
   burst of ``--events`` entries sent by ``--writers`` secretary connections. Each worker listens
   on a port of its own and the viewers and writers are dealt round-robin over the ports (what a
   reverse proxy's upstream list does, and an exactly even spread, which one shared port under
   the kernel's accept balancing is not). Several workers share the Redis channel layer;
2. plain: the same N viewers and burst through a bare ``websockets`` broadcast server (no
   database, no auth, no channel layer) in one process of its own. One process, whatever
   ``--workers`` says: a plain broadcast cannot span processes without a broker, and the single
   process that holds every viewer is the floor we measure ourselves against. It sends frames
   uncompressed, as our servers do. ``--plain-compression deflate`` gives it the permessage-
   deflate that ``websockets`` negotiates by default (the baseline of the issue's first figures),
   which compresses every frame once per viewer: at 1,000 viewers 1.1-1.3 s of server CPU
   against 0.6-0.9 s uncompressed.

The client offers permessage-deflate, as browsers do. For each side it prints the time from the
first write until every viewer has every event, the messages lost (expected minus distinct
received; must be 0), and the CPU seconds the server processes and this client spent on the
burst: on a machine shared with other benchmarks the times are noisy and the CPU much less so.
The last lines are ``server CPU ratio=<ours/plain>`` and ``ratio=<ours/plain>`` (of the times).

Usage (about a minute on 2 cores with the defaults; the first run also migrates a SQLite file):

    .venv/bin/python bench/live_fanout.py                # 1000 viewers, 50 events, 5 writers
    .venv/bin/python bench/live_fanout.py --viewers 200 --events 20
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/live_fanout.py --layer redis
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/live_fanout.py --workers 3 --viewers 3000
    .venv/bin/python bench/live_fanout.py --server daphne

Flags: ``--viewers N`` (1000), ``--events M`` (50), ``--writers W`` (5; each sends M/W entries,
below the per-connection rate limit), ``--server uvicorn|daphne|granian`` (uvicorn),
``--workers N`` (1; more than one implies ``--layer redis``), ``--layer memory|redis`` (memory;
redis uses ``REDIS_URL`` or redis://127.0.0.1:6379/3, under a channel prefix of this run's own,
whose keys are deleted at the end), ``--db PATH`` (SQLite file reused between runs,
``.bench/live_fanout.sqlite3``), ``--timeout S`` (60), ``--plain-compression none|deflate``
(none), ``--profile DIR`` (each worker writes a cProfile of its main thread to
DIR/worker-<n>.prof; the figures are then not comparable).

Thousands of sockets need as many open files: the soft limit is raised to the hard one (both
printed); the servers inherit it.
"""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
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
    compression = None if sys.argv[2] == "none" else sys.argv[2]
    async with websockets.serve(
        handler, "127.0.0.1", int(sys.argv[1]), max_queue=None, compression=compression
    ):
        await asyncio.Future()

asyncio.run(main())
"""


PROFILED_APP = r"""
import atexit, cProfile, os, sys

profile = cProfile.Profile()
profile.enable()
atexit.register(lambda: (profile.disable(), profile.dump_stats(os.environ["BENCH_PROFILE"])))

from cms.asgi import application  # noqa: E402
"""


def server_command(server: str, port: int, app: str) -> list[str]:
    """One worker of ``server`` on ``port``: the options of docs/deploy.md ("ASGI server
    (measured)") but the proxy headers, which no proxy sends here."""
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
            "--lifespan", "off", "--log-level", "warning", "--no-access-log",
            "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "granian", app, "--interface", "asginl", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--backpressure", "20000", "--log-level", "warning",
    ]  # fmt: skip


def raise_open_files() -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    got, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return f"open files: soft {soft} -> {got} (hard {hard})"


def cpu_seconds(pids) -> float:
    """User + system CPU of ``pids`` and all their descendants (granian's workers are children),
    from /proc: on a machine shared with other benchmarks the wall time is noisy, the CPU a
    process spent on the burst much less so."""
    parents, times = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid], times[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    tree, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
        os.environ["CACHE_PREFIX"] = os.environ["CHANNEL_PREFIX"] + "cache"
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def forget_redis_keys() -> None:
    """Delete this run's keys (its own channel and cache prefix, nobody else's)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=os.environ["CHANNEL_PREFIX"] + "*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    client.close()


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


async def open_viewers(urls, origin, n, *, ours):
    """``n`` viewers, dealt round-robin over ``urls`` (one per worker)."""
    import websockets

    async def one(url):
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
        wave = range(start, min(start + 100, n))
        viewers += await asyncio.gather(*(one(urls[i % len(urls)]) for i in wave))
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


async def burst(viewers, writers, events, ours, timeout, pids):
    """Returns (seconds until every viewer had every event, messages lost, server CPU seconds,
    client CPU seconds) of the burst."""
    per_writer = -(-events // len(writers))
    cpu_start, client_start = cpu_seconds(pids), client_cpu_seconds()
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
    cpu, client_cpu = cpu_seconds(pids) - cpu_start, client_cpu_seconds() - client_start
    base = min(min(seen) for seen, _ in results if seen) - 1 if ours else 0
    lost = sum(len(set(range(base + 1, base + events + 1)) - seen) for seen, _ in results)
    elapsed = max(at for _, at in results) - start
    return elapsed, lost, cpu, client_cpu


async def run_ours(args, meeting_id, session_key, ports, origin, pids):
    import websockets

    urls = [f"ws://127.0.0.1:{port}/ws/meetings/{meeting_id}/live/" for port in ports]
    viewers = await open_viewers(urls, origin, args.viewers, ours=True)
    writers = []
    for w in range(args.writers):
        ws = await websockets.connect(
            urls[w % len(urls)],
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session_key}"},
            max_queue=None,
        )
        # Writers send no hello, so the server forwards them no events: they only write.
        writers.append(ws)
    try:
        return await burst(viewers, writers, args.events, True, args.timeout, pids)
    finally:
        await asyncio.gather(*(ws.close() for ws in viewers + writers), return_exceptions=True)


async def run_plain(args, port, pids):
    import websockets

    url, origin = f"ws://127.0.0.1:{port}/", f"http://127.0.0.1:{port}"
    viewers = await open_viewers([url], origin, args.viewers, ours=False)
    writers = [await websockets.connect(url, origin=origin, max_queue=None) for _ in range(args.writers)]
    try:
        # Writers are clients too and hear the broadcast; they are not counted.
        return await burst(viewers, writers, args.events, False, args.timeout, pids)
    finally:
        await asyncio.gather(*(ws.close() for ws in viewers + writers), return_exceptions=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--server", choices=["uvicorn", "daphne", "granian"], default="uvicorn")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--db", default=str(BASE_DIR / ".bench" / "live_fanout.sqlite3"))
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--plain-compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--profile", metavar="DIR")
    args = parser.parse_args()
    if args.workers > 1:
        args.layer = "redis"  # workers share nothing else

    print(raise_open_files(), flush=True)
    t0 = time.monotonic()
    setup_django(args)
    meeting_id, session_key = make_meeting()
    print(
        f"setup (migrate + meeting) {time.monotonic() - t0:.1f}s; viewers={args.viewers} events={args.events} "
        f"writers={args.writers} server={args.server} workers={args.workers} layer={args.layer}",
        flush=True,
    )

    ports, plain_port = [free_port() for _ in range(args.workers)], free_port()
    # Behind a reverse proxy every worker serves one site: one origin, whichever port answers.
    origin = f"http://127.0.0.1:{ports[0]}"
    env = dict(os.environ, LOG_LEVEL="ERROR", PYTHONPATH=str(BASE_DIR), SITE_URL=origin)
    app = "cms.asgi:application"
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        (Path(args.profile) / "bench_profiled_app.py").write_text(PROFILED_APP)
        env["PYTHONPATH"] += os.pathsep + str(Path(args.profile).resolve())
        app = "bench_profiled_app:application"
    workers = []
    for n, port in enumerate(ports):
        if args.profile:
            env["BENCH_PROFILE"] = str(Path(args.profile).resolve() / f"worker-{n}.prof")
        workers.append(
            subprocess.Popen(
                server_command(args.server, port, app),
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    plain = subprocess.Popen(
        [sys.executable, "-c", PLAIN_SERVER, str(plain_port), args.plain_compression],
        stdout=subprocess.DEVNULL,
    )
    try:
        for port, worker in zip(ports, workers, strict=True):
            wait_for_port(port, worker)
        wait_for_port(plain_port, plain)
        pids = [worker.pid for worker in workers]
        ours_time, ours_lost, ours_cpu, ours_client = asyncio.run(
            run_ours(args, meeting_id, session_key, ports, origin, pids)
        )
        print(
            f"ours:  every viewer had every event after {ours_time:.3f}s; lost={ours_lost}; "
            f"CPU: servers {ours_cpu:.2f}s, client {ours_client:.2f}s",
            flush=True,
        )
        plain_time, plain_lost, plain_cpu, plain_client = asyncio.run(
            run_plain(args, plain_port, [plain.pid])
        )
        print(
            f"plain: every viewer had every event after {plain_time:.3f}s; lost={plain_lost}; "
            f"CPU: server {plain_cpu:.2f}s, client {plain_client:.2f}s (compression: {args.plain_compression})",
            flush=True,
        )
    finally:
        for process in workers:
            # SIGINT ends a worker with KeyboardInterrupt, so the profile's atexit hook runs
            # (uvicorn re-raises a SIGTERM after its shutdown, which skips atexit).
            process.send_signal(signal.SIGINT if args.profile else signal.SIGTERM)
        plain.terminate()
        for process in (*workers, plain):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if args.layer == "redis":
            forget_redis_keys()
    print(f"messages lost: {ours_lost + plain_lost}")
    print(f"server CPU ratio={ours_cpu / plain_cpu:.2f}")
    print(f"ratio={ours_time / plain_time:.2f}")
    sys.exit(1 if ours_lost or plain_lost else 0)


if __name__ == "__main__":
    main()
