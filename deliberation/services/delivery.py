"""The outbox: store a notice's deliveries in the service's transaction, send them from a task.

Storing and sending are two steps. ``deliver`` writes one ``Delivery`` per channel the person can
receive, inside the caller's transaction, and asks for a send task once it commits; a rolled-back
change sends nothing, and a committed one never fails because a mail server or SMS provider did.
``delivery_send`` (run by the task worker) claims the row with one conditional UPDATE before it
sends, so a task that runs twice (a retry, a sweep, two workers) sends at most once; it records
the outcome: sent, failed and retried later with back-off, or given up.

Messages are either rendered when the notice is stored (the payload holds the text) or, for
notices to many people at once (a meeting's invitations), by a renderer the worker calls; the
request that sends forty invitations then only writes forty small rows.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError

from .. import sms
from ..models import Delivery, Notification, ShortLink, User
from ..phones import is_mobile

logger = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: A SENDING row older than this belongs to a worker that stopped mid-send: it is tried again.
STALE_SENDING = timedelta(minutes=15)
SHORT_LINK_LIFETIME = timedelta(days=30)


# --- What is sent ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str = ""
    #: An iTIP calendar (``text/calendar; method=…`` beside the text, and an invite.ics file).
    calendar: str = ""
    method: str = ""


@dataclass(frozen=True)
class Sms:
    template: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recipient:
    """A person as the outbox sees them: addresses, chosen channels, language, and a reference in
    the terms of what the notice is about (``participant:5``)."""

    name: str = ""
    email: str = ""
    phone: str = ""
    wants_email: bool = True
    wants_sms: bool = True
    language: str = ""
    user: User | None = None
    ref: str = ""

    @classmethod
    def of_user(cls, user: User, **kwargs) -> "Recipient":
        return cls(
            name=str(user),
            email=user.email or "",
            phone=str(user.phone or ""),
            wants_email=user.notify_email,
            wants_sms=user.notify_sms,
            language=user.language or settings.LANGUAGE_CODE,
            user=user,
            ref=f"user:{user.pk}",
            **kwargs,
        )


def channels_for(recipient: Recipient, *, email: bool, sms_: bool) -> list[str]:
    """The channels a notice takes to this person: those the notice has, the person chose and
    has an address for. Neither means the inbox only."""
    channels = []
    if email and recipient.wants_email and recipient.email:
        channels.append(Delivery.Channel.EMAIL)
    if sms_ and recipient.wants_sms and is_mobile(recipient.phone):
        channels.append(Delivery.Channel.SMS)
    return channels


def sms_not_before(now: datetime, *, urgent: bool = False) -> datetime:
    """The earliest time an SMS may go out: outside the quiet hours (22:00–07:00 Asia/Shanghai by
    default), unless it is urgent (a meeting-day reminder)."""
    if urgent or not settings.SMS_QUIET_HOURS:
        return now
    start, end = settings.SMS_QUIET_HOURS
    local = now.astimezone(LOCAL_TZ)
    if start <= local.hour or local.hour < end:
        day = local.date() + timedelta(days=1) if local.hour >= start else local.date()
        return datetime.combine(day, time(end), tzinfo=LOCAL_TZ)
    return now


def retry_delay(attempts: int) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones; None: give up."""
    delays = settings.DELIVERY_RETRY_DELAYS
    if attempts > len(delays):
        return None
    return timedelta(seconds=delays[attempts - 1])


def short_link(path: str, *, now: datetime | None = None) -> str:
    """A short path (``s/Ab3dE5fG9h``) standing for ``path``, for an SMS: a template variable
    holds ~35 characters and the registered template writes the site's address before it."""
    now = now or timezone.now()
    link = ShortLink.objects.create(url=path, created_at=now, expires_at=now + SHORT_LINK_LIFETIME)
    return reverse("short_link", kwargs={"code": link.code}).lstrip("/")


def short_link_target(code: str, *, now: datetime | None = None) -> str | None:
    link = ShortLink.objects.filter(code=code, expires_at__gt=now or timezone.now()).first()
    return link.url if link else None


# --- Storing ------------------------------------------------------------------------------------------

#: name → function(delivery) -> Email | Sms, for payloads rendered by the worker.
RENDERERS: dict[str, Callable[[Delivery], "Email | Sms"]] = {}


def register_renderer(name: str, function: Callable[[Delivery], "Email | Sms"]) -> None:
    """Let an app that uses the outbox render its messages in the worker (``meetings`` does, from
    its AppConfig), without the outbox importing it."""
    RENDERERS[name] = function


