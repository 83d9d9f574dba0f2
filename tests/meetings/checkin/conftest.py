"""The check-in tests read the cache's contents (no code or number is stored in clear) and count
on fresh counters: they run on a local-memory cache of their own on both CI passes."""

import pytest


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "checkin"}
    }
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()
