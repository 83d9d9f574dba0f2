"""A passed motion resolves the hall's requests on its agenda item."""

import pytest
from django.core import mail
from django.urls import reverse

from deliberation.models import Category, Notification, Request, Role
from deliberation.services.requests import request_submit
from meetings.models import Meeting, Motion, Resolution
from meetings.services import motions as svc
from meetings.services.convening import agenda_item_link_requests
from meetings.services.minutes import meeting_start
from tests.factories import four_parties, make_meeting, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    category, _ = Category.objects.get_or_create(
        name_zh="设施维修",
        defaults={"name_en": "Facility repairs", "default_party": "property", "sla_days": 5},
    )
    return category


def submit(community, category, title):
    requester = make_member(community, role=Role.RESIDENT)
    return request_submit(
        community=community, by=requester, title=title, description=title * 3, category=category
    )


def test_a_passed_motion_resolves_the_agenda_items_requests(
    client, community, category, django_capture_on_commit_callbacks
):
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting)
    item = meeting.agenda_items.first()
    lift, lights = submit(community, category, "3号楼电梯经常停运"), submit(community, category, "楼道灯不亮")
    agenda_item_link_requests(item=item, by=meeting.convener, requests=[lift, lights])
    meeting_start(meeting=meeting, by=people["chair"].user)
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text="大修3号楼电梯", agenda_item=item)
    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    told_before = {r.pk: Notification.objects.filter(user=r.requester).count() for r in (lift, lights)}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.motion_close(motion=motion, by=people["chair"].user)

    resolution = Resolution.objects.get(motion=motion)
    url = reverse("resolution_detail", args=[resolution.pk])
    for request in (lift, lights):
        request.refresh_from_db()
        assert request.status == Request.Status.RESOLVED_BY_MEETING
        event = request.events.order_by("-id").first()
        assert event.kind == "resolved_by_meeting" and event.url == url
        assert Notification.objects.filter(user=request.requester).count() == told_before[request.pk] + 1
    assert {m.to[0] for m in mail.outbox} >= {lift.requester.email, lights.requester.email}
    client.cookies["django_language"] = "en"
    body = client.get(url).content.decode()
    assert "3号楼电梯经常停运" in body and "楼道灯不亮" in body


def test_a_failed_motion_leaves_the_requests_on_the_agenda(community, category):
    meeting = make_meeting(community, status=Meeting.Status.SCHEDULED)
    people = four_parties(meeting)
    item = meeting.agenda_items.first()
    request = submit(community, category, "垃圾站异味")
    agenda_item_link_requests(item=item, by=meeting.convener, requests=[request])
    meeting_start(meeting=meeting, by=people["chair"].user)
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text="搬迁垃圾站", agenda_item=item)
    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="against")
    svc.motion_close(motion=motion, by=people["chair"].user)
    request.refresh_from_db()
    assert request.status == Request.Status.ON_AGENDA
