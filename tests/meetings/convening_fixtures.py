"""Fixtures and helpers for the convening tests (imported by the test_convening*/test_ical*/...
modules; kept out of conftest.py so the live-minutes tests stay independent)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.models import Role
from meetings.models import Meeting, Participant, ParticipantRole, Party
from meetings.services import convening
from tests.factories import UserFactory, make_member


def soon(days=7, hour=14):
    start = (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=2)


@pytest.fixture
def convener(community):
    return make_member(community, role=Role.WORKER, display_name="陈社工", email="convener@example.org")


@pytest.fixture
def draft(community, convener):
    starts, ends = soon()
    return convening.meeting_create(
        community=community,
        by=convener,
        title="四方会议：电梯维修",
        place="党群服务中心三楼",
        starts_at=starts,
        ends_at=ends,
    )


def add_four_parties(meeting, community, convener, *, email_only_language="zh-hans"):
    """One participant per party; the property company's manager has no account."""
    committee = make_member(community, role=Role.COMMITTEE, display_name="张建国")
    rep = make_member(community, role=Role.REPRESENTATIVE, display_name="李秀英", language="en")
    people = [
        convening.participant_add(meeting=meeting, by=convener, user=committee, party=Party.COMMITTEE),
        convening.participant_add(
            meeting=meeting,
            by=convener,
            name="刘经理",
            email="manager@wuye.example",
            party=Party.PROPERTY,
            language=email_only_language,
        ),
        convening.participant_add(meeting=meeting, by=convener, user=rep, party=Party.RESIDENTS),
        convening.participant_add(
            meeting=meeting, by=convener, user=convener, party=Party.COMMUNITY, role=ParticipantRole.CHAIR
        ),
    ]
    return people


@pytest.fixture
def ready(draft, community, convener):
    """A draft with a time, a place and all four parties: ready to invite."""
    add_four_parties(draft, community, convener)
    convening.agenda_item_add(meeting=draft, by=convener, title="3号楼电梯更换")
    convening.agenda_item_add(meeting=draft, by=convener, title="小区停车收费")
    return Meeting.objects.get(pk=draft.pk)


@pytest.fixture
def scheduled(ready, convener, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return convening.meeting_schedule(meeting=ready, by=convener)


@pytest.fixture
def email_only(ready):
    return Participant.objects.get(meeting=ready, user__isnull=True)


def other_user():
    return UserFactory()


def in_english(client):
    """Pages follow the language cookie; English makes assertions on labels independent of .po files."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def english_service_messages():
    """Service errors are asserted in English; mails still follow each recipient's language."""
    from django.utils import translation

    with translation.override("en"):
        yield
