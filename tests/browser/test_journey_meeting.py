"""Journey 2: from a supported request to a four-party meeting with a fixed time.

A resident's request (submitted through the hall's service: journey 1 proves the form) gets the
supports of three neighbours, each in their own browser; past the community's threshold (3) the
hall shows it "proposed for the four-party meeting". The community worker convenes a four-party
meeting, takes the request onto its agenda (the request then shows it is on a meeting agenda),
adds one participant per party — the property manager by email only, without an account — and
opens a time poll. The manager answers through the signed link in the poll mail; the worker
fixes the best time, and the invitation mail carries a calendar file (METHOD:REQUEST, UID,
one ATTENDEE per participant).
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from deliberation.models import Category, Request, Role
from deliberation.selectors import hall_url
from deliberation.services.requests import request_submit
from meetings.models import Meeting, Participant, SlotAnswer
from tests.factories import make_member

from . import journeys
from .helpers import BROWSER, DESKTOP, PHONE, shot

pytestmark = BROWSER

MANAGER_EMAIL = "chen.manager@yijuwuye.test"


@pytest.fixture
def neighbours(world):
    return [
        make_member(
            world.community,
            role=Role.RESIDENT,
            household=world.households[2 + i],
            email=f"neighbour{i + 1}@xingfu.test",
            display_name=f"邻居{i + 1}",
        )
        for i in range(3)
    ]


@pytest.fixture
def committee_member(world):
    return make_member(
        world.community, role=Role.COMMITTEE, email="committee@xingfu.test", display_name="刘主任"
    )


@pytest.fixture
def elevator_request(world):
    return request_submit(
        community=world.community,
        by=world.resident,
        title="2号楼电梯经常停运",
        description="2号楼电梯本周停了三次，老人上下楼很困难，请尽快检修。",
        category=Category.objects.order_by("pk").first(),
        location="2号楼2单元",
        show_name=True,
    )


def beijing(days: int, hour: int) -> str:
    """A datetime-local value ``days`` from today at ``hour`` o'clock, Beijing time."""
    day = timezone.localdate() + timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


@pytest.mark.parametrize("language", ["zh-hans"])
def test_supported_request_goes_to_a_four_party_meeting_with_a_polled_time(
    world, neighbours, committee_member, elevator_request, live_server, new_context, language
):
    base = live_server.url
    prefix = f"journey2-{language}"
    tracking_number = elevator_request.tracking_number
    assert world.community.support_threshold == 3

    # Three neighbours support it, each from their own phone.
    for i, neighbour in enumerate(neighbours, start=1):
        page = new_context(viewport=PHONE, language=language, user=neighbour).new_page()
        journeys.support(page, base, tracking_number=tracking_number)
        assert page.locator("#support-count").inner_text() == str(i)
        if i == 3:
            shot(page, f"{prefix}-01-third-support")
    elevator_request.refresh_from_db()
    assert elevator_request.num_vote_up == 3 and elevator_request.proposed_at is not None

    # The worker sees it proposed in the hall.
    worker = new_context(viewport=DESKTOP, language=language, user=world.worker).new_page()
    worker.goto(f"{base}{hall_url(world.community)}?flag=proposed")
    row = worker.locator("li.request-row", has_text=tracking_number)
    with translation.override(language):
        assert row.locator(".ok").inner_text() == translation.gettext("proposed for the four-party meeting")
    shot(worker, f"{prefix}-02-hall-proposed")

    meeting_id = journeys.convene_meeting(
        worker,
        base,
        community=world.community,
        title="四方联席会议：2号楼电梯",
        place="幸福社区党群服务中心三楼会议室",
        screenshot=f"{prefix}-03-convene",
    )
    meeting = Meeting.objects.get(pk=meeting_id)
    assert meeting.status == Meeting.Status.DRAFT and meeting.kind == Meeting.Kind.FOUR_PARTY

    journeys.add_request_to_agenda(worker, request=elevator_request)
    assert worker.locator("#agenda ol li", has_text="2号楼电梯经常停运").count() == 1
    elevator_request.refresh_from_db()
    assert elevator_request.status == Request.Status.ON_AGENDA

    journeys.add_participant(worker, party="committee", member=committee_member)
    journeys.add_participant(worker, party="residents", member=world.resident)
    journeys.add_participant(worker, party="community", member=world.worker)
    assert worker.locator("#parties .message.warning").count() == 1  # the property company is missing
    journeys.add_participant(worker, party="property", name="陈经理", email=MANAGER_EMAIL, language="zh-hans")
    assert worker.locator("#parties .message.warning").count() == 0
    manager = meeting.participants.get(email=MANAGER_EMAIL)
    assert manager.user is None and manager.party == "property"
    assert set(meeting.participants.values_list("party", flat=True)) == {
        "committee",
        "property",
        "residents",
        "community",
    }

    journeys.open_time_poll(
        worker, candidates=[(beijing(10, 19), beijing(10, 21)), (beijing(11, 9), beijing(11, 11))]
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.POLLING
    assert worker.locator("#poll table.poll-table tbody tr").count() == 2
    shot(worker, f"{prefix}-04-meeting-polling")

    # The request page tells everyone it is on a meeting agenda, with a link to the meeting.
    requester = new_context(viewport=PHONE, language=language, user=world.resident).new_page()
    requester.goto(f"{base}/requests/{tracking_number}/")
    with translation.override(language):
        assert requester.locator("main .status").first.inner_text() == str(Request.Status.ON_AGENDA.label)
    assert requester.locator(f".event-on_agenda a[href$='/meetings/{meeting_id}/']").count() == 1
    shot(requester, f"{prefix}-05-request-on-agenda")

    # The property manager has no account: the signed link from the poll mail is enough.
    link = journeys.respond_link(MANAGER_EMAIL)
    guest = new_context(viewport=PHONE, language=language).new_page()
    guest.goto(base + link)
    first, second = meeting.slots.order_by("starts_at")
    guest.locator(f"input[name=answer_{first.pk}][value=yes]").check()
    guest.locator(f"input[name=answer_{second.pk}][value=no]").check()
    shot(guest, f"{prefix}-06-manager-answers")
    guest.locator("#poll form button[type=submit]").click()
    guest.wait_for_load_state()
    assert guest.locator(".messages").count() == 1
    assert SlotAnswer.objects.get(slot=first, participant=manager).answer == "yes"
    assert SlotAnswer.objects.get(slot=second, participant=manager).answer == "no"

    # The worker fixes the best time: the invitations go out.
    worker.reload()
    best = worker.locator("#poll table.poll-table tbody tr.best")
    assert best.count() == 1
    mail.outbox.clear()
    # Fixing the time messages everyone: the page asks first and says who will be told.
    asked = []
    worker.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    best.locator("form.fix-slot button[type=submit]").click()
    worker.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED
    assert asked and any(word in asked[0] for word in ("SMS:", "短信")), asked
    assert (meeting.starts_at, meeting.ends_at) == (first.starts_at, first.ends_at)
    shot(worker, f"{prefix}-07-meeting-scheduled")

    participants = list(meeting.participants.all())
    invitation = journeys.mails_to(MANAGER_EMAIL)[-1]
    (calendar,) = journeys.calendar_parts(invitation)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{meeting.uid}@meetings"
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert len(attendees) == len(participants) == 4
    assert f"mailto:{MANAGER_EMAIL}" in [str(a).lower() for a in attendees]
    assert event["DTSTART"].dt == first.starts_at
    assert {m.to[0] for m in mail.outbox} >= {p.address for p in participants if p.address}
    assert Participant.objects.get(pk=manager.pk).partstat == "NEEDS-ACTION"
