"""Fixtures and hooks for the meetings tests."""

import pytest
from django.db import connections
from pytest_django.plugin import blocking_manager_key


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the migrated data (page tree, site) back after a transactional test's flush.

    The live-minutes WebSocket and multi-worker tests are transactional with serialized
    rollback; Django restores the serialized data only at the start of the next serialized test,
    so a later transactional test elsewhere in the suite would otherwise find an empty database.
    """
    result = yield
    marker = item.get_closest_marker("django_db")
    if nextitem is None or marker is None or not marker.kwargs.get("transaction"):
        return result
    following = nextitem.get_closest_marker("django_db")
    if following is not None and following.kwargs.get("serialized_rollback"):
        return result  # the next test restores it itself
    from wagtail.models import Page

    with item.config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents and not Page.objects.using(alias).exists():
                connections[alias].creation.deserialize_db_from_string(contents)
    return result


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test runs on its own event loop, but the channel layer (channels-redis keeps asyncio
    locks and connection pools bound to the loop that first used them) and this process's live
    relays and pending tally flushes are process-wide. A production worker has one loop for its
    lifetime; a test suite has hundreds, so each test starts with none of the previous loop's."""
    from channels.layers import channel_layers

    from meetings import live

    def reset():
        channel_layers.backends.clear()
        live.forget_process_state()

    reset()
    yield
    reset()
