"""Pages that do not grow: each page's query count and median time on a small city (10,000
requests) and on the full city (1,000,000), and their ratio (the goal: ≤ 1.2, equal query counts).

Both cities are built by ``manage.py seed_scale`` on PostgreSQL, in two databases, with the same
shape where it shows on a page — a street office has 20 communities, a community 20 meetings —
and the same community pages (500 requests a community in the small city, 1,000 in the large):

    createdb -h 127.0.0.1 -U postgres cdh_city_small && createdb -h 127.0.0.1 -U postgres cdh_city
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdh_city_small
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_scale --streets 1 --communities 20 \
        --households 6000 --requests 10000 --meetings 400
    (then on cdh_city: migrate and ``seed_scale`` alone, the full size)

or by this script: ``bench/scale.py --build`` (``--build --large-scale 0.1`` for a quick run).
Then ``.venv/bin/python bench/scale.py``. Every page is measured in both cities as the visitor who sees it (anonymous; the community's worker
for the work queue). Each database is measured by a child process of its own (one Django per
database); the runs alternate so a busy machine slows both alike. The last line is the largest
ratio, ``ratio=<x>``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = os.environ.get("SCALE_PG", "postgres://postgres@127.0.0.1:5432")
SMALL = os.environ.get("SCALE_SMALL_URL", f"{BASE}/cdh_city_small")
LARGE = os.environ.get("SCALE_LARGE_URL", f"{BASE}/cdh_city")
RUNS = 30
#: The small city: one street office of 20 communities, 10,000 requests.
SMALL_CITY = [
    "--streets",
    "1",
    "--communities",
    "20",
    "--households",
    "6000",
    "--requests",
    "10000",
    "--meetings",
    "400",
]


def pages():
    """(name, url, user) of each page measured, read from the database this process is on."""
    from django.db.models import Count
    from django.urls import reverse

    from cms.models import CommunityPage, HomePage
    from deliberation.models import Membership, Request, Role
    from deliberation.selectors import hall_url
    from meetings.models import Meeting

    community = CommunityPage.objects.get(slug="scale-community-1")
    street = community.get_parent().specific
    worker = Membership.objects.filter(community=community, role=Role.WORKER).first().user
    requests = Request.objects.filter(community=community).order_by("pk")
    middle = requests[requests.count() // 2]
    # The filtered page shows a full second page in both cities: the category with the most
    # closed requests (at least 40 in either city), so both pages list the same number of rows.
    category = (
        requests.filter(status=Request.Status.CLOSED)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")[0]["category"]
    )
    meeting = Meeting.objects.filter(community=community).order_by("-starts_at").first()
    hall = hall_url(community)
    return [
        ("hall, first page", hall, None),
        ("hall, filtered", f"{hall}?status=closed&category={category}&sort=supported&page=2", None),
        ("hall, search 漏水", f"{hall}?q=漏水", None),
        ("street search 漏水", f"{reverse('street_requests', args=[street.pk])}?q=漏水", None),
        ("request detail", middle.get_absolute_url(), None),
        ("work queue (worker)", reverse("work_queue"), worker),
        ("community statistics", reverse("community_statistics", args=[community.pk]), None),
        ("street statistics", reverse("street_statistics", args=[street.pk]), None),
        ("street overview", street.url, None),
        ("city overview", HomePage.objects.get(depth=2).url, None),
        ("meeting page", reverse("meeting_detail", args=[meeting.pk]), None),
        ("resolutions list", reverse("community_resolutions", args=[community.pk]), None),
        ("live page, first render", reverse("meeting_live", args=[meeting.pk]), None),
        ("community feed", reverse("feed_community", args=[community.pk]), None),
    ]


def measure(runs: int) -> None:
    """In the child: print one JSON line per run of every page, {name: [queries, ms]}."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deliberation.models import Request

    listed = pages()
    clients = {}
    for name, url, user in listed:
        client = Client(HTTP_HOST="127.0.0.1")
        if user is not None:
            client.force_login(user)
        clients[name] = client
        assert client.get(url).status_code == 200, (name, url)  # warm up
    print(json.dumps({"requests": Request.objects.count()}), flush=True)
    for _ in range(runs):
        line = sys.stdin.readline()  # the parent's turn to this process
        if not line:
            return
        figures = {}
        for name, url, _user in listed:
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = clients[name].get(url)
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (name, url, response.status_code)
            figures[name] = [len(queries), elapsed]
        print(json.dumps(figures), flush=True)


def child(url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    return subprocess.Popen(
        [sys.executable, __file__, "--measure", "--runs", str(RUNS)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def build(large_scale: float) -> None:
    import psycopg

    for url, sizes in ((SMALL, SMALL_CITY), (LARGE, ["--scale", str(large_scale)])):
        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "seed_scale", *sizes], cwd=ROOT, env=env, check=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--build", action="store_true", help="(re)build both cities first")
    parser.add_argument("--large-scale", type=float, default=1.0, help="size of the large city with --build")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.measure:
        measure(args.runs)
        return
    if args.build:
        build(args.large_scale)
    small, large = child(SMALL), child(LARGE)
    sizes = [json.loads(p.stdout.readline())["requests"] for p in (small, large)]
    runs = {id(small): [], id(large): []}
    for _ in range(args.runs):
        for proc in (small, large):
            proc.stdin.write("\n")
            proc.stdin.flush()
            runs[id(proc)].append(json.loads(proc.stdout.readline()))
    for proc in (small, large):
        proc.stdin.close()
        proc.wait()
    print(f"requests: small city {sizes[0]:,}, large city {sizes[1]:,}; {args.runs} runs each, medians")
    print(f"{'page':<26} {'queries':>9} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
    worst, unequal = 0.0, []
    for name in runs[id(small)][0]:
        q_small = {r[name][0] for r in runs[id(small)]}
        q_large = {r[name][0] for r in runs[id(large)]}
        ms_small = statistics.median(r[name][1] for r in runs[id(small)])
        ms_large = statistics.median(r[name][1] for r in runs[id(large)])
        ratio = ms_large / ms_small
        worst = max(worst, ratio)
        queries = f"{max(q_small)}" if q_small == q_large else f"{max(q_small)}/{max(q_large)}"
        if q_small != q_large:
            unequal.append(name)
        print(f"{name:<26} {queries:>9} {ms_small:>9.1f} {ms_large:>9.1f} {ratio:>6.2f}")
    print(f"query counts equal: {'yes' if not unequal else 'no: ' + ', '.join(unequal)}")
    print(f"ratio={worst:.2f}")


if __name__ == "__main__":
    main()
