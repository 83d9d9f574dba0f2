"""Build a city to measure on: by default 50 street offices, 1,000 communities, 300,000
households, 1,000,000 requests over three years with their supports, timelines and evaluations,
and 20,000 meetings with minutes and ballots (``deliberation.demo.scale``, ``meetings.demo.scale``).

Meant for PostgreSQL (rows are written with ``COPY``; SQLite works for small sizes). ``--scale``
shrinks every count at once (``--scale 0.01``: 10 communities, 10,000 requests); each count can
also be set alone. Prints a progress bar per kind of row, then the time taken and the database's
size. Adds to what is there (its pages have their own slugs); run it on an empty, migrated
database for figures that mean something. It lives in ``cms`` because it orchestrates both apps.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from cms.models import CommunityPage
from deliberation.demo.scale import Size, seed_city
from meetings.demo.scale import seed_meetings
from meetings.services.pages import meeting_index_ensure


class Command(BaseCommand):
    help = "Build a city of street offices, communities, households, requests and meetings to measure on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every count (default 1: the full city)"
        )
        for name in ("streets", "communities", "households", "requests", "meetings"):
            parser.add_argument(f"--{name}", type=int, help=f"number of {name} (overrides --scale)")
        parser.add_argument("--years", type=int, help="the requests and meetings spread over this many years")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (the same seed builds the same city)"
        )

    def handle(self, *args, scale, seed, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        size = Size().scaled(scale)
        counts = {k: v for k, v in options.items() if k in Size.__dataclass_fields__ and v is not None}
        if any(v < 0 for v in counts.values()):
            raise CommandError("Counts cannot be negative.")
        size = Size(**{**size.__dict__, **counts})
        if size.streets < 1 or size.communities < size.streets:
            raise CommandError("At least one street office, and at least one community per street office.")
        if CommunityPage.objects.filter(slug__startswith="scale-community-").exists():
            raise CommandError("This database holds a seeded city already: seed an empty database.")
        self.stdout.write(f"Seeding {size} on {connection.vendor}…")
        bars: dict[str, tqdm] = {}
        totals = {
            "street offices": size.streets,
            "communities": size.communities,
            "households": size.households,
            "requests": size.requests,
            "meetings": size.meetings,
        }

        def progress(step: str, n: int):
            """One bar per step, the steps one after the other."""
            if step not in bars:
                for bar in bars.values():
                    bar.close()
                bars[step] = tqdm(total=totals.get(step), desc=f"{step:>15}", unit=" rows", file=self.stderr)
            bars[step].update(n)

        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            city = seed_city(size=size, progress=progress, rng=rng, meeting_index_ensure=meeting_index_ensure)
            seed_meetings(city, size=size, progress=progress, rng=rng)
        for bar in bars.values():
            bar.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                db_size = cursor.fetchone()[0]
        else:
            db_size = f"{connection.settings_dict['NAME']} (SQLite)"
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"seed_scale: {elapsed:.0f} s; database size {db_size}"))
