import pytest
from django.core.management import call_command

from deliberation.demo.people import ACCOUNTS, DEMO_PASSWORD
from deliberation.models import Household, Membership, User
from tests.demo_seed import snapshot

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_leaves_the_same_data(seeded_demo):
    """``seeded_demo``: seed_demo run, ``seeded_demo.first`` taken, seed_demo run again."""
    assert snapshot() == seeded_demo.first
    assert 190 <= Household.objects.count() <= 210
    for email, _name, _role, _community in ACCOUNTS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert Membership.objects.get(user__email="worker@demo.cn").role == "worker"
    assert User.objects.get(email="property@demo.cn").property_company is not None
    assert User.objects.get(email="street@demo.cn").street_office is not None


def _drive_the_demo():
    """What people do with the demo site: every demo meeting and request moved on by the services."""
    from cms.models import CommunityPage
    from deliberation.models import Request
    from deliberation.services.requests import request_accept, request_resolve
    from meetings.demo import convening as meetings_demo
    from meetings.demo import live as demo_live
    from meetings.models import Meeting
    from meetings.services import convening, minutes, motions, polls

    community = CommunityPage.objects.get(slug="xingfu")
    worker = User.objects.get(email="worker@demo.cn")
    meetings = Meeting.objects.filter(community=community)
    # The meeting in progress: a motion decided, the meeting closed.
    live = meetings.get(title=demo_live.LIVE_TITLE)
    event = motions.motion_open(meeting=live, by=worker, text="楼道杂物三日内清理完毕。", agenda_item=None)
    motion = live.motions.get(pk=event.payload["id"])
    for participant in live.participants.filter(votes=True, attendances__isnull=False):
        motions.ballot_cast(motion=motion, by=participant.user, choice="for")
    motions.motion_close(motion=motion, by=worker)
    minutes.meeting_close(meeting=live, by=worker)
    # The scheduled meeting: a participant removed, then started and closed.
    scheduled = meetings.get(title=meetings_demo.SCHEDULED_TITLE)
    manager = scheduled.participants.get(email=meetings_demo.MANAGER_EMAIL)
    convening.participant_remove(participant=manager, by=worker)
    for item in scheduled.agenda_items.all():
        convening.agenda_item_remove(item=item, by=worker)
    minutes.meeting_start(meeting=scheduled, by=worker, confirm=True)
    minutes.meeting_close(meeting=scheduled, by=worker)
    # The polling meeting: its time fixed, then cancelled.
    polling = meetings.get(title=meetings_demo.POLLING_TITLE)
    polls.poll_fix(meeting=polling, slot=polling.slots.order_by("starts_at").first(), by=worker)
    convening.meeting_cancel(meeting=Meeting.objects.get(pk=polling.pk), by=worker, reason="改期")
    # A request of the hall resolved.
    request = Request.objects.for_community(community).get(title="北门晚上路灯不亮")
    request_accept(request=request, by=worker)
    request_resolve(request=Request.objects.get(pk=request.pk), by=worker, note="已修好")
    return {
        "live": Meeting.objects.get(pk=live.pk).status,
        "scheduled": Meeting.objects.get(pk=scheduled.pk).status,
        "polling": Meeting.objects.get(pk=polling.pk).status,
        "request": Request.objects.get(pk=request.pk).status,
    }


def test_seed_demo_after_the_demo_was_used_creates_nothing_and_changes_nothing(
    seeded_demo, django_capture_on_commit_callbacks
):
    """``make run`` runs ``seed_demo`` every time: after people used the demo it must still succeed."""
    with django_capture_on_commit_callbacks(execute=True):
        states = _drive_the_demo()
    assert states == {"live": "closed", "scheduled": "closed", "polling": "cancelled", "request": "resolved"}
    driven = snapshot()
    call_command("seed_demo")
    assert snapshot() == driven


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_story_sends_nothing_later_even_when_seeded_at_night():
    """Its notices are delivered at once, to nowhere: the task worker of `make run` (or a server
    with a real SMS provider) never texts the demo numbers at 07:00."""
    import time_machine

    from deliberation import sms
    from deliberation.models import Delivery

    with time_machine.travel("2026-12-07 23:30 +0800", tick=True):
        call_command("seed_demo", verbosity=0)
    assert Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()
    assert not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()
    sms.outbox.clear()
