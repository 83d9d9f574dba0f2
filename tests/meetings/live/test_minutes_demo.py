"""The demo's finished meeting: verified minutes and a printable view."""

import pytest
from django.urls import reverse

from meetings.demo.live import CLOSED_TITLE, HALL_REQUEST_TITLE, LIVE_TITLE
from meetings.models import Meeting, Resolution
from meetings.services.minutes import minutes_verify

pytestmark = pytest.mark.django_db


def test_demo_meeting_has_verified_minutes_and_prints(client, seeded_demo):
    """``seeded_demo``: seed_demo run twice (the second run must be idempotent)."""
    meeting = Meeting.objects.get(title=CLOSED_TITLE)
    assert Meeting.objects.filter(title=CLOSED_TITLE).count() == 1
    assert minutes_verify(meeting=meeting).ok
    assert Resolution.objects.filter(meeting=meeting).count() == 2
    client.cookies["django_language"] = "en"
    body = client.get(reverse("meeting_minutes_print", args=[meeting.pk])).content.decode()
    assert 'data-verified="true"' in body
    assert "Signatures" in body and "Property company" in body
    assert "使用专项维修资金" in body and "3/4" in body
    assert "Turnout reached" in body
    live = Meeting.objects.get(title=LIVE_TITLE)
    assert live.agenda_items.order_by("position").first().requests.filter(title=HALL_REQUEST_TITLE).exists()
    assert client.get(reverse("meeting_live", args=[live.pk])).status_code == 200
