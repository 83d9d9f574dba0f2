"""The outbox's rules: channels, quiet hours, back-off, what is retried, claims, send again, the
sweep, and the SMS short links."""

import smtplib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from cms.services import ServiceError
from cms.tasks import deadlines_run
from deliberation import sms
from deliberation.models import Delivery, Role, ShortLink
from deliberation.services.delivery import (
    Email,
    Recipient,
    Sms,
    channels_for,
    deliver,
    delivery_retry,
    delivery_send,
    retry_delay,
    short_link,
    sms_not_before,
)
from tests.factories import make_member

SHANGHAI = ZoneInfo("Asia/Shanghai")
EMAIL, SMS = Delivery.Channel.EMAIL, Delivery.Channel.SMS


def at(hour, minute=0, day=7):
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def quiet_hours(settings):
    """The production quiet hours (the test settings have none, so that no other test depends on
    the time of day it runs at)."""
    from cms.settings import base

    settings.SMS_QUIET_HOURS = base.SMS_QUIET_HOURS


@pytest.mark.parametrize(
    "recipient, expected",
    [
        (Recipient(email="a@example.org", phone="+8613800138000"), [EMAIL, SMS]),
        (Recipient(phone="+8613800138000"), [SMS]),  # only a phone: SMS
        (Recipient(email="a@example.org"), [EMAIL]),
        (Recipient(email="a@example.org", phone="+8613800138000", wants_sms=False), [EMAIL]),
        (Recipient(email="a@example.org", phone="+8613800138000", wants_email=False), [SMS]),
        (Recipient(email="a@example.org", phone="+8613800138000", wants_email=False, wants_sms=False), []),
        (Recipient(phone="+864711234567"), []),  # a landline gets no SMS
        (Recipient(), []),  # the inbox only
    ],
)
def test_channels_follow_the_choice_and_the_addresses(recipient, expected):
    assert channels_for(recipient, email=True, sms_=True) == expected


def test_a_notice_without_an_sms_text_goes_by_email_only():
    assert channels_for(Recipient(email="a@example.org", phone="+8613800138000"), email=True, sms_=False) == [
        EMAIL
    ]


@pytest.mark.parametrize(
    "now, urgent, expected",
    [
        (at(21, 59), False, at(21, 59)),
        (at(22, 0), False, at(7, day=8)),
        (at(23, 30), False, at(7, day=8)),
        (at(3, 0), False, at(7)),
        (at(6, 59), False, at(7)),
        (at(7, 0), False, at(7)),
        (at(23, 30), True, at(23, 30)),  # a meeting-day reminder
    ],
)
def test_quiet_hours(now, urgent, expected):
    assert sms_not_before(now.astimezone(UTC), urgent=urgent) == expected


