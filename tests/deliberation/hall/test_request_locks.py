"""Row locks hold only the row they mean (PostgreSQL: SQLite locks the whole database anyway).

``select_for_update()`` joined with ``select_related()`` locks every joined row on PostgreSQL:
the category shared by every community, the community's Wagtail page rows. One worker accepting a
request would then queue every other community's worker handling a request of the same category.
Two real transactions on two connections (threads) show that it no longer happens.
"""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from wagtail.models import Page

from deliberation.models import Category, Request, Role
from deliberation.services.requests import request_accept
from tests.factories import make_community, make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: How long the second transaction may take; a queued one waits for the first (HOLD seconds).
AT_ONCE = 3
HOLD = 15


class Holder(threading.Thread):
    """Run ``work`` in a transaction on the thread's own connection and keep it open until told."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.held, self.release, self.errors = work, threading.Event(), threading.Event(), []

    def run(self):
        try:
            with transaction.atomic():
                self.work()
                self.held.set()
                self.release.wait(HOLD)
        except Exception as error:  # reported by the test
            self.errors.append(error)
        finally:
            self.held.set()
            connection.close()

    def __enter__(self):
        self.start()
        assert self.held.wait(AT_ONCE * 3), "the first transaction did not take its lock"
        assert not self.errors, self.errors
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.join(HOLD)


def in_thread(work, timeout):
    """Run ``work`` on another connection; return whether it finished within ``timeout``."""
    errors = []

    def run():
        try:
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not errors, errors
    return not thread.is_alive(), thread


def locked_elsewhere(model, pk) -> bool:
    """Whether another transaction holds a row lock on ``model`` ``pk`` (asked with NOWAIT)."""
    try:
        with transaction.atomic():
            list(model.objects.select_for_update(nowait=True).filter(pk=pk))
    except DatabaseError:
        return True
    return False


@pytest.fixture
def two_requests(street, submit, category, company):
    """A submitted request in each of two communities, of the same category, and each one's worker."""
    from deliberation.services.requests import request_submit

    first = submit()
    other = make_community(street=street, title="和谐社区", company=company)
    resident = make_member(other, role=Role.RESIDENT)
    second = request_submit(
        community=other, by=resident, title="电梯停运", description="5号楼电梯停了两天", category=category
    )
    return (first, first.community), (second, other)


def test_accepting_a_request_does_not_hold_its_category_or_community(two_requests, category):
    (first, community), (second, other) = two_requests
    worker = make_member(community, role=Role.WORKER)
    other_worker = make_member(other, role=Role.WORKER)

    with Holder(lambda: request_accept(request=Request.objects.get(pk=first.pk), by=worker)):
        assert locked_elsewhere(Request, first.pk)  # the row meant is held...
        assert not locked_elsewhere(Category, category.pk)  # ...and nothing it points at
        assert not locked_elsewhere(Page, community.pk)
        finished, _thread = in_thread(
            lambda: request_accept(request=Request.objects.get(pk=second.pk), by=other_worker), AT_ONCE
        )
        assert finished, "accepting a request in another community waited for an unrelated lock"
    assert Request.objects.get(pk=second.pk).status == Request.Status.ACCEPTED
    assert Request.objects.get(pk=first.pk).status == Request.Status.ACCEPTED


def test_the_old_joined_lock_would_have_queued_the_other_community(two_requests, category):
    """The same check against the lock the services used to take: it holds the shared rows, so the
    test above would fail on it."""
    (first, community), (second, other) = two_requests
    other_worker = make_member(other, role=Role.WORKER)

    def old_lock():
        Request.objects.select_for_update().select_related("community", "category").get(pk=first.pk)

    with Holder(old_lock):
        assert locked_elsewhere(Category, category.pk)
        assert locked_elsewhere(Page, community.pk)

        def accept_joined_as_before():
            with transaction.atomic():
                Request.objects.select_for_update().select_related("community", "category").get(pk=second.pk)
                request_accept(request=Request.objects.get(pk=second.pk), by=other_worker)

        finished, thread = in_thread(accept_joined_as_before, 1)
        assert not finished
    thread.join(HOLD)


def test_changing_a_meeting_does_not_hold_its_convener_or_community(community, worker):
    """A meeting's lock (every convening service takes it) leaves the convener's account and the
    community page free: the convener can still save their profile while an agenda is edited."""
    from deliberation.models import User
    from meetings.models import Meeting
    from meetings.services.convening import agenda_item_add
    from tests.factories import make_meeting

    meeting = make_meeting(community, convener=worker, status=Meeting.Status.SCHEDULED)
    with Holder(lambda: agenda_item_add(meeting=meeting, by=worker, title="加装电梯")):
        assert not locked_elsewhere(User, worker.pk)
        assert not locked_elsewhere(Page, community.pk)
        finished, _thread = in_thread(
            lambda: User.objects.filter(pk=worker.pk).update(display_name="王社工（改）"), AT_ONCE
        )
        assert finished
    assert meeting.agenda_items.filter(title="加装电梯").exists()
