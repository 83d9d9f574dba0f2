"""Several workers under load: residents, community workers and meeting viewers on N ASGI workers
behind one port, against a bare view served by the same workers in the same run.

What runs (all started here, all stopped at the end, also on Ctrl-C or an error):

- ``uvicorn --workers N`` on one port of 127.0.0.1: N processes accept on the socket the parent
  opened, as behind one proxy address; ``bench.settings`` (the production settings, DEBUG off,
  plus ``bench/bare/``), PostgreSQL with Django's connection pool (``DATABASE_POOL=1``), Redis
  for the channel layer and the cache (db 8, a prefix of its own);
- one task worker, ``manage.py db_worker``, which sends the notices the supports cause (a
  request past its community's threshold is proposed and its workers are told);
- Locust (``bench/load_users.py``: the users and their weights) in a child process, headless,
  as a library: every login happens first, then ``--duration`` seconds are measured.

The city is ``manage.py seed_scale --scale S`` (default 0.01: 10 communities, 10,000 requests),
built once per scale into the database ``load_seed_<S>`` and copied for every run into
``load_run`` (kept afterwards for a look). Accounts are added to the copy through the services:
one resident per simulated user (a tenant whose membership a community worker approved), spread
over three communities so that they support the same requests; every community's seeded worker
gets a password.

Printed: per page, requests/s, p50 and p95 (ms), requests and failures; the pages together, the
bare view and the total. Then the supports: each POST is on a ledger with its outcome (added, or
refused because that person already supports the request), checked against the database (the
rise of the ``num_vote_up`` sum and of the bench users' vote rows, the exact (person, request)
pairs, each touched request's count against its rows). Last line::

    ratio=<p50 of every page request (all but the bare view) / p50 of the bare view>

(the latency of a page over the latency the same workers give a view that does nothing, under
the same load at the same moment: the pages' own cost, with the machine's noise divided out).

    /work/main/.venv/bin/python bench/load.py --workers 2 --users 40 --duration 45

Needs ``pip install -e '.[bench]'`` (locust, uvicorn). Exit status 1 if anything failed.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/8")
RUN_DB = "load_run"
HALLS = 3  # the communities the residents live in
PASSWORD_BYTES = 18


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2, help="ASGI worker processes (default 2)")
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds measured (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--scale", type=float, default=0.01, help="seed_scale's --scale (default 0.01)")
    parser.add_argument("--reseed", action="store_true", help="build the seeded city again")
    parser.add_argument("--task-workers", type=int, default=1, help="db_worker processes (default 1)")
    parser.add_argument("--pool-size", type=int, default=10, help="database pool per process (default 10)")
    return parser.parse_args()


# --- Processes ---------------------------------------------------------------------------------


class Processes:
    """Every process started here, each in a session of its own (Ctrl-C in the terminal reaches
    only this script), stopped in reverse order: SIGINT, then SIGTERM, then SIGKILL."""

    def __init__(self):
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name, args, *, env, log: Path) -> subprocess.Popen:
        out = open(log, "ab")
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.started.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, wait: float = 15) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        # The group's other members (uvicorn's worker processes) go with it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        while self.started:
            _name, proc = self.started.pop()
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_ready(base: str, servers: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if servers.poll() is not None:
            raise SystemExit(f"The workers exited ({servers.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if get(f"{base}/bench/bare/", timeout=5) == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"The workers did not answer in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


# --- The databases -----------------------------------------------------------------------------


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def manage(*args, env, log: Path | None = None) -> None:
    out = open(log, "ab") if log else None
    try:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stderr=out)
    finally:
        if out:
            out.close()


def seeded_city(scale: float, reseed: bool, env: dict, log: Path) -> str:
    """The seeded city's database for this scale, built once (in a scratch database renamed when
    complete, so an interrupted build is never taken for a city)."""
    name = "load_seed_" + f"{scale:g}".replace(".", "_")
    if database_exists(name) and not reseed:
        return name
    scratch = f"load_seeding_{os.getpid()}"
    print(f"Seeding the city (--scale {scale:g}) into {name}, once per scale; progress in {log}", flush=True)
    admin(f'DROP DATABASE IF EXISTS "{scratch}"')
    admin(f'CREATE DATABASE "{scratch}"')
    try:
        seed_env = {**env, "DATABASE_URL": f"{PG}/{scratch}"}
        manage("migrate", "-v0", env=seed_env, log=log)
        manage("seed_scale", "--scale", f"{scale:g}", env=seed_env, log=log)
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'ALTER DATABASE "{scratch}" RENAME TO "{name}"')
    except BaseException:
        admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        raise
    return name


# --- The accounts and pages (in this process, with Django) -------------------------------------


def prepare(*, residents: int, password: str) -> dict:
    """Residents with passwords, verified members of HALLS communities (through the services, as
    a worker approving each would); a password for every community's seeded worker; the pages."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from cms.models import CommunityPage
    from deliberation.models import Household, Membership, Request, Role, Tenure, User
    from deliberation.selectors import hall_url
    from deliberation.services.memberships import membership_approve, membership_request
    from meetings.models import Meeting

    hashed = make_password(password)  # once: the accounts share one password (hashed for ~0.5 s)
    communities = list(CommunityPage.objects.filter(slug__startswith="scale-community-").order_by("pk"))
    workers = {
        m.community_id: m.user
        for m in Membership.objects.approved().filter(role=Role.WORKER).select_related("user")
    }
    worker_logins = []
    for community in communities:
        worker = workers[community.pk]
        worker.password = hashed
        worker.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=worker, email=worker.email, primary=True, verified=True)
        worker_logins.append({"login": worker.email})
    halls = communities[:HALLS]
    resident_logins = []
    for i in range(residents):
        community = halls[i % len(halls)]
        households = Household.objects.for_community(community).order_by("pk")
        household = households[(i // len(halls)) % households.count()]
        email = f"load-resident-{i + 1}@bench.example"
        user = User.objects.create_user(email=email, display_name=f"压测居民{i + 1}")
        user.password = hashed
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        membership = membership_request(
            user=user,
            community=community,
            building=household.building.name,
            unit=household.unit,
            room=household.room,
            tenure=Tenure.TENANT,
        )
        membership_approve(membership=membership, by=workers[community.pk])
        resident_logins.append({"login": email, "hall": hall_url(community)})
    live_pages = [
        reverse("meeting_live", args=[meeting.pk])
        for community in halls
        for meeting in Meeting.objects.visible_to(AnonymousUser(), community).order_by("-starts_at")[:5]
    ]
    return {
        "residents": resident_logins,
        "workers": worker_logins,
        "live_pages": live_pages,
        "communities": len(communities),
        "requests": Request.objects.count(),
    }


def snapshot(logins: list[str]) -> dict:
    """What the supports are checked against: the support counts, the bench users' votes (as
    (login, tracking number) pairs), the task queue."""
    from django.db.models import Count, Sum
    from django_tasks_db.models import DBTaskResult
    from vote.models import Vote

    from deliberation.models import Request, User

    users = dict(User.objects.filter(email__in=logins).values_list("pk", "email"))
    votes = list(Vote.objects.filter(user_id__in=users, action=0).values_list("user_id", "object_id"))
    refs = dict(Request.objects.filter(pk__in={pk for _u, pk in votes}).values_list("pk", "tracking_number"))
    touched = Request.objects.filter(pk__in=refs)
    vote_rows = dict(
        Vote.objects.filter(object_id__in=refs, action=0)
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    return {
        "num_vote_up": Request.objects.aggregate(s=Sum("num_vote_up"))["s"] or 0,
        "votes": len(votes),
        "pairs": sorted((users[u], refs[pk]) for u, pk in votes),
        "miscounted": [r.tracking_number for r in touched if r.num_vote_up != vote_rows.get(r.pk, 0)],
        "proposed": Request.objects.filter(proposed_at__isnull=False).count(),
        "tasks": dict(
            DBTaskResult.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
        ),
    }


# --- Figures -----------------------------------------------------------------------------------


def percentiles(times: list[float]) -> tuple[float, float]:
    if not times:
        return float("nan"), float("nan")
    if len(times) == 1:
        return times[0], times[0]
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94]


def row(name: str, samples: list, window: float) -> tuple:
    times = [ms for ms, _ok in samples]
    p50, p95 = percentiles(times)
    failures = sum(1 for _ms, ok in samples if not ok)
    return (name, len(samples) / window, p50, p95, len(samples), failures)


def pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal columns (a Chinese character takes two)."""
    return text + " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))


def print_rows(rows: list[tuple]) -> None:
    print(f"{'page':<28}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'requests':>10}{'failures':>10}")
    for name, rps, p50, p95, n, failures in rows:
        print(f"{pad(name, 28)}{rps:>8.1f}{p50:>9.1f}{p95:>9.1f}{n:>10}{failures:>10}")


def check_supports(result: dict, before: dict, after: dict) -> tuple[list[str], bool]:
    """Every support added is counted once, and every repeat was refused for a support that exists."""
    ledger = result["ledger"]
    added = [(login, ref) for login, ref, outcome, _again in ledger if outcome == "added"]
    refused = [(login, ref) for login, ref, outcome, _again in ledger if outcome == "refused"]
    errors = [(login, ref, outcome) for login, ref, outcome, _again in ledger if outcome.startswith("error")]
    held = set(after["pairs"])
    new_pairs = sorted(held - set(before["pairs"]))
    # What Locust counted as successful support POSTs (the users post only inside the window).
    locust_added = sum(1 for _ms, ok in result["times"].get("support", []) if ok)
    rise = after["num_vote_up"] - before["num_vote_up"]
    rows = after["votes"] - before["votes"]
    checks = {
        "Locust's successful support POSTs are the ledger's supports added": locust_added == len(added),
        "num_vote_up sum rose by the supports added": rise == len(added),
        "bench users' vote rows rose by the supports added": rows == len(added),
        "the (person, request) pairs in the database are those added": new_pairs == sorted(added)
        and len(set(added)) == len(added),
        "every repeat was refused for a support the database holds": all(pair in held for pair in refused),
        "every touched request's count equals its vote rows": not after["miscounted"],
        "no support POST without an outcome": not errors and result["supports_in_flight"] == 0,
    }
    lines = [
        f"supports: {len(added)} added, {len(refused)} repeats refused, {len(errors)} errors "
        f"(first POSTs {sum(1 for e in ledger if not e[3])}, repeats {sum(1 for e in ledger if e[3])})",
        f"database: num_vote_up sum +{rise}, bench users' vote rows +{rows}, "
        f"requests proposed {before['proposed']} -> {after['proposed']}",
    ]
    lines += [f"  {'ok  ' if ok else 'FAIL'} {what}" for what, ok in checks.items()]
    if errors:
        lines.append(f"  errors: {errors[:5]}")
    return lines, all(checks.values())


def server_errors(*logs: Path) -> list[str]:
    """Lines that say something went wrong (a 403's warning is not one: repeats are refused)."""
    found = []
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        found += [
            f"{log.name}: {line}"
            for line in text.splitlines()
            if any(mark in line for mark in ("Traceback", "ERROR", "Internal Server Error", "CRITICAL"))
        ]
    return found


def tasks_pending() -> int:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count()


class ConnectionCount(threading.Thread):
    """The most connections PostgreSQL had open to the run's database, sampled twice a second:
    what the pools hold (and whether any process went past its pool)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.most = 0
        self.done = threading.Event()

    def run(self):
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            while not self.done.wait(0.5):
                (n,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [RUN_DB]
                ).fetchone()
                self.most = max(self.most, n)


def forget_cache(prefix: str) -> None:
    """The run's cache keys (its own prefix, in the shared Redis): nothing else is touched."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=500):
            client.delete(key)
    finally:
        client.close()


def interrupted(*_):
    raise KeyboardInterrupt


# --- Main --------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    # Both explicitly: a shell that starts this in the background ignores SIGINT, and the
    # processes started here would inherit that.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    logs = Path(tempfile.mkdtemp(prefix="load-bench-"))
    static = Path(tempfile.gettempdir()) / "load-bench-static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "hall.load.test,127.0.0.1",
        "SITE_URL": "http://hall.load.test",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": REDIS,
        "CHANNEL_PREFIX": "loadbench",
        "CACHE_PREFIX": f"loadbench{os.getpid()}",
        "STATIC_ROOT": str(static),
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "deliberation.sms.backends.console.SmsBackend",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_POOL", None)
    procs = Processes()
    try:
        city = seeded_city(args.scale, args.reseed, env, logs / "seed.log")
        admin(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{city}"')
        env["DATABASE_URL"] = f"{PG}/{RUN_DB}"
        manage("collectstatic", "--noinput", "-v0", env=env)

        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        password = secrets.token_urlsafe(PASSWORD_BYTES)
        plan = prepare(residents=args.users, password=password)
        if not plan["live_pages"]:
            raise SystemExit("The seeded city has no meetings to watch: use a larger --scale.")
        logins = [a["login"] for a in plan["residents"]]
        before = snapshot(logins)
        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_env = {
            **env,
            "DATABASE_POOL": "1",
            "DATABASE_POOL_MAX_SIZE": str(args.pool_size),
        }
        server_log = logs / "uvicorn.log"
        servers = procs.start(
            "uvicorn",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "cms.asgi:application",
                "--host=127.0.0.1",
                f"--port={port}",
                f"--workers={args.workers}",
                "--lifespan=off",
                "--no-access-log",
                "--log-level=warning",
                "--timeout-graceful-shutdown=10",
            ],
            env=server_env,
            log=server_log,
        )
        for i in range(args.task_workers):
            procs.start(
                f"db_worker {i + 1}",
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--interval=1",
                    "--no-reload",
                    f"--worker-id=load-bench-{i + 1}",
                ],
                env=server_env,
                log=logs / f"db_worker-{i + 1}.log",
            )
        wait_ready(base, servers, server_log)
        # Warm up every worker process (imports, templates, the pool's first connections).
        warm = ["/bench/bare/", plan["residents"][0]["hall"], plan["live_pages"][0]] * (8 * args.workers)
        with ThreadPoolExecutor(max_workers=4 * args.workers) as pool:
            list(pool.map(lambda path: get(base + path), warm))

        config = logs / "config.json"
        result_path = logs / "result.json"
        config.write_text(
            json.dumps(
                {
                    "host": base,
                    "users": args.users,
                    "spawn_rate": args.spawn_rate,
                    "duration": args.duration,
                    "password": password,
                    "residents": plan["residents"],
                    "workers": plan["workers"],
                    "live_pages": plan["live_pages"],
                },
                ensure_ascii=False,
            )
        )
        config.chmod(0o600)
        print(
            f"load: {args.workers} uvicorn workers on {base} (one socket), {args.task_workers} task worker(s); "
            f"PostgreSQL {RUN_DB} (copy of {city}, pool ≤{args.pool_size} per process), Redis {REDIS}",
            flush=True,
        )
        print(
            f"city: {plan['communities']} communities, {plan['requests']:,} requests; "
            f"{len(plan['residents'])} resident accounts in {HALLS} communities, "
            f"{len(plan['workers'])} worker accounts; {len(plan['live_pages'])} live pages",
            flush=True,
        )
        load_before = os.getloadavg()[0]
        sampler = ConnectionCount()
        sampler.start()
        locust = procs.start(
            "locust",
            [sys.executable, "-m", "bench.load_users", str(config), str(result_path)],
            env=env,
            log=logs / "locust.log",
        )
        locust.wait(timeout=args.duration + 300 + args.users / args.spawn_rate)
        sampler.done.set()
        load_after = os.getloadavg()[0]
        if locust.returncode != 0 or not result_path.exists():
            raise SystemExit(f"Locust failed:\n{(logs / 'locust.log').read_text()[-3000:]}")
        procs.stop(servers)
        # The task worker finishes the notices the supports caused, then the database is read at rest.
        drained = time.monotonic()
        while tasks_pending() and time.monotonic() - drained < 60:
            time.sleep(0.5)
        pending = tasks_pending()
        drained = time.monotonic() - drained
        connections.close_all()
        procs.stop_all()
        result = json.loads(result_path.read_text(encoding="utf-8"))
        after = snapshot(logins)
        connections.close_all()
    except KeyboardInterrupt:
        print("Interrupted: stopping what was started.", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        forget_cache(env["CACHE_PREFIX"])

    window = result["window"]
    counts = ", ".join(f"{name} {n}" for name, n in result["user_counts"].items())
    print(f"users: {args.users} ({counts}), spawned at {args.spawn_rate:g}/s; window {window:.1f} s")
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f} after; "
        f"Locust used {100 * result['cpu'] / window:.0f}% of one core in the window"
    )
    print()
    times = result["times"]
    bare = times.pop("bare view", [])
    page_rows = [row(name, samples, window) for name, samples in sorted(times.items())]
    all_pages = [s for samples in times.values() for s in samples]
    print_rows(page_rows)
    print()
    pages_row = row("all pages", all_pages, window)
    bare_row = row("bare view", bare, window)
    total_row = row("total", all_pages + bare, window)
    print_rows([pages_row, bare_row, total_row])
    logins_ms = [ms for ms, _ok in result["logins"]]
    login_failures = sum(1 for _ms, ok in result["logins"] if not ok)
    p50, p95 = percentiles(logins_ms)
    print(
        f"\nlogins (before the window): {len(logins_ms)}, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"{login_failures} failed"
    )
    if result["errors"]:
        print("errors:")
        for error in result["errors"]:
            print(f"  {error['occurrences']} × {error['method']} {error['name']}: {error['error']}")
    lines, supports_ok = check_supports(result, before, after)
    print("\n".join(lines))
    tasks = {k: after["tasks"].get(k, 0) - before["tasks"].get(k, 0) for k in ("SUCCESSFUL", "FAILED")}
    print(
        f"task worker: {tasks['SUCCESSFUL']} tasks done (the new members' notices queued before, the "
        f"proposals' during the run), {tasks['FAILED']} failed; {pending} left "
        f"{drained:.1f} s after the load"
    )
    print(
        f"PostgreSQL: at most {sampler.most} connections to {RUN_DB} during the run "
        f"(pools of ≤{args.pool_size} in {args.workers} workers and {args.task_workers} task worker(s))"
    )
    errors = server_errors(server_log, *sorted(logs.glob("db_worker-*.log")))
    print(f"logs in {logs}: {len(errors)} error lines" + (f"; first: {errors[0]}" if errors else ""))
    failures = total_row[5] + login_failures + result["logins_failed"]
    ok = (
        failures == 0
        and supports_ok
        and not errors
        and result["ready"] == args.users
        and not tasks.get("FAILED")
        and not pending
    )
    print(f"\n{'OK' if ok else 'FAILED'}: {failures} failures")
    print(f"ratio={pages_row[2] / bare_row[2]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
