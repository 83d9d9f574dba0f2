import shutil

import pytest
from django.conf import settings

from deliberation.models import Role

from .factories import PropertyCompanyFactory, UserFactory, make_community, make_member, make_street

ROLES = ["anonymous", "outsider", "resident", "representative", "committee", "property", "worker", "street", "admin"]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove PostgreSQL-only behaviour (row locks): on SQLite they are
    deselected, not skipped, so the SQLite pass reports nothing it did not run."""
    if settings.IS_POSTGRES:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


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