def test_back_off_grows_then_gives_up(settings):
    settings.DELIVERY_RETRY_DELAYS = [60, 300, 1800]
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        None,
    ]


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers every message with ``answer`` (set by the test)."""

    answer: Exception | None = None
    sent = 0

    def send_messages(self, messages):
        if RefusingBackend.answer is not None:
            raise RefusingBackend.answer
        RefusingBackend.sent += len(messages)
        return len(messages)


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.answer, RefusingBackend.sent = None, 0
    return RefusingBackend


def store(**kwargs):
    kwargs.setdefault("recipient", Recipient(name="王阿姨", email="wang@example.org", ref="user:1"))
    kwargs.setdefault("email", Email(subject="诉求有新进展", text="您的诉求已受理。"))
    return deliver(key=kwargs.pop("key", "notice:1"), label="诉求有新进展", **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer, status, retried",
    [
        (smtplib.SMTPRecipientsRefused({"wang@example.org": (550, b"5.1.1 no such user")}), "gave_up", False),
        (smtplib.SMTPRecipientsRefused({"wang@example.org": (452, b"4.2.2 mailbox full")}), "failed", True),
        (smtplib.SMTPDataError(451, b"4.7.1 greylisted, try later"), "failed", True),
        (smtplib.SMTPDataError(554, b"5.7.1 message refused"), "gave_up", False),
        (ConnectionRefusedError(111, "Connection refused"), "failed", True),
        (TimeoutError("timed out"), "failed", True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "failed", True),
    ],
)
def test_temporary_failures_are_retried_permanent_ones_are_not(
    refusing, django_capture_on_commit_callbacks, answer, status, retried
):
    refusing.answer = answer
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = store()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (status, 1)
    assert (delivery.next_attempt_at is not None) is retried
    assert delivery.last_error


@pytest.mark.django_db
def test_after_the_last_retry_it_gives_up(refusing, settings, django_capture_on_commit_callbacks):
    settings.DELIVERY_RETRY_DELAYS = [60, 60]
    refusing.answer = ConnectionRefusedError(111, "Connection refused")
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = store()
    for minutes in (2, 4):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            deadlines_run()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 3, None)


@pytest.mark.django_db
def test_a_delivery_is_sent_once_however_often_its_task_runs(refusing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = store()
    assert refusing.sent == 1
    for _ in range(3):
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        deadlines_run()
    assert refusing.sent == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


@pytest.mark.django_db
def test_storing_the_same_notice_twice_queues_one_delivery(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        store()
        store()
    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            store()
            raise RuntimeError("the service refused after storing")
    assert Delivery.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_send_again_after_a_failure(refusing, community, django_capture_on_commit_callbacks):
    worker = make_member(community, role=Role.WORKER)
    refusing.answer = smtplib.SMTPRecipientsRefused({"wang@example.org": (550, b"no such user")})
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = store(community=community)
    delivery.refresh_from_db()
    assert delivery.status == "gave_up"
    refusing.answer = None  # the worker corrected the address, or the server was fixed
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=delivery, by=worker)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, refusing.sent) == ("sent", 2, 1)
    with pytest.raises(ServiceError):
        delivery_retry(delivery=delivery, by=worker)  # delivered: nothing to send again
    assert refusing.sent == 1


@pytest.mark.django_db
def test_the_sweep_takes_over_what_a_stopped_worker_left_half_way(refusing):
    (delivery,) = store()  # stored; its task was lost (no commit callback ran)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENDING, attempts=1)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        deadlines_run()  # marks it failed, due now
        deadlines_run()  # sends it
    delivery.refresh_from_db()
    assert (delivery.status, refusing.sent) == ("sent", 1)


@pytest.mark.django_db
def test_sms_waits_for_the_morning_and_email_does_not(django_capture_on_commit_callbacks):
    sms.outbox.clear()
    recipient = Recipient(email="wang@example.org", phone="+8613800138000", ref="user:1")
    with time_machine.travel(at(23, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            store(
                recipient=recipient,
                sms_message=Sms("request_update", {"ref": "A1", "status": "已受理", "link": "/x/"}),
            )
        assert len(mail.outbox) == 1 and sms.outbox == []
        queued = Delivery.objects.get(channel=SMS)
        assert queued.status == "queued" and queued.not_before == at(7, day=8)
    with time_machine.travel(at(6, 50, day=8), tick=False):
        deadlines_run()
    assert sms.outbox == []
    with time_machine.travel(at(7, 5, day=8), tick=False):
        deadlines_run()
    assert len(sms.outbox) == 1 and "A1" in sms.render(sms.outbox[0].template, sms.outbox[0].params)
    assert Delivery.objects.get(channel=SMS).status == "sent"


@pytest.mark.django_db
def test_a_short_link_leads_to_its_page_and_expires(client):
    path = short_link("/meetings/7/")
    assert len(path) <= 16 and path.startswith("s/")
    response = client.get(f"/{path}")
    assert (response.status_code, response["Location"]) == (302, "/meetings/7/")
    ShortLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(f"/{path}")
    assert expired.status_code == 404
    assert client.get("/s/nothing-here").status_code == 404
