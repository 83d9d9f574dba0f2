"""The migrated test database and the seeded demo, built once per run instead of once per worker.

Migrating the test database takes about fifteen seconds of CPU (261 migrations, most of it
Django rendering the historical models), and seeding the demo a few more; under pytest-xdist each
worker did both, on a machine whose cores the workers already fill. Here the controller, which
runs no test, builds both in a thread while the workers start (``start``), as Django's own
parallel test runner does: the migrated database, and a copy of it in which ``seed_demo`` ran
twice (``tests/demo_seed.py``; the snapshot between the two runs is kept beside them). Each
worker copies the migrated database as soon as it is built and starts its tests, and copies the
demo at its first test on the demo (those come after the other slow tests: tests/conftest.py),
instead of building its own: the SQLite file through SQLite's backup API, the PostgreSQL database
as a ``TEMPLATE``. Both copies are exactly what the worker would have built; a failure of the
build is raised in every worker with its traceback.

Without pytest-xdist (``pytest`` alone, ``-n 0``) nothing changes: pytest-django builds the test
database in the process, and the demo is seeded there.
"""

import os
import pickle
import shutil
import sqlite3
import tempfile
import threading
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.backends.base.creation import BaseDatabaseCreation

ENV = "CDH_TEST_TEMPLATE"  # the folder of the build's outcome, handed to the workers
DEMO_SUFFIX = "demo"
WAIT_SECONDS = 600
TEMPLATE, DEMO = "template.pickle", "demo.pickle"  # the two parts of the build, in this order


class Build:
    """The controller's side: the thread that builds, and the cleanup at the end of the run."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.folder = Path(tempfile.mkdtemp(prefix="cdh-test-template-"))
        self.names: dict[str, str] = {}
        self.thread = threading.Thread(target=self._run, name="test-template", daemon=True)

    def start(self) -> "Build":
        os.environ[ENV] = str(self.folder)  # inherited by the workers, spawned right after
        self.thread.start()
        return self

    def _run(self) -> None:
        from .demo_seed import seed_twice

        try:
            with self.blocker.unblock():
                template = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                demo = connection.creation.get_test_db_clone_settings(DEMO_SUFFIX)["NAME"]
                self.names = {"template": template, "demo": demo}
                copy_database(template, demo)
                _publish(self.folder, TEMPLATE, self.names)  # the workers start on it
                switch_database(demo)
                first = seed_twice()  # meanwhile: the demo's tests come after the other slow ones
                connection.close()
            _publish(self.folder, DEMO, {**self.names, "first": first})
        except BaseException:  # every worker raises it, with the build's traceback
            (self.folder / "failed").write_text(traceback.format_exc())
        finally:
            connection.close()

    def destroy(self) -> None:
        """Drop what was built (the workers have finished with their copies)."""
        self.thread.join(WAIT_SECONDS)
        with self.blocker.unblock():
            for name in self.names.values():
                destroy_database(name)
            connection.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _publish(folder: Path, part: str, outcome: dict) -> None:
    """Written whole, then renamed: a worker never reads half of it."""
    (folder / f"{part}.building").write_bytes(pickle.dumps(outcome))
    (folder / f"{part}.building").rename(folder / part)


def built(part: str = TEMPLATE) -> dict | None:
    """In a worker: once the controller has built it, the names of the migrated template and of
    the demo's database (``TEMPLATE``), or those and the demo's snapshot between its two
    seedings (``DEMO``); ``None`` when there is no build (no pytest-xdist). Raises the build's
    failure."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    folder = Path(folder)
    deadline = time.monotonic() + WAIT_SECONDS
    while not (folder / part).exists():
        if (folder / "failed").exists():
            raise RuntimeError(f"building the test database failed:\n{(folder / 'failed').read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test database was not built in {WAIT_SECONDS} s")
        time.sleep(0.1)
    return pickle.loads((folder / part).read_bytes())


def install_in_worker() -> None:
    """Make Django's ``create_test_db`` (called by pytest-django) copy the controller's template."""
    original = BaseDatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        names = built()
        if names is None or self.connection.alias != "default":
            return original(self, verbosity, autoclobber, serialize, keepdb)
        target = self._get_test_db_name()
        self.connection.close()
        copy_database(names["template"], target)
        settings.DATABASES[self.connection.alias]["NAME"] = target
        self.connection.settings_dict["NAME"] = target
        if serialize:  # what Django keeps for serialized_rollback (tests/conftest.py: MigratedRows)
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        self.connection.ensure_connection()
        return target

    BaseDatabaseCreation.create_test_db = create_test_db


def copy_database(source: str, target: str) -> None:
    """``target`` becomes a copy of ``source`` (replaced if it exists). The connection is closed
    first: PostgreSQL copies no template that a session is connected to."""
    connection.close()
    if connection.vendor == "sqlite":
        remove_sqlite(target)
        origin, copy = sqlite3.connect(source), sqlite3.connect(target)
        try:
            origin.backup(copy)  # with what is still in the write-ahead log
        finally:
            origin.close()
            copy.close()
        return
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
        for attempt in range(50):
            try:
                cursor.execute(f"CREATE DATABASE {quote(target)} WITH TEMPLATE {quote(source)}")
                return
            except Exception as error:
                # Another worker's copy of the same template: PostgreSQL refuses a template
                # "being accessed by other users" for that moment.
                if "being accessed by other users" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.2)


def destroy_database(name: str) -> None:
    connection.close()
    if connection.vendor == "sqlite":
        remove_sqlite(name)
        return
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


def remove_sqlite(name: str) -> None:
    for path in (name, f"{name}-wal", f"{name}-shm", f"{name}-journal"):
        if os.path.exists(path):
            os.remove(path)


def switch_database(name: str) -> None:
    """Point the connection at another database. In place: the connection handler and any new
    thread read this very dict."""
    connection.close()
    connection.settings_dict["NAME"] = name
