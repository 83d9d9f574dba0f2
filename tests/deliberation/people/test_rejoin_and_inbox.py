"""Asking again after a rejection, and names in the inbox exactly as typed (item 11)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from deliberation.models import Membership, Notification, User
from tests.factories import BuildingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
FIRST = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=TZ)
AGAIN = datetime.datetime(2026, 3, 8, 9, 30, tzinfo=TZ)


@pytest.fixture
def household(community):
    return HouseholdFactory(
        building=BuildingFactory(community=community, name="3号楼"), unit="2单元", room="502"
    )


def join(client, community, room="502"):
    return client.post(
        f"/communities/{community.pk}/join/",
        {"building": "3号楼", "unit": "2单元", "room": room, "tenure": "owner"},
    )


def worker_notices(worker):
    return list(
        Notification.objects.filter(user=worker, url__contains="/members/").order_by("created_at", "id")
    )


def test_asking_again_after_a_rejection_tells_the_workers_again_with_the_new_date(
    client, community, worker, household, django_capture_on_commit_callbacks
):
    user = User.objects.create_user(email="again@example.org", password="x-pass-12345", display_name="老李")
    with time_machine.travel(FIRST, tick=False):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            assert join(client, community, room="999").status_code == 302
        membership = Membership.objects.get(user=user)
        client.force_login(worker)
        client.post(f"/communities/{community.pk}/members/{membership.pk}/reject/", {"reason": "房号不存在"})
    assert len(worker_notices(worker)) == 1
    assert "2026-03-01 10:00" in worker_notices(worker)[0].body

    mail.outbox.clear()
    with time_machine.travel(AGAIN, tick=False):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            assert join(client, community).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert timezone.localtime(membership.requested_at) == AGAIN
    notices = worker_notices(worker)
    assert len(notices) == 2
    assert "老李" in notices[1].subject and "2026-03-08 09:30" in notices[1].body
    assert "2026-03-01" not in notices[1].body
    assert [m.to for m in mail.outbox] == [[worker.email]]
    assert "2026-03-08 09:30" in mail.outbox[0].body

    # The members page shows the new application for the workers to decide.
    client.force_login(worker)
    page = client.get(f"/communities/{community.pk}/members/").content.decode()
    assert f'id="membership-{membership.pk}"' in page


def test_the_inbox_shows_a_name_exactly_as_typed_and_still_escapes_it(
    client, community, worker, household, django_capture_on_commit_callbacks
):
    typed = "王<b>&amp;\"老'"
    user = User.objects.create_user(email="odd@example.org", password="x-pass-12345", display_name=typed)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        join(client, community)
    (notice,) = worker_notices(worker)
    # Stored as plain text, the way it was typed.
    assert typed in notice.subject and typed in notice.body
    # Mailed as plain text.
    (message,) = mail.outbox
    assert typed in message.subject and typed in message.body
    # Escaped once on the page: shown as typed, never as markup, never as "&lt;".
    client.force_login(worker)
    page = client.get("/inbox/").content.decode()
    escaped_once = "王&lt;b&gt;&amp;amp;&quot;老&#x27;"
    assert page.count(escaped_once) == 2  # subject and body
    assert "<b>" not in page.split('class="list inbox"')[1]
    assert "&amp;lt;" not in page
