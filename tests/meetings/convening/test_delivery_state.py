"""The meeting page tells whoever manages the meeting whether each notice reached each
participant, per channel, with "send again" for the failed ones; nobody else sees any of it."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.models import Delivery, Role
from meetings.models import Meeting, Participant, Party
from meetings.services import convening
from tests.factories import in_english, make_member, soon

pytestmark = pytest.mark.usefixtures("english_service_messages")

MANAGER = "manager@wuye.example"  # the property company's manager, invited by e-mail only


def row_of(html: str, name: str) -> str:
    """The participant's row on the meeting page."""
    return html.split(f"<li>{name} ", 1)[1].split("\n        </li>", 1)[0]


@pytest.fixture
def invited(ready, convener, failing_mail, django_capture_on_commit_callbacks):
    """Invitations sent; the manager's mail server refuses the address for good."""
    failing_mail.NO_SUCH_USER.add(MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        return convening.meeting_schedule(meeting=ready, by=convener)


def test_the_convener_sees_delivered_and_failed_per_participant(client, invited, convener):
    in_english(client).force_login(convener)
    html = client.get(f"/meetings/{invited.pk}/").content.decode()
    committee = row_of(html, "张建国")
    assert "Invitation" in committee and "E-mail" in committee and "Delivered" in committee
    manager = row_of(html, "刘经理")
    assert "Failed, gave up" in manager and "no such user" in manager and "Delivered" not in manager
    failed = Delivery.objects.get(address=MANAGER)
    assert f'action="/deliveries/{failed.pk}/retry/"' in manager
    assert html.count("/retry/") == 1  # only the failed delivery has the button


def test_a_participant_and_the_public_see_none_of_it(client, invited):
    committee_member = Participant.objects.get(meeting=invited, party=Party.COMMITTEE).user
    for user in (committee_member, None):
        client.logout()
        if user is not None:
            in_english(client).force_login(user)
        html = in_english(client).get(f"/meetings/{invited.pk}/").content.decode()
        assert "张建国" in html  # the participants are listed…
        assert "Delivered" not in html and "Failed" not in html and "no such user" not in html
        assert "/deliveries/" not in html and 'class="notices"' not in html


def test_inbox_only_and_waiting_for_the_quiet_hours(client, invited, convener):
    """A participant who wants no e-mail and has no phone is told in the inbox only; a queued SMS
    says when the quiet hours end."""
    committee_member = Participant.objects.get(meeting=invited, party=Party.COMMITTEE).user
    committee_member.notify_email = False
    committee_member.save()
    with_phone = Participant.objects.get(meeting=invited, party=Party.RESIDENTS)
    Participant.objects.filter(pk=with_phone.pk).update(phone="+8613800138000")
    meeting = convening.meeting_update(meeting=invited, by=convener, place="居委会二楼会议室")
    assert meeting.sequence == invited.sequence + 1
    morning = timezone.now() + timedelta(hours=3)
    Delivery.objects.filter(channel=Delivery.Channel.SMS).update(not_before=morning)
    in_english(client).force_login(convener)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    committee = row_of(html, "张建国")
    assert "Update" in committee and "Inbox only" in committee
    representative = row_of(html, "李秀英")
    assert "SMS" in representative and "waiting for the quiet hours to end" in representative
    assert Delivery.objects.filter(channel=Delivery.Channel.SMS).count() == 1


def test_a_failed_invitation_is_sent_again_through_the_button(
    client, ready, convener, failing_mail, django_capture_on_commit_callbacks
):
    failing_mail.UNREACHABLE.add(MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = convening.meeting_schedule(meeting=ready, by=convener)
    failed = Delivery.objects.get(address=MANAGER)
    assert failed.status == Delivery.Status.FAILED and failed.next_attempt_at is not None
    assert not [m for m in django_mail.outbox if MANAGER in m.to]
    in_english(client).force_login(convener)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    manager = row_of(html, "刘经理")
    assert "Failed, will retry" in manager and "next attempt" in manager and "Connection refused" in manager
    failing_mail.UNREACHABLE.clear()  # the manager's mail server is back
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/deliveries/{failed.pk}/retry/", {"next": f"/meetings/{meeting.pk}/#parties"}
        )
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/#parties"
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT and failed.sent_at is not None
    to_manager = [m for m in django_mail.outbox if MANAGER in m.to]
    assert len(to_manager) == 1 and to_manager[0].subject.startswith("会议邀请")  # the manager reads Chinese
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "is being sent again to 刘经理" in html
    assert "Delivered" in row_of(html, "刘经理") and "/retry/" not in html


def meeting_with(community, convener, n: int, failing_mail) -> Meeting:
    starts, ends = soon()
    meeting = convening.meeting_create(
        community=community, by=convener, title=f"{n}人会议", place="活动室", starts_at=starts, ends_at=ends
    )
    convening.participant_add(
        meeting=meeting, by=convener, user=convener, party=Party.COMMUNITY, role="chair"
    )
    for party in (Party.COMMITTEE, Party.PROPERTY, Party.RESIDENTS):
        convening.participant_add(
            meeting=meeting, by=convener, user=make_member(community, role=Role.RESIDENT), party=party
        )
    for i in range(n - 4):
        email = f"guest{n}-{i}@example.org"
        if i % 2:
            failing_mail.NO_SUCH_USER.add(email)
        convening.participant_add(
            meeting=meeting, by=convener, name=f"来宾{i}", email=email, party=Party.RESIDENTS
        )
    convening.meeting_schedule(meeting=meeting, by=convener)
    return meeting


def test_the_page_makes_as_many_queries_for_20_participants_as_for_5(
    client, community, convener, failing_mail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        small = meeting_with(community, convener, 5, failing_mail)
        large = meeting_with(community, convener, 20, failing_mail)
    assert Delivery.objects.filter(status=Delivery.Status.GAVE_UP).count() == 8  # every other guest of 20
    in_english(client).force_login(convener)
    client.get(f"/meetings/{small.pk}/")  # warm the per-process caches (pages, site)
    counts = []
    for meeting in (small, large):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/meetings/{meeting.pk}/").content.decode()
        counts.append(len(queries))
        assert html.count("Delivered") >= 4
    assert counts[0] == counts[1], counts


def test_the_page_reads_the_participants_the_agenda_and_the_community_once(
    client, community, convener, failing_mail, django_capture_on_commit_callbacks
):
    """Who manages the meeting sees the participants (with their notices), who will be told, their
    own row, the agenda with its requests' links and the forwarding card: each read once."""
    from deliberation.models import Category
    from deliberation.services.requests import request_submit
    from meetings.services import convening as convening_services

    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_with(community, convener, 6, failing_mail)
        request = request_submit(
            community=community,
            by=make_member(community, role=Role.RESIDENT),
            title="北门路灯不亮",
            description="两盏路灯坏了。",
            category=Category.objects.order_by("position").first(),
        )
        for title in ("北门路灯", "垃圾分类", "停车收费", "电梯维修"):
            item = convening_services.agenda_item_add(meeting=meeting, by=convener, title=title)
            convening_services.agenda_item_link_requests(item=item, by=convener, requests=[request])
    in_english(client).force_login(convener)
    client.get(f"/meetings/{meeting.pk}/")  # warm the per-process caches (pages, site)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "电梯维修" in html
    assert f"/hall/requests/{request.tracking_number}/" in html  # the requests' links, in the hall
    assert "participants will be told" in html
    reads = [q["sql"] for q in queries.captured_queries]

    def reading(table):
        return [sql for sql in reads if sql.startswith("SELECT") and f'FROM "{table}"' in sql]

    assert len(reading("meetings_participant")) == 1, reading("meetings_participant")
    assert len(reading("meetings_agendaitem")) == 1, reading("meetings_agendaitem")
    assert reading("cms_communitypage") == []  # it came with the meeting
