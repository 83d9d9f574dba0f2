"""Published resolutions, the public-notice period and public follow-up progress."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Resolution
from meetings.services import motions as svc

from .live_factories import four_parties, make_meeting

pytestmark = pytest.mark.django_db


def passed_resolution(meeting, people, text="增设电动车充电桩"):
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text=text, agenda_item=None)
    from meetings.models import Motion

    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)
    return Resolution.objects.get(motion=motion)


@pytest.fixture
def meeting(community):
    return make_meeting(community)


@pytest.fixture
def people(meeting):
    return four_parties(meeting)


def test_resolutions_are_public_with_their_notice_period(client, community, meeting, people):
    resolution = passed_resolution(meeting, people)
    client.cookies["django_language"] = "en"
    for url in (
        reverse("meeting_resolutions", args=[meeting.pk]),
        reverse("community_resolutions", args=[community.pk]),
        reverse("resolution_detail", args=[resolution.pk]),
    ):
        body = client.get(url).content.decode()
        assert "增设电动车充电桩" in body, url
        assert "Public notice" in body, url
    body = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
    assert 'data-in-notice="true"' in body and "for 3 days" in body


def test_notice_period_ends_after_three_days(client, meeting, people):
    resolution = passed_resolution(meeting, people)
    client.cookies["django_language"] = "en"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        assert not resolution.in_notice
        body = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
        assert 'data-in-notice="false"' in body and "period ended" in body


def test_members_only_resolutions_are_hidden_from_outsiders(client, community, people, users_by_role):
    meeting = make_meeting(community, visibility=Meeting.Visibility.MEMBERS)
    resolution = passed_resolution(meeting, four_parties(meeting), text="内部决议")
    client.force_login(users_by_role["outsider"])
    assert client.get(reverse("resolution_detail", args=[resolution.pk])).status_code == 403
    assert (
        "内部决议" not in client.get(reverse("community_resolutions", args=[community.pk])).content.decode()
    )
    client.force_login(users_by_role["resident"])
    assert client.get(reverse("resolution_detail", args=[resolution.pk])).status_code == 200


def test_follow_up_actions_and_their_progress_are_public(client, meeting, people, resident):
    resolution = passed_resolution(meeting, people)
    client.force_login(resident)
    response = client.post(
        reverse("resolution_action_add", args=[resolution.pk]), {"title": "x", "owner_party": "property"}
    )
    assert response.status_code == 403
    client.force_login(people["secretary"].user)
    client.post(
        reverse("resolution_action_add", args=[resolution.pk]),
        {"title": "物业提交充电桩选址方案", "owner_party": "property", "due_date": "2026-12-31"},
    )
    action = resolution.actions.get()
    client.post(
        reverse("action_progress", args=[action.pk]), {"note": "已完成现场勘查", "status": "in_progress"}
    )
    client.logout()
    client.cookies["django_language"] = "en"
    body = client.get(reverse("resolution_detail", args=[resolution.pk])).content.decode()
    assert "物业提交充电桩选址方案" in body and "已完成现场勘查" in body and "In progress" in body
    assert 'data-status="in_progress"' in body


def test_the_community_list_makes_the_same_queries_for_more_resolutions(client, community, meeting, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("community_resolutions", args=[community.pk])
    passed_resolution(meeting, people, text="第一项")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        resolution = passed_resolution(meeting, people, text=f"决议{i}")
        svc.action_add(
            resolution=resolution, by=people["secretary"].user, title="落实", owner_party="property"
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("data-resolution-id") == 6
    assert len(many) == len(few)
