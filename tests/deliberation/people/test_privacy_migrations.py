"""The data migrations that repair what was stored before the privacy fixes (issue 9)."""

import importlib

import pytest
from django.apps import apps

from deliberation.models import Notification, Role
from meetings.models import Participant, Party
from tests.factories import make_meeting, make_member

pytestmark = pytest.mark.django_db

notices = importlib.import_module("deliberation.migrations.0007_notices_as_plain_text")
participants = importlib.import_module("meetings.migrations.0005_participant_names_without_email")


def test_notices_stored_escaped_become_plain_text_and_meeting_mails_are_left_alone(resident):
    escaped = Notification.objects.create(
        user=resident,
        subject="王&lt;b&gt;&amp; 申请加入",
        body="&quot;老&#x27;",
        key="membership-requested-1-1",
    )
    meeting = Notification.objects.create(
        user=resident, subject="议题 &lt;b&gt;", key="meeting-1-invitation-0-1"
    )
    notices.unescape(apps, None)
    escaped.refresh_from_db()
    meeting.refresh_from_db()
    assert (escaped.subject, escaped.body) == ("王<b>& 申请加入", "\"老'")
    assert meeting.subject == "议题 &lt;b&gt;"


def test_participants_stored_under_an_address_get_their_name_or_their_party(community):
    meeting = make_meeting(community)
    named = make_member(community, role=Role.REPRESENTATIVE, display_name="李秀英", email="li@example.org")
    nameless = make_member(community, role=Role.COMMITTEE, display_name="", email="quiet@example.org")
    a = Participant.objects.create(meeting=meeting, user=named, name="li@example.org", party=Party.RESIDENTS)
    b = Participant.objects.create(
        meeting=meeting, user=nameless, name="quiet@example.org", party=Party.COMMITTEE
    )
    c = Participant.objects.create(
        meeting=meeting, name="刘经理", email="m@wuye.example", party=Party.PROPERTY
    )
    participants.rename(apps, None)
    assert [p.name for p in Participant.objects.filter(pk__in=[a.pk, b.pk, c.pk]).order_by("pk")] == [
        "李秀英",
        "业主委员会",
        "刘经理",
    ]
