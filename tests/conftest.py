import gc
import os
import shutil

import pytest
from django.conf import settings
from django.db import connections, transaction
from hypothesis import is_hypothesis_test
from pytest_django.plugin import blocking_manager_key

from deliberation.models import Role

from . import template_db
from .demo_seed import SeededDemo
from .factories import PropertyCompanyFactory, UserFactory, make_community, make_member, make_street
from .rows import KEPT, read_tables

ROLES = [
    "anonymous",
    "outsider",
    "resident",
    "representative",
    "committee",
    "property",
    "worker",
    "street",
    "admin",
]


def pytest_configure(config):
    """Under pytest-xdist each worker has its own test database (pytest-django adds ``_gw0``...),
    and here its own media folder and Redis channel prefix: meeting ids of the two databases
    overlap, so the workers' groups must not (the cache prefix is per process already)."""
    # The live server queues pending connections as a production server does (Django's
    # development server keeps 10): a test that opens many connections at once is not refused.
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 128
    _flush_only_the_tables_with_rows()
    # The suite allocates millions of short-lived objects (querysets, model instances, template
    # nodes): Python's cyclic collector ran every 700 allocations over the whole of Django and
    # Wagtail as loaded. What is loaded now is set aside (never scanned again) and the youngest
    # generation collected every 50,000 allocations: 6 % less CPU for the same tests (the live and
    # hall tests: 121 s → 113 s and 123 s → 116 s of user time, two runs each). Nearly all that a
    # collection finds is garbage (a request's querysets, contexts and forms refer to each other):
    # every 1,000,000 allocations, the collector's time in the crawl, visibility and transition
    # tests went 4.1 s → 3.5 s (55.4 s → 54.4 s and 53.4 s → 52.6 s in all, two runs each), for
    # 70 MB more at the peak of a process (450 → 520 MB).
    gc.collect()
    gc.freeze()
    gc.set_threshold(1_000_000, 10, 100)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    template_db.install_in_worker()
    settings.MEDIA_ROOT = f"{settings.MEDIA_ROOT}-{worker}"
    # The daphne workers the browser tests start inherit the environment: the same prefix.
    os.environ["CHANNEL_PREFIX"] = f"{os.environ.get('CHANNEL_PREFIX', 'cdh')}{worker}"
    for layer in settings.CHANNEL_LAYERS.values():
        if "prefix" in layer.get("CONFIG", {}):
            layer["CONFIG"]["prefix"] = os.environ["CHANNEL_PREFIX"]


def pytest_sessionstart(session):
    """The pytest-xdist controller builds the migrated test database and the seeded demo once,
    while its workers start; each worker copies them (tests/template_db.py)."""
    config = session.config
    if hasattr(config, "workerinput") or config.pluginmanager.getplugin("dsession") is None:
        return
    config.stash[_TEMPLATE] = template_db.Build(config.stash[blocking_manager_key]).start()


def pytest_unconfigure(config):
    build = config.stash.get(_TEMPLATE, None)
    if build is not None:
        build.destroy()


_TEMPLATE = pytest.StashKey[template_db.Build]()


def _flush_only_the_tables_with_rows():
    """A transactional test ends with Django's ``flush``: on PostgreSQL one ``TRUNCATE`` of all
    101 tables (a quarter of a second: every table gets new files), on SQLite a ``DELETE`` of each,
    then the ``post_migrate`` signal recreates the content types and permissions (a tenth of a
    second). Here the tables that hold rows (a test writes to a handful) are found in one query
    and emptied with ``DELETE`` in one transaction; the foreign keys are deferred to its end, as
    Django declares them, and the append-only triggers refuse updates only. ``post_migrate`` is
    not sent: the migrated rows come back in bulk before the next test (``MigratedRows``, through
    ``pytest_runtest_teardown``), which is what the signal's rows would be replaced by anyway.
    A flush that resets the sequences keeps Django's own way."""
    from django.db.backends.postgresql.base import DatabaseWrapper as Postgres
    from django.db.backends.sqlite3.base import DatabaseWrapper as Sqlite

    def patch(operations):
        original = operations.sql_flush

        def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
            if reset_sequences or not tables:
                return original(
                    self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
                )
            connection, quote = self.connection, self.quote_name
            names = sorted(tables)
            holding = " UNION ALL ".join(
                f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(n)})" for i, n in enumerate(names)
            )
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(holding)
                for (index,) in cursor.fetchall():
                    cursor.execute(f"DELETE FROM {quote(names[index])}")
            return []  # nothing left for the flush command to run, and no post_migrate

        operations.sql_flush = sql_flush

    patch(Postgres.ops_class)
    patch(Sqlite.ops_class)