def deliver(
    *,
    key: str,
    recipient: Recipient,
    label: str,
    email: Email | None = None,
    sms_message: Sms | None = None,
    renderer: str = "",
    renderer_args: dict | None = None,
    channels: tuple[str, ...] = (Delivery.Channel.EMAIL, Delivery.Channel.SMS),
    about: str = "",
    community=None,
    notification: Notification | None = None,
    urgent: bool = False,
    now: datetime | None = None,
) -> list[Delivery]:
    """Store the deliveries of one notice to one person; they are sent after the commit.

    Give the rendered ``email`` / ``sms_message``, or a ``renderer`` (with ``channels`` it can
    render). ``key`` identifies the notice: storing it again for the same person is a no-op.
    """
    ids = deliver_many(
        [
            Outgoing(
                key=key,
                recipient=recipient,
                label=label,
                email=email,
                sms_message=sms_message,
                renderer=renderer,
                renderer_args=renderer_args or {},
                channels=channels,
                notification=notification,
                urgent=urgent,
            )
        ],
        about=about,
        community=community,
        now=now,
    )
    return list(Delivery.objects.filter(pk__in=ids))


@dataclass
class Outgoing:
    key: str
    recipient: Recipient
    label: str
    email: Email | None = None
    sms_message: Sms | None = None
    renderer: str = ""
    renderer_args: dict = field(default_factory=dict)
    channels: tuple[str, ...] = (Delivery.Channel.EMAIL, Delivery.Channel.SMS)
    notification: Notification | None = None
    urgent: bool = False


def deliver_many(outgoing: list[Outgoing], *, about: str = "", community=None, now=None) -> list[int]:
    """Store many notices' deliveries in one INSERT (an invitation to forty people is one query);
    returns the ids of those queued (a notice stored before is not stored or queued again)."""
    now = now or timezone.now()
    rows = []
    for item in outgoing:
        has_email = item.email is not None or (item.renderer and Delivery.Channel.EMAIL in item.channels)
        has_sms = item.sms_message is not None or (item.renderer and Delivery.Channel.SMS in item.channels)
        for channel in channels_for(item.recipient, email=bool(has_email), sms_=bool(has_sms)):
            content = item.email if channel == Delivery.Channel.EMAIL else item.sms_message
            if isinstance(content, Sms) and str(content.params.get("link", "")).startswith("/"):
                content = Sms(
                    content.template, {**content.params, "link": short_link(content.params["link"], now=now)}
                )
            if content is not None:
                payload = {"message": asdict(content)}
            else:
                payload = {"renderer": item.renderer, "args": item.renderer_args}
            is_sms = channel == Delivery.Channel.SMS
            rows.append(
                Delivery(
                    key=f"{item.key}:{item.recipient.ref}:{channel}"[:200],
                    channel=channel,
                    address=item.recipient.phone if is_sms else item.recipient.email,
                    user=item.recipient.user,
                    notification=item.notification,
                    community=community,
                    about=about,
                    recipient=item.recipient.ref,
                    recipient_name=item.recipient.name[:100],
                    label=item.label[:200],
                    payload=payload,
                    language=item.recipient.language or settings.LANGUAGE_CODE,
                    created_at=now,
                    updated_at=now,
                    not_before=sms_not_before(now, urgent=item.urgent) if is_sms else now,
                )
            )
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    stored = list(
        Delivery.objects.filter(key__in=[row.key for row in rows], status=Delivery.Status.QUEUED).values_list(
            "pk", "not_before"
        )
    )
    enqueue_on_commit(stored)
    return [pk for pk, _not_before in stored]


def enqueue_on_commit(jobs: list[tuple[int, datetime | None]]) -> None:
    """Ask the worker for these deliveries once the transaction commits. ``robust``: a queue that
    fails is logged, and the sweep of ``deliveries_requeue_due`` finds the rows later."""
    if jobs:
        transaction.on_commit(lambda: _enqueue(jobs), robust=True)


def _enqueue(jobs: list[tuple[int, datetime | None]]) -> None:
    """One task per group of deliveries due at the same time: a notice to a hundred people costs
    the request one queued task, which the worker fans out (``send_deliveries``)."""
    from ..tasks import send_deliveries, send_delivery

    now = timezone.now()
    defers = send_delivery.get_backend().supports_defer
    groups: dict[datetime | None, list[int]] = {}
    for pk, not_before in jobs:
        groups.setdefault(not_before if not_before is not None and not_before > now else None, []).append(pk)
    for when, ids in groups.items():
        if when is not None and not defers:
            continue  # the sweep queues them when they are due
        task = send_delivery if len(ids) == 1 else send_deliveries
        if when is not None:
            task = task.using(run_after=when)
        task.enqueue(ids[0] if len(ids) == 1 else ids)


