"""Published resolutions, the public-notice period and public follow-up progress."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Resolution
from meetings.services import motions as svc
from tests.factories import four_parties, make_meeting

pytestmark = pytest.mark.django_db


def passed_resolution(meeting, people, text="增设电动车充电桩"):
    event = svc.motion_open(meeting=meeting, by=people["chair"].user, text=text, agenda_item=None)
    from meetings.models import Motion

    motion = Motion.objects.get(pk=event.payload["id"])
    svc.ballot_cast(motion=motion, by=people["committee"].user, choice="for")
    svc.motion_close(motion=motion, by=people["chair"].user)
    return Resolution.objects.get(motion=motion)


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


def _resolved_meetings(community, count, *, visibility=Meeting.Visibility.PUBLIC):
    for i in range(count):
        meeting = make_meeting(community, visibility=visibility)
        people = four_parties(meeting)
        resolution = passed_resolution(meeting, people, text=f"决议{meeting.pk}-{i}")
        svc.action_add(
            resolution=resolution, by=people["secretary"].user, title="落实", owner_party="property"
        )


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    return len(queries), body


@pytest.mark.parametrize("role", ["anonymous", "outsider", "resident", "worker"])
def test_the_community_list_makes_the_same_queries_for_2_as_for_20_meetings(
    client, community, users_by_role, role
):
    """Counted for a signed-in non-member too: the old list asked the rules resolution by
    resolution (several queries per meeting) for anyone but the public."""
    if users_by_role[role] is not None:
        client.force_login(users_by_role[role])
    url = reverse("community_resolutions", args=[community.pk])
    _resolved_meetings(community, 2)
    client.get(url)
    few, body = _queries(client, url)
    assert body.count("data-resolution-id") == 2
    _resolved_meetings(community, 18)
    many, body = _queries(client, url)
    assert body.count("data-resolution-id") == 20
    assert many == few


def test_the_community_list_is_paginated(client, community):
    _resolved_meetings(community, 23)
    url = reverse("community_resolutions", args=[community.pk])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count("data-resolution-id") == 20 and second.count("data-resolution-id") == 3
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert client.get(url + "?page=abc").status_code == 200


def test_the_community_list_shows_exactly_what_the_rules_allow(client, community, users_by_role):
    """The list filters in the database; it must agree with ``meetings.view_resolution`` for every role."""
    from tests.conftest import as_user
    from tests.factories import HouseholdFactory, OwnerFactory, UserFactory, link_owner

    _resolved_meetings(community, 2)
    _resolved_meetings(community, 2, visibility=Meeting.Visibility.MEMBERS)
    owner_user = UserFactory()
    link_owner(
        OwnerFactory(household=HouseholdFactory(building__community=community), name="业主"), owner_user
    )
    url = reverse("community_resolutions", args=[community.pk])
    for role, user in {**users_by_role, "owner": owner_user}.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        body = client.get(url).content.decode()
        shown = {
            r.pk
            for r in Resolution.objects.filter(community=community)
            if f'data-resolution-id="{r.pk}"' in body
        }
        allowed = {
            r.pk
            for r in Resolution.objects.filter(community=community)
            if as_user(user).has_perm("meetings.view_resolution", r)
        }
        assert shown == allowed, role


def test_action_due_dates_are_beijing_days(client, community, meeting, people):
    """Published at 01:00 on 2 December in Beijing (17:00 UTC on the 1st): due on the 1st is
    before the resolution, due on the 2nd is fine."""
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    with time_machine.travel(datetime.datetime(2026, 12, 2, 1, 0, tzinfo=shanghai), tick=False):
        resolution = passed_resolution(meeting, people)
        client.force_login(people["secretary"].user)
        url = reverse("resolution_action_add", args=[resolution.pk])
        client.cookies["django_language"] = "en"
        refused = client.post(
            url, {"title": "早", "owner_party": "property", "due_date": "2026-12-01"}, follow=True
        )
        assert "The due date is before the resolution." in refused.content.decode()
        assert not resolution.actions.exists()
        client.post(url, {"title": "当天", "owner_party": "property", "due_date": "2026-12-02"})
        assert list(resolution.actions.values_list("title", flat=True)) == ["当天"]