# Tests that take seconds each: a browser, daphne workers, the crawl of the demo, big uploads,
# many generated examples (Hypothesis), subprocesses.
SLOW_FIXTURES = {"chromium", "live_server", "asgi_workers", "seeded_demo"}
SLOW_MODULES = (
    "tests/meetings/live/test_multiworker",
    "tests/meetings/live/test_redis_restart.py",
    "tests/deliberation/people/test_roster_bounds.py",
    "tests/meetings/feeds/test_ical_history.py",
    "tests/cms/test_deploy_check.py",
)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove PostgreSQL-only behaviour (row locks): on SQLite they are
    deselected, not skipped, so the SQLite pass reports nothing it did not run.

    Then, once the other plugins have ordered the tests (pytest-django puts the transactional
    ones last), the tests without a database go first (the workers run them while the test
    database is being built), then the slow tests, those on the seeded demo last among them (it
    is seeded after the database is built), then the other transactional ones, then the rest
    (each group in the order it had). pytest-xdist (``--dist loadgroup``: one test at a time to
    whichever worker is free) hands them out in this order, so the run ends on short tests on
    every worker instead of one long test on one worker while the other waits. (A transactional
    test's flush is repaired by ``pytest_runtest_teardown`` below, whatever test comes next.)"""
    if not settings.IS_POSTGRES:
        deselected = [item for item in items if item.get_closest_marker("postgres")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    result = yield

    def group(item):
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") is None and "django_db_setup" not in fixtures:
            return -1  # no database: run while the controller builds it (tests/template_db.py)
        if "seeded_demo" in fixtures:
            return 1  # slow too, but after the others: the controller seeds the demo meanwhile
        if fixtures & SLOW_FIXTURES or item.nodeid.startswith(SLOW_MODULES):
            return 0
        if is_hypothesis_test(getattr(item, "obj", None)):
            return 0
        marker = item.get_closest_marker("django_db")
        return 2 if marker is not None and marker.kwargs.get("transaction") else 3

    items.sort(key=group)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test, give the next one the database it expects.

    - The connection leaves the demo's database when the next test does not use it.
    - A transactional test's flush erases the migrated data (page tree, site, permissions);
      Django restores the serialized copy only at the start of the next serialized test, so a
      later transactional test without ``serialized_rollback`` would find an empty database.
    """
    result = yield
    if nextitem is None:
        return result  # the test database is gone already
    with item.config.stash[blocking_manager_key].unblock():
        if "seeded_demo" not in getattr(nextitem, "fixturenames", ()) and "demo" in _SEEDED:
            _SEEDED["demo"].close()
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            return result
        following = nextitem.get_closest_marker("django_db")
        if following is not None and following.kwargs.get("serialized_rollback"):
            return result  # the next test restores it itself
        from wagtail.models import Page

        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents and not Page.objects.using(alias).exists():
                connections[alias].creation.deserialize_db_from_string(contents)
    return result


_SEEDED: dict[str, SeededDemo] = {}


def pytest_runtest_setup(item):
    """A demo test switches to the demo's database before its fixtures, as the module-scoped
    fixture may be set up already (and the connection switched back by a test in between).
    The kept fixtures (tests/rows.py) start from the state every test starts from."""
    KEPT.begin()
    if "seeded_demo" in getattr(item, "fixturenames", ()) and "demo" in _SEEDED:
        _SEEDED["demo"].open()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as pytest-django builds it, plus what every worker needs of it:

    - a copy of the migrated rows, restored in bulk after a transactional test's flush
      (``MigratedRows``), in place of Django's object-by-object deserialization;
    - the demo's database, a copy of the migrated one, seeded by the first test on the demo
      (tests/demo_seed.py)."""
    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            if getattr(connection, "_test_serialized_contents", None):
                connection.creation.deserialize_db_from_string = MigratedRows(connection).restore
    _SEEDED["demo"] = SeededDemo(blocker=django_db_blocker).clone()
    yield
    _SEEDED.pop("demo").destroy()
    with django_db_blocker.unblock():
        for alias in connections:
            _end_other_sessions(connections[alias])


def _end_other_sessions(connection):
    """PostgreSQL drops the test database only when no other session uses it: end any session
    another thread of the run left open (seen after the WebSocket and browser tests), so that
    pytest-django drops it instead of leaving it behind with a warning."""
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


class MigratedRows:
    """Every row of every table of the freshly migrated database (the page tree, the site, the
    permissions, the default categories...): what Django serialized for ``serialized_rollback``.

    Django puts them back after a flush one object at a time through the serializers (``save()``
    of each of some 450 objects, about 0.3 s per transactional test); here they go back as they
    were read, one ``INSERT`` per table for all its rows. The foreign keys are deferred to the
    end of the transaction, so the order of the tables does not matter."""

    def __init__(self, connection):
        self.connection = connection
        self.tables = [(table, columns, rows) for table, columns, rows in read_tables(connection) if rows]

    def restore(self, data=None):
        """``deserialize_db_from_string`` of the connection (``data``, the serialized copy of the
        same rows, is not read). The first transactional test of a worker finds the rows still
        there, a later one finds them flushed: the tables are emptied, then filled."""
        connection = self.connection
        quote = connection.ops.quote_name
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for table, columns, rows in self.tables:
                names = ", ".join(quote(column) for column in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.execute(f"DELETE FROM {quote(table)}")
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)


@pytest.fixture(scope="session")
def _seeded_demo(django_db_setup):
    return _SEEDED["demo"]


@pytest.fixture(scope="module")
def seeded_demo(_seeded_demo):
    """The demo of ``seed_demo``, seeded twice (``seeded_demo.first``: the snapshot between the runs)
    in a database of its own (tests/demo_seed.py); each test's changes are rolled back as usual.
    Module-scoped so that the connection is switched before the test's own transaction opens."""
    return _seeded_demo.open()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters kept in the cache (check-in attempts) start at zero in every test: SQLite reuses the
    ids of rolled-back rows, so a count left by one test would land on the next test's meeting.
    (A Redis cache gets a prefix of its own per test process in ``cms/settings/test.py``.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        cache.clear()
    elif cache.key_prefix and hasattr(cache, "_cache"):
        # Redis: ids do not repeat on PostgreSQL, but a counter about a phone number would reach
        # the next test; this process's keys (its own prefix) are removed, no other worker's. One
        # SCAN step reads the whole database (Redis's default step of 10 keys made it a round trip
        # per 10 keys of every run that shares the database, for each of some 1,400 tests).
        client = cache._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=10_000))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True, scope="session")
