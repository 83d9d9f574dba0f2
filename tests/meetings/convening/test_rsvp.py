"""RSVP from the mail's signed links (no account) or on the site; tampered or expired links are
refused with a clear page and change nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cms.services import ServiceError
from meetings.models import Meeting, Participant
from meetings.services import convening, rsvp
from meetings.signing import MAX_AGE, participant_token
from tests.factories import in_english

pytestmark = pytest.mark.usefixtures("english_service_messages")


def link(participant, answer=""):
    url = f"/meetings/respond/{participant_token(participant)}/"
    return f"{url}?answer={answer}" if answer else url


@pytest.fixture
def manager(scheduled):
    return scheduled.participants.get(user__isnull=True)


def test_email_only_participant_accepts_without_an_account(client, manager, scheduled):
    page = client.get(link(manager, "ACCEPTED"))
    assert page.status_code == 200
    manager.refresh_from_db()
    assert manager.partstat == "NEEDS-ACTION", "opening the link (mail scanners do) changes nothing"
    response = client.post(link(manager), {"action": "rsvp", "partstat": "ACCEPTED"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.partstat == "ACCEPTED" and manager.answered_at is not None
    scheduled.refresh_from_db()
    assert scheduled.sequence == 1, "an RSVP never raises SEQUENCE"


def test_answer_shows_on_the_meeting_page_per_party(client, manager, scheduled, convener):
    rsvp.participant_rsvp(participant=manager, partstat="TENTATIVE")
    client.force_login(convener)
    html = in_english(client).get(f"/meetings/{scheduled.pk}/").content.decode()
    property_section = html.split("Property company", 1)[1].split("<h3>", 1)[0]
    assert "刘经理" in property_section and "partstat-tentative" in property_section


def test_tampered_link_is_refused(client, manager):
    in_english(client)
    token = participant_token(manager)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for method in ("get", "post"):
        response = getattr(client, method)(
            f"/meetings/respond/{tampered}/", {"action": "rsvp", "partstat": "DECLINED"}
        )
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    manager.refresh_from_db()
    assert manager.partstat == "NEEDS-ACTION"


def test_link_of_another_meeting_id_is_refused(client, manager, scheduled):
    other = Meeting.objects.create(community=scheduled.community, convener=scheduled.convener, title="别的会")
    forged = Participant(pk=manager.pk, meeting=other)
    response = client.post(link(forged), {"action": "rsvp", "partstat": "DECLINED"})
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.partstat == "NEEDS-ACTION"


def test_expired_link_is_refused(client, manager):
    in_english(client)
    url = link(manager)
    with time_machine.travel(timezone.now() + timedelta(seconds=MAX_AGE + 60)):
        response = client.post(url, {"action": "rsvp", "partstat": "DECLINED"})
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    manager.refresh_from_db()
    assert manager.partstat == "NEEDS-ACTION"


def test_link_of_removed_participant_is_refused(client, scheduled, convener):
    extra = convening.participant_add(
        meeting=scheduled, by=convener, name="王委员", email="wang@example.org", party="committee"
    )
    url = link(extra)
    convening.participant_remove(participant=extra, by=convener)
    assert client.get(url).status_code == 400


def test_site_rsvp_by_logged_in_participant(client, scheduled):
    rep = scheduled.participants.get(party="residents")
    client.force_login(rep.user)
    client.post(f"/meetings/{scheduled.pk}/rsvp/", {"partstat": "DECLINED"})
    rep.refresh_from_db()
    assert rep.partstat == "DECLINED"


def test_rsvp_refused_on_cancelled_meeting_and_bad_value(manager, scheduled, convener):
    with pytest.raises(ServiceError):
        rsvp.participant_rsvp(participant=manager, partstat="MAYBE")
    convening.meeting_cancel(meeting=scheduled, by=convener)
    with pytest.raises(ServiceError, match="cancelled"):
        rsvp.participant_rsvp(participant=manager, partstat="ACCEPTED")
    manager.refresh_from_db()
    assert manager.partstat == "NEEDS-ACTION"


def test_links_taken_from_the_mail_itself_work(client, scheduled):
    import re

    from django.core import mail as django_mail

    message = next(m for m in django_mail.outbox if m.to == ["manager@wuye.example"])
    url = re.search(r"http://\S+/meetings/respond/\S+\?answer=DECLINED", message.body).group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    client.post("/" + path.split("?")[0], {"action": "rsvp", "partstat": "DECLINED"})
    assert scheduled.participants.get(email="manager@wuye.example").partstat == "DECLINED"
