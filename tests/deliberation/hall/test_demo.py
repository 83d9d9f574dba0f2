"""seed_demo fills the hall with requests in every state, and running it twice changes nothing."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from deliberation.models import Notification, Request, RequestEvent
from deliberation.selectors import hall_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hour", [10, 23])  # late evening in Shanghai moves some times past midnight
def test_seed_demo_shows_the_whole_loop(client, hour):
    clock = datetime.datetime(2026, 11, 30, hour, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(clock, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    snapshot = (Request.objects.count(), RequestEvent.objects.count(), Notification.objects.count())
    with time_machine.travel(clock + datetime.timedelta(minutes=5), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    assert (Request.objects.count(), RequestEvent.objects.count(), Notification.objects.count()) == snapshot

    statuses = set(Request.objects.values_list("status", flat=True))
    assert statuses == set(Request.Status.values)
    kinds = set(RequestEvent.objects.values_list("kind", flat=True))
    assert {"proposed", "reopened", "escalated", "reminded", "urged", "auto_closed", "recorded"} <= kinds
    assert Request.objects.filter(proposed_at__isnull=False).exists()

    community = Request.objects.first().community
    assert client.get(hall_url(community)).status_code == 200
    assert (
        client.get(reverse("community_statistics", kwargs={"community_id": community.pk})).status_code == 200
    )
    for request in Request.objects.all():
        assert client.get(request.get_absolute_url()).status_code == 200
