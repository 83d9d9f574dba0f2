import os
import shutil

import pytest
from django.conf import settings
from django.db import connections
from pytest_django.plugin import blocking_manager_key

from deliberation.models import Role

from .demo_seed import SeededDemo
from .factories import PropertyCompanyFactory, UserFactory, make_community, make_member, make_street

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
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    settings.MEDIA_ROOT = f"{settings.MEDIA_ROOT}-{worker}"
    # The daphne workers the browser tests start inherit the environment: the same prefix.
    os.environ["CHANNEL_PREFIX"] = f"{os.environ.get('CHANNEL_PREFIX', 'cdh')}{worker}"
    for layer in settings.CHANNEL_LAYERS.values():
        if "prefix" in layer.get("CONFIG", {}):
            layer["CONFIG"]["prefix"] = os.environ["CHANNEL_PREFIX"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove PostgreSQL-only behaviour (row locks): on SQLite they are
    deselected, not skipped, so the SQLite pass reports nothing it did not run.

    The tests on the seeded demo (the ``seeded_demo`` fixture) run one after another, and under
    pytest-xdist (``--dist loadgroup``) on one worker, so the demo is seeded once."""
    if not settings.IS_POSTGRES:
        deselected = [item for item in items if item.get_closest_marker("postgres")]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    on_demo = [item for item in items if "seeded_demo" in getattr(item, "fixturenames", ())]
    if on_demo:
        first = items.index(on_demo[0])
        rest = [item for item in items if item not in on_demo]
        items[:] = rest[:first] + on_demo + rest[first:]
        for item in on_demo:
            item.add_marker(pytest.mark.xdist_group("demo"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test, give the next one the database it expects.

    - The seeded demo is rolled back when the next test does not use it.
    - A transactional test's flush erases the migrated data (page tree, site, permissions);
      Django restores the serialized copy only at the start of the next serialized test, so a
      later transactional test without ``serialized_rollback`` would find an empty database.
    """
    result = yield
    if nextitem is None:
        return result  # the test database is gone already
    with item.config.stash[blocking_manager_key].unblock():
        if "seeded_demo" not in getattr(nextitem, "fixturenames", ()) and _SEEDED.get("demo"):
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
    """A demo test after a rollback of the demo (only if the run interleaved the tests) seeds it
    again before its fixtures, as the module-scoped fixture may be set up already."""
    if "seeded_demo" in getattr(item, "fixturenames", ()) and "demo" in _SEEDED:
        _SEEDED["demo"].open()


@pytest.fixture(scope="session")
def _seeded_demo(django_db_setup, django_db_blocker):
    _SEEDED["demo"] = SeededDemo(blocker=django_db_blocker)
    yield _SEEDED["demo"]
    _SEEDED.pop("demo").close()


@pytest.fixture(scope="module")
def seeded_demo(_seeded_demo):
    """The demo of ``seed_demo``, seeded twice (``seeded_demo.first``: the snapshot between the runs),
    shared by consecutive tests; each test's changes are rolled back as usual. Module-scoped so
    that it is set up before the test's own transaction opens; it stays open across modules."""
    return _seeded_demo.open()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters kept in the cache (check-in attempts) start at zero in every test: SQLite reuses the
    ids of rolled-back rows, so a count left by one test would land on the next test's meeting.
    (A Redis cache gets a prefix of its own per test run in ``cms/settings/test.py``.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


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


@pytest.fixture
def street(db):
    return make_street()


@pytest.fixture
def company(db):
    return PropertyCompanyFactory(name="宜居物业")


@pytest.fixture
def community(street, company):
    return make_community(street=street, company=company)


@pytest.fixture
def other_community(street):
    return make_community(street=street, title="和谐社区", company=PropertyCompanyFactory(name="安心物业"))


@pytest.fixture
def worker(community):
    return make_member(community, role=Role.WORKER)


@pytest.fixture
def resident(community):
    return make_member(community, role=Role.RESIDENT)


@pytest.fixture
def users_by_role(community, street, company):
    """One user per role for ``community``; ``None`` stands for an anonymous visitor."""
    return {
        "anonymous": None,
        "outsider": UserFactory(),
        "resident": make_member(community, role=Role.RESIDENT),
        "representative": make_member(community, role=Role.REPRESENTATIVE),
        "committee": make_member(community, role=Role.COMMITTEE),
        "property": UserFactory(property_company=company),
        "worker": make_member(community, role=Role.WORKER),
        "street": UserFactory(street_office=street),
        "admin": UserFactory(is_superuser=True, is_staff=True),
    }


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
