"""Invitation mail: MIME structure, method= matching METHOD:, the recipient's language, and the
date, time and place in every subject and body."""

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from meetings.services import convening
from tests.meetings.feeds.ical_checks import check_itip

pytestmark = pytest.mark.usefixtures("english_service_messages")


def by_recipient():
    return {message.to[0]: message for message in django_mail.outbox}


def structure(message):
    root = message.message()
    assert root.get_content_type() == "multipart/mixed"
    alternative, attachment = root.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar_part = alternative.get_payload()[2]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get("Content-Disposition").startswith("attachment")
    data = calendar_part.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == data, "the attachment is the same file"
    return calendar_part.get_param("method"), data, alternative.get_payload()


def test_invitation_structure_and_method(scheduled):
    mails = by_recipient()
    assert len(mails) == 4
    for message in mails.values():
        method, data, _parts = structure(message)
        assert method == "REQUEST"
        calendar = check_itip(data, method="REQUEST")
        assert calendar["METHOD"] == method


def test_cancel_structure_and_method(scheduled, convener, django_capture_on_commit_callbacks):
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        convening.meeting_cancel(meeting=scheduled, by=convener, reason="台风预警")
    assert len(django_mail.outbox) == 4
    for message in django_mail.outbox:
        method, data, parts = structure(message)
        assert method == "CANCEL"
        assert check_itip(data, method="CANCEL")["METHOD"] == "CANCEL"
        assert "台风预警" in parts[0].get_payload(decode=True).decode()


@pytest.mark.parametrize("kind", ["invitation", "update", "cancel"])
def test_subject_and_body_in_recipient_language_with_date_time_place(
    kind, scheduled, convener, django_capture_on_commit_callbacks
):
    meeting = scheduled
    if kind != "invitation":
        django_mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if kind == "update":
                meeting = convening.meeting_update(meeting=meeting, by=convener, place="社区会议室")
            else:
                meeting = convening.meeting_cancel(meeting=meeting, by=convener)
    local = timezone.localtime(meeting.starts_at)
    date, time = f"{local:%Y-%m-%d}", f"{local:%H:%M}"
    mails = by_recipient()
    english = next(m for m in mails.values() if "李秀英" in m.body)
    chinese = mails["manager@wuye.example"]
    words = {
        "invitation": ("Invitation", "邀请"),
        "update": ("Updated", "变更"),
        "cancel": ("Cancelled", "取消"),
    }
    assert words[kind][0] in english.subject
    assert words[kind][1] in chinese.subject
    assert "Dear" in english.body and "Dear" not in chinese.body
    for message in (english, chinese):
        html = message.alternatives[0].content
        for text in (message.subject, message.body, html):
            assert date in text and time in text and meeting.place in text


def test_email_only_mail_has_signed_answer_links(scheduled):
    message = by_recipient()["manager@wuye.example"]
    assert "/meetings/respond/" in message.body
    assert "answer=ACCEPTED" in message.body and "answer=DECLINED" in message.body
    assert "参加: http" in message.body and "不参加: http" in message.body, "RSVP words, not the hall's 受理"


def test_account_holders_also_get_an_inbox_notice(scheduled):
    from deliberation.models import Notification

    users = [p.user for p in scheduled.participants.filter(user__isnull=False)]
    assert Notification.objects.filter(user__in=users, url=f"/meetings/{scheduled.pk}/").count() == 3


def test_structure_survives_serialisation(scheduled):
    """What an SMTP server receives: parse the bytes back and find the same structure."""
    import email
    from email import policy

    for message in django_mail.outbox:
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
        assert parsed.get_content_type() == "multipart/mixed"
        alternative, attachment = parsed.iter_parts()
        calendar_part = list(alternative.iter_parts())[2]
        assert calendar_part.get_content_type() == "text/calendar"
        assert calendar_part.get_param("method") == "REQUEST"
        data = calendar_part.get_payload(decode=True)
        assert check_itip(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), method="REQUEST")
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_payload(decode=True) == message.calendar


def test_each_notice_is_rendered_in_four_queries_whatever_its_links(scheduled, django_assert_num_queries):
    """The worker renders each participant's notice from the meeting as it stands: the meeting, the
    participant, everyone invited and the agenda, one query each; the signed answer links (four per
    mail) and the calendar reuse them."""
    from deliberation.models import Delivery
    from meetings.mail import render_delivery

    deliveries = [
        delivery
        for delivery in Delivery.objects.filter(channel=Delivery.Channel.EMAIL).order_by("pk")
        if delivery.payload.get("args", {}).get("meeting") == scheduled.pk
    ]
    assert len(deliveries) == 4
    for delivery in deliveries:
        with django_assert_num_queries(4):
            message = render_delivery(delivery)
        assert message.calendar and "/meetings/respond/" in message.text
