"""One ``seed_demo`` per test run for all the tests that read the demo (the ``seeded_demo``
fixture, tests/conftest.py).

Seeding takes seconds, and the tests on the demo are spread over the pytest-xdist workers with the
others. So the demo has a database of its own, in which ``seed_demo`` ran twice, committed as
``make seed`` commits it (the second run must change nothing; ``first`` keeps a snapshot taken
between the two): under pytest-xdist the controller seeds it once while the workers start and
each worker copies it at its first test on the demo (``open``; tests/template_db.py); without
pytest-xdist it is a copy of the freshly migrated test database, seeded by the first test on the
demo. A test on the demo switches the connection to that database (``open``) and runs in its own
transaction there as usual, rolled back at its end, so the demo stays as seeded; the next test
that does not use the demo switches back (``close``). Switching is a reconnection: the tests may
come in any order, on any worker.
"""

from dataclasses import dataclass, field
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db import connection

from .template_db import DEMO, DEMO_SUFFIX, built, copy_database, destroy_database, switch_database

# PostgreSQL: the demo's ids start here, above any id of the test database (whose sequences go
# on from where they are), so a counter a demo test leaves in the shared Redis cache under a
# meeting's id never lands on a meeting of another test. (SQLite runs on the local-memory cache,
# emptied before every test.)
FIRST_ID = 10_000_000


def snapshot():
    """Every row of every project model, so a second run that changes anything is caught."""
    data = {}
    for app in ("cms", "deliberation", "meetings"):
        for model in apps.get_app_config(app).get_models():
            data[model._meta.label] = sorted(
                tuple(sorted((k, str(v)) for k, v in row.items() if k not in {"last_login"}))
                for row in model.objects.values()
            )
    return data


def seed_twice() -> dict:
    """Seed the demo into the connection's (migrated) database as ``make seed`` does, twice;
    returns the snapshot taken between the runs. On PostgreSQL the ids start at ``FIRST_ID``."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT schemaname, sequencename FROM pg_sequences")
            for schema, name in cursor.fetchall():
                cursor.execute("SELECT setval(%s, %s, false)", [f'"{schema}"."{name}"', FIRST_ID])
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    return first


@dataclass
class SeededDemo:
    """The demo's database next to the test database; ``open`` and ``close`` switch between them."""

    blocker: object
    first: dict = field(default_factory=dict)  # the snapshot between the two runs
    test_name: str = ""
    demo_name: str = ""
    seeded: bool = False
    is_open: bool = False
    from_build: bool = False  # a copy of the controller's seeded demo (pytest-xdist)

    def clone(self) -> "SeededDemo":
        """The demo's database: under pytest-xdist a copy of the demo the controller seeds
        (tests/template_db.py), made by the first test on the demo (``open``), which waits for it;
        else a copy of the migrated test database (before any test ran in it), seeded by the
        first test on the demo."""
        names = built()
        with self.blocker.unblock():
            self.test_name = connection.settings_dict["NAME"]
            self.demo_name = connection.creation.get_test_db_clone_settings(DEMO_SUFFIX)["NAME"]
            self.from_build = names is not None
            if not self.from_build:
                connection.close()
                copy_database(self.test_name, self.demo_name)
        return self

    def open(self) -> "SeededDemo":
        if self.is_open:
            return self
        with self.blocker.unblock():
            if self.from_build and not self.seeded:
                demo = built(DEMO)
                copy_database(demo["demo"], self.demo_name)
                self.seeded, self.first = True, demo["first"]
            switch_database(self.demo_name)
            self.is_open = True
            if not self.seeded:
                self.seeded = True
                self.first = seed_twice()
        return self

    def close(self) -> None:
        if not self.is_open:
            return
        with self.blocker.unblock():
            switch_database(self.test_name)
        self.is_open = False

    def destroy(self) -> None:
        """Drop the demo's database (the connection back on the test database)."""
        self.close()
        with self.blocker.unblock():
            destroy_database(self.demo_name)