def deliveries_fan_out(*, delivery_ids: list[int]) -> None:
    """In the worker: one task per delivery, so that several workers share a large notice and a
    slow mail server holds up one message, not the rest."""
    from ..tasks import send_delivery

    with transaction.atomic():
        for pk in delivery_ids:
            send_delivery.enqueue(pk)


def deliver_account_email(*, message: EmailMultiAlternatives, template: str) -> list[Delivery]:
    """An account mail rendered by allauth (a confirmation link, a password reset), to one address
    that may have no account yet. Each is its own notice: a second reset link is a second mail."""
    html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
    to = message.to[0]
    return deliver(
        key=f"account:{template.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
        recipient=Recipient(email=to, name=to, ref=f"address:{to}"[:60]),
        label=message.subject,
        email=Email(subject=message.subject, text=message.body, html=html),
        about="account",
    )


# --- Sending ------------------------------------------------------------------------------------------


class TemporaryFailure(Exception):
    """Worth another attempt later."""


class PermanentFailure(Exception):
    """Another attempt would fail the same way (a refused address, a bad template)."""


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is due and nobody has; record the outcome. Returns the status.

    Idempotent: the claim is one UPDATE from a sendable state to SENDING, so a second run of the
    same task finds nothing to claim and sends nothing.
    """
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Delivery.objects.filter(
        due, pk=delivery_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED], not_before__lte=now
    ).update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if not claimed:
        return delivery.status
    try:
        provider_id = _send(delivery)
    except PermanentFailure as error:
        return _record(delivery, status=Delivery.Status.GAVE_UP, error=str(error), now=now)
    except TemporaryFailure as error:
        delay = retry_delay(delivery.attempts)
        if delay is None:
            return _record(delivery, status=Delivery.Status.GAVE_UP, error=str(error), now=now)
        _record(delivery, status=Delivery.Status.FAILED, error=str(error), now=now, next_at=now + delay)
        delivery.not_before = now + delay
        _enqueue([(delivery.pk, delivery.not_before)])
        return Delivery.Status.FAILED
    return _record(delivery, status=Delivery.Status.SENT, now=now, provider_id=provider_id)


def _record(delivery, *, status, now, error="", next_at=None, provider_id="") -> str:
    changes = {"status": status, "updated_at": timezone.now(), "next_attempt_at": next_at}
    if status == Delivery.Status.SENT:
        changes.update(sent_at=timezone.now(), provider_id=provider_id[:100], last_error="")
    else:
        changes["last_error"] = error[:2000]
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(**changes)
    if error:
        logger.warning(
            "Delivery %s (%s to %s) %s: %s", delivery.pk, delivery.channel, delivery.address, status, error
        )
    return status


def render(delivery: Delivery) -> "Email | Sms":
    message = delivery.payload.get("message")
    if message is not None:
        return Email(**message) if delivery.channel == Delivery.Channel.EMAIL else Sms(**message)
    renderer = RENDERERS.get(delivery.payload.get("renderer", ""))
    if renderer is None:
        raise PermanentFailure(_("This notice can no longer be rendered."))
    return renderer(delivery)


def _send(delivery: Delivery) -> str:
    try:
        content = render(delivery)
    except ObjectGone as error:
        raise PermanentFailure(str(error)) from error
    if delivery.channel == Delivery.Channel.SMS:
        return _send_sms(delivery, content)
    return _send_email(delivery, content)


class ObjectGone(Exception):
    """What the notice was about no longer exists (a renderer raises it)."""


def _send_sms(delivery: Delivery, content: Sms) -> str:
    try:
        return sms.send_sms(
            sms.SmsMessage(phone=delivery.address, template=content.template, params=content.params)
        )
    except sms.PermanentSmsError as error:
        raise PermanentFailure(str(error)) from error
    except sms.SmsError as error:
        raise TemporaryFailure(str(error)) from error


class CalendarEmail(EmailMultiAlternatives):
    """An e-mail whose alternatives end with an iTIP calendar part, as calendar clients want, and
    that carries the same calendar as ``invite.ics`` for clients that only offer files.

    Django's ``attach_alternative`` cannot give a part a ``method=`` parameter, so the calendar
    part is added here, after the plain text and HTML parts it stands beside.
    """

    def __init__(self, *args, calendar: str | bytes, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar = calendar.encode("utf-8") if isinstance(calendar, str) else calendar
        self.method = method

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        part = SafeMIMEText(self.calendar.decode("utf-8"), "calendar", "utf-8")
        part.set_param("method", self.method)
        msg.attach(part)
        return msg

    def _create_attachments(self, msg):
        from email import encoders
        from email.mime.base import MIMEBase

        attachment = MIMEBase("application", "ics", name="invite.ics")
        attachment.set_payload(self.calendar)
        encoders.encode_base64(attachment)
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        self.attachments = [attachment]
        return super()._create_attachments(msg)


def email_message(content: Email, to: str, *, message_id: str = "") -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id} if message_id else {}
    if content.calendar:
        message = CalendarEmail(
            content.subject,
            content.text,
            None,
            [to],
            calendar=content.calendar,
            method=content.method,
            headers=headers,
        )
    else:
        message = EmailMultiAlternatives(content.subject, content.text, None, [to], headers=headers)
    if content.html:
        message.attach_alternative(content.html, "text/html")
    return message


def _message_id(delivery: Delivery) -> str:
    """The same Message-ID on every attempt: a mail client shows a message sent twice once."""
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
    return f"<delivery-{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{domain}>"


def _send_email(delivery: Delivery, content: Email) -> str:
    message = email_message(content, delivery.address, message_id=_message_id(delivery))
    try:
        get_connection(fail_silently=False).send_messages([message])
    except smtplib.SMTPResponseException as error:
        # 4xx: try again later (greylisting, a full mailbox, a busy server); 5xx: refused for good.
        reason = _("The mail server answered %(code)s: %(message)s") % {
            "code": error.smtp_code,
            "message": _smtp_text(error.smtp_error),
        }
        if 400 <= error.smtp_code < 500:
            raise TemporaryFailure(reason) from error
        raise PermanentFailure(reason) from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        reason = _("The mail server refused the address: %(detail)s") % {
            "detail": "; ".join(f"{code} {_smtp_text(text)}" for code, text in error.recipients.values())
        }
        if all(400 <= code < 500 for code in codes):
            raise TemporaryFailure(reason) from error
        raise PermanentFailure(reason) from error
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as error:
        raise TemporaryFailure(
            _("The mail server could not be reached: %(error)s") % {"error": error or type(error).__name__}
        ) from error
    except smtplib.SMTPException as error:
        raise TemporaryFailure(_("The mail server failed: %(error)s") % {"error": error}) from error
    except ValueError as error:
        raise PermanentFailure(_("The message could not be built: %(error)s") % {"error": error}) from error
    return message.extra_headers.get("Message-ID", "")


def _smtp_text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- What a worker does about it ----------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """Send a failed delivery again (a worker's "send again"): now, or for an SMS after the quiet
    hours."""
    locked = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if locked.status not in Delivery.UNSUCCESSFUL:
        raise ServiceError(_("Only a failed delivery can be sent again."))
    _requeue([locked])
    locked.refresh_from_db()
    return locked


#: "Send all again" queues at most this many at once (the oldest failures wait for the next click).
RETRY_ALL_LIMIT = 500


@transaction.atomic
def deliveries_retry(*, community, by: User) -> int:
    """Send every failed and given-up delivery of ``community`` again ("send all again").
    Returns how many were queued."""
    locked = list(
        Delivery.objects.select_for_update(of=("self",))
        .filter(community=community, status__in=Delivery.UNSUCCESSFUL)
        .order_by("-updated_at", "-id")[:RETRY_ALL_LIMIT]
    )
    _requeue(locked)
    return len(locked)


def _requeue(deliveries: list[Delivery]) -> None:
    """Back to the queue, due now (an SMS: once the quiet hours are over), queued on commit."""
    now = timezone.now()
    jobs = []
    for channel, not_before in (
        (Delivery.Channel.EMAIL, now),
        (Delivery.Channel.SMS, sms_not_before(now)),
    ):
        ids = [d.pk for d in deliveries if d.channel == channel]
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.QUEUED, next_attempt_at=None, not_before=not_before, updated_at=now
            )
            jobs += [(pk, not_before) for pk in ids]
    enqueue_on_commit(jobs)


def deliveries_requeue_due(*, now: datetime | None = None) -> int:
    """The sweep (every ten minutes, with the deadlines): queue again what is due but not in the
    queue — a row whose enqueue failed after the commit, a retry whose task was lost, and a send
    that a stopped worker left half-way (its Message-ID lets the mail client show it once)."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, updated_at__lt=now - STALE_SENDING)
    stale.update(
        status=Delivery.Status.FAILED, last_error=_("The worker stopped while sending."), updated_at=now
    )
    due = list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.FAILED, next_attempt_at__isnull=True)
            | Q(
                status=Delivery.Status.QUEUED, not_before__lte=now, updated_at__lt=now - timedelta(minutes=10)
            ),
        ).values_list("pk", flat=True)[:5000]
    )
    _enqueue([(pk, None) for pk in due])
    return len(due)
