"""Why the hall's search uses character bigrams: the three ways of finding 漏水 in 楼道漏水三天了,
measured on the seeded city (``manage.py seed_scale``, PostgreSQL; see bench/scale.py).

1. substring scan: ``ILIKE '%漏水%'`` on title, description and place (what SQLite does, and
   what the hall did before);
2. pg_trgm: the same ``ILIKE`` with a trigram GIN index on the same text (built here, dropped
   after): a two-character word has no trigram, so the index cannot help it;
3. bigrams (ours): the stored ``search_vector`` with its GIN index (``deliberation/search.py``).

For each: a street office's requests (20 communities) and the whole city, a two-character word
and a four-character phrase; the median of a count of the matches in ms, whether an index was
used, and the matches found (the three must agree where they can: the bigrams find every row the
scan finds). Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdh_city
.venv/bin/python bench/search_choice.py``. The last line is ``ratio=<scan / bigrams>`` for the
two-character word across the city.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from cms.models import CommunityPage  # noqa: E402
from deliberation.search import _tsquery, query_terms  # noqa: E402

RUNS = 7
TEXT = "(title || ' ' || description || ' ' || location)"


def timed(sql, params) -> tuple[float, int, str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        times, found = [], 0
        for _ in range(RUNS):
            start = time.perf_counter()
            cursor.execute(sql, params)
            found = cursor.fetchone()[0]
            times.append((time.perf_counter() - start) * 1000)
    index = "trgm" if "trgm" in plan else "bigram" if "search_vector_gin" in plan else "none"
    return statistics.median(times), found, index


def main():
    assert connection.vendor == "postgresql", "PostgreSQL only (DATABASE_URL)"
    street = CommunityPage.objects.get(slug="scale-community-1").get_parent()
    ids = list(CommunityPage.objects.child_of(street).values_list("pk", flat=True))
    scopes = {"street": ("AND community_id = ANY(%s)", [ids]), "city": ("", [])}
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        start = time.perf_counter()
        cursor.execute(f"CREATE INDEX bench_trgm ON deliberation_request USING gin ({TEXT} gin_trgm_ops)")
        print(f"trigram index built in {time.perf_counter() - start:.0f} s")
    try:
        print(f"{'query':<10} {'scope':<7} {'way':<16} {'ms':>8} {'found':>8} index")
        results = {}
        for word in ("漏水", "楼道漏水"):
            tsquery = _tsquery(query_terms(word))
            for scope, (where, params) in scopes.items():
                ways = {
                    "substring scan": (
                        f"SELECT count(*) FROM deliberation_request WHERE "
                        f"(title ILIKE %s OR description ILIKE %s OR location ILIKE %s) {where}",
                        [f"%{word}%"] * 3 + params,
                    ),
                    "pg_trgm": (
                        f"SELECT count(*) FROM deliberation_request WHERE {TEXT} ILIKE %s {where}",
                        [f"%{word}%", *params],
                    ),
                    "bigrams (ours)": (
                        f"SELECT count(*) FROM deliberation_request WHERE search_vector @@ %s::tsquery {where}",
                        [tsquery, *params],
                    ),
                }
                for way, (sql, sql_params) in ways.items():
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SET enable_seqscan = off" if way == "pg_trgm" else "RESET enable_seqscan"
                        )
                    ms, found, index = timed(sql, sql_params)
                    results[(word, scope, way)] = (ms, found)
                    print(f"{word:<10} {scope:<7} {way:<16} {ms:>8.1f} {found:>8} {index}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("DROP INDEX IF EXISTS bench_trgm")
    scan, ours = results[("漏水", "city", "substring scan")], results[("漏水", "city", "bigrams (ours)")]
    print(f"bigrams find what the scan finds: {ours[1] >= scan[1]}")
    print(f"ratio={scan[0] / ours[0]:.1f}")


if __name__ == "__main__":
    main()