def _clean_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def pytest_sessionfinish(session):
    """Under pytest-xdist, the controller removes what daphne workers (started by tests, with the
    plain test settings) stored in the shared media folder, once every worker has finished."""
    if hasattr(session.config, "workerinput") or not getattr(session.config.option, "numprocesses", None):
        return
    for folder in settings.BASE_DIR.glob(".test-media*"):  # the shared one and each worker's
        shutil.rmtree(folder, ignore_errors=True)


# The common fixtures are built once per test process and their rows written back for each
# test that starts from the same state (tests/rows.py).


@pytest.fixture
def street(db):
    return KEPT.build("street", make_street)


@pytest.fixture
def company(db):
    return KEPT.build("company", lambda: PropertyCompanyFactory(name="宜居物业"))


@pytest.fixture
def community(street, company):
    return KEPT.build("community", lambda: make_community(street=street, company=company))


@pytest.fixture
def other_community(street):
    return KEPT.build(
        "other_community",
        lambda: make_community(
            street=street, title="和谐社区", company=PropertyCompanyFactory(name="安心物业")
        ),
    )


@pytest.fixture
def worker(community):
    return KEPT.build("worker", lambda: make_member(community, role=Role.WORKER))


@pytest.fixture
def resident(community):
    return KEPT.build("resident", lambda: make_member(community, role=Role.RESIDENT))


@pytest.fixture
def users_by_role(community, street, company):
    """One user per role for ``community``; ``None`` stands for an anonymous visitor."""
    return KEPT.build(
        "users_by_role",
        lambda: {
            "anonymous": None,
            "outsider": UserFactory(),
            "resident": make_member(community, role=Role.RESIDENT),
            "representative": make_member(community, role=Role.REPRESENTATIVE),
            "committee": make_member(community, role=Role.COMMITTEE),
            "property": UserFactory(property_company=company),
            "worker": make_member(community, role=Role.WORKER),
            "street": UserFactory(street_office=street),
            "admin": UserFactory(is_superuser=True, is_staff=True),
        },
    )


def as_user(user):
    """rules' predicates expect an AnonymousUser rather than None."""
    from django.contrib.auth.models import AnonymousUser

    return user or AnonymousUser()


@pytest.fixture
def failing_mail(settings):
    """A mail server that fails for chosen addresses (``tests/mailserver.py``):
    ``failing_mail.unreachable.add(address)`` (the delivery will retry) or
    ``failing_mail.no_such_user.add(address)`` (it gives up). Other mail reaches ``mail.outbox``."""
    from . import mailserver

    settings.EMAIL_BACKEND = mailserver.FAILING
    mailserver.UNREACHABLE.clear()
    mailserver.NO_SUCH_USER.clear()
    yield mailserver
    mailserver.UNREACHABLE.clear()
    mailserver.NO_SUCH_USER.clear()
