"""Check-in by the QR code at the door: a signed link, then the person proves who they are.

The secretary's screen shows ``checkin_url(meeting=…)``: a link signed for this meeting that
expires after ``signing.CHECKIN_MAX_AGE`` (docs/decisions.md, "QR check-in"). Whoever opens it

- with an account and a place on the meeting's list is checked in at once (``checkin_by_link``);
- without an account, but invited by phone (``Participant.phone``), asks for an SMS code
  (``checkin_code_send``) and confirms with it (``checkin_code_confirm``).

Every path ends in ``minutes.attendance_check_in``, the one place check-in happens (it stores the
live event the secretary's page shows). The six-digit meeting code (``attendance_self_check_in``)
stays as the fallback.

SMS codes: only an HMAC of the code is kept, in the cache, for ``CODE_LIFETIME`` (the registered
template says 5 minutes); wrong codes are counted as the meeting code's are (``minutes.attempts_left``
/ ``attempt_failed``), per phone and per meeting; sending is limited per phone (one a minute, a few
an hour). The answer to "send me a code" is the same whether the number is on the list or not.
"""

import hmac
import secrets
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from cms.services import ServiceError
from deliberation.models import Delivery
from deliberation.phones import normalize_phone
from deliberation.services.delivery import Recipient, Sms, deliver
from deliberation.services.notifications import absolute_url

from ..models import LiveEvent, Participant, participant_for
from ..signing import LinkExpired, LinkInvalid, LinkOtherMeeting, checkin_token, checkin_token_check
from . import minutes

#: The registered ``verification_code`` template tells the person the code lasts 5 minutes.
CODE_LIFETIME = 5 * 60
#: Wrong SMS codes per phone (and per meeting, all phones together) within ``CODE_WINDOW``.
CODE_ATTEMPTS_PER_PHONE = 5
CODE_ATTEMPTS_PER_MEETING = 30
CODE_WINDOW = 15 * 60
#: Codes sent to one phone: at most one per ``SEND_INTERVAL`` seconds, ``SENDS_PER_HOUR`` an hour.
SEND_INTERVAL = 60
SENDS_PER_HOUR = 5


NOT_A_PARTICIPANT = gettext_lazy(
    "You are not on this meeting's list of participants, so you cannot check in. If you were "
    "invited, ask the secretary to check you in."
)


class LinkRefused(ServiceError):
    """The link cannot check anyone in; ``status`` is the HTTP status the page answers with."""

    def __init__(self, message, *, status=403):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedIn:
    participant: Participant
    #: The live event of this check-in; ``None`` when the participant was checked in already.
    event: LiveEvent | None

    @property
    def already(self) -> bool:
        return self.event is None


# --- The link --------------------------------------------------------------------------------


def checkin_path(*, meeting) -> str:
    return reverse("meeting_checkin_link", kwargs={"meeting_id": meeting.pk, "token": checkin_token(meeting)})


def checkin_url(*, meeting) -> str:
    """The link the QR code encodes, on the site's public address (``SITE_URL``), as in mails."""
    return absolute_url(checkin_path(meeting=meeting))


def checkin_link_verify(*, meeting, token) -> None:
    """Refuse (``LinkRefused``, with the reason) a link that is not this meeting's, has expired,
    or comes after the meeting ended."""
    try:
        checkin_token_check(token, meeting=meeting)
    except LinkExpired:
        raise LinkRefused(
            _(
                "This check-in link has expired: links from the QR code work on the day they are "
                "shown. Scan the code at the door again, or ask the secretary to check you in."
            )
        ) from None
    except LinkOtherMeeting:
        raise LinkRefused(
            _(
                "This check-in link belongs to another meeting. Scan the code shown at the door of "
                "this meeting, or ask the secretary to check you in."
            ),
            status=400,
        ) from None
    except LinkInvalid:
        raise LinkRefused(
            _(
                "This check-in link is not valid: it was changed or cut short. Scan the code at the door again."
            ),
            status=400,
        ) from None
    try:
        minutes.ensure_open(meeting, minutes.live_state(meeting), started=False)
    except ServiceError as error:
        raise LinkRefused(error.message) from None


def checkin_by_link(*, meeting, token, user) -> CheckedIn:
    """Check ``user`` in through the link: they must be on the meeting's list of participants."""
    checkin_link_verify(meeting=meeting, token=token)
    participant = participant_for(meeting, user)
    if participant is None:
        raise LinkRefused(NOT_A_PARTICIPANT)
    event = minutes.attendance_check_in(
        meeting=meeting, participant=participant, by=user, client_type="checkin.link"
    )
    return CheckedIn(participant, event)


# --- The SMS code, for participants invited by phone without an account ------------------------


def _phone_digest(phone: str) -> str:
    """Cache keys name a phone by an HMAC of it, never by the number."""
    return salted_hmac("meetings.checkin-sms-phone", phone).hexdigest()[:32]


def _code_hash(meeting, phone: str, code: str) -> str:
    return salted_hmac("meetings.checkin-sms-code", f"{meeting.pk}:{phone}:{code}").hexdigest()


def _pending_key(meeting, phone: str) -> str:
    return f"checkin-sms-code:{meeting.pk}:{_phone_digest(phone)}"


def _wrong_keys(meeting, phone: str) -> list[tuple[str, int]]:
    return [
        (f"checkin-sms-wrong:{meeting.pk}:{_phone_digest(phone)}", CODE_ATTEMPTS_PER_PHONE),
        (f"checkin-sms-wrong:{meeting.pk}", CODE_ATTEMPTS_PER_MEETING),
    ]


def _phone(value) -> str:
    phone = normalize_phone(value, field="phone")
    if not phone:
        raise ServiceError(_("Enter the phone number your invitation was sent to."), field="phone")
    return phone


@transaction.atomic
def checkin_code_send(*, meeting, token, phone) -> str:
    """Send a check-in code to ``phone`` if a participant of the meeting was invited with it.

    Returns the number in E.164. The caller shows the same answer whether a code was sent or not,
    so the page does not tell who is on the list; the rate limits count every number alike."""
    checkin_link_verify(meeting=meeting, token=token)
    phone = _phone(phone)
    digest = _phone_digest(phone)
    hour_key = [(f"checkin-sms-sends:{digest}", SENDS_PER_HOUR)]
    if not minutes.attempts_left(hour_key):
        raise ServiceError(
            _("Too many codes were asked for this number. Try again in an hour, or ask the secretary."),
            field="phone",
        )
    if not cache.add(f"checkin-sms-recent:{digest}", 1, timeout=SEND_INTERVAL):
        raise ServiceError(
            _("A code was sent less than a minute ago. Wait a minute before asking for another."),
            field="phone",
        )
    minutes.attempt_failed(hour_key, window=3600)
    participant = Participant.objects.filter(meeting=meeting, phone=phone).first()
    if participant is None:
        return phone
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _pending_key(meeting, phone),
        {"hash": _code_hash(meeting, phone, code), "participant": participant.pk},
        timeout=CODE_LIFETIME,
    )
    with override(participant.mail_language):
        label = _("Check-in code: %(title)s") % {"title": meeting.title}
    deliver(
        key=f"checkin-code:{meeting.pk}:{uuid.uuid4().hex}",
        recipient=Recipient(
            name=participant.name,
            phone=phone,
            language=participant.mail_language,
            ref=f"participant:{participant.pk}",
        ),
        label=label,
        sms_message=Sms("verification_code", {"code": code}),
        channels=(Delivery.Channel.SMS,),
        about="checkin",
        community=meeting.community,
        urgent=True,  # the person is at the door: never held back by the quiet hours
    )
    return phone


def checkin_code_confirm(*, meeting, token, phone, code) -> CheckedIn:
    """Check in the participant whose phone received ``code``; wrong codes are counted."""
    checkin_link_verify(meeting=meeting, token=token)
    phone = _phone(phone)
    keys = _wrong_keys(meeting, phone)
    if not minutes.attempts_left(keys):
        raise ServiceError(
            _("Too many wrong codes. Try again in %(minutes)d minutes, or ask the secretary to check you in.")
            % {"minutes": CODE_WINDOW // 60},
            field="code",
        )
    pending = cache.get(_pending_key(meeting, phone))
    given = str(code or "").strip()[:12]
    if not pending or not hmac.compare_digest(pending["hash"], _code_hash(meeting, phone, given)):
        minutes.attempt_failed(keys, window=CODE_WINDOW)
        raise ServiceError(
            _("That code is wrong or has expired. Check the SMS, or ask for a new code."), field="code"
        )
    cache.delete(_pending_key(meeting, phone))
    participant = Participant.objects.filter(meeting=meeting, pk=pending["participant"]).first()
    if participant is None:  # removed from the meeting since the code was sent
        raise LinkRefused(_("You are no longer on this meeting's list of participants."))
    event = minutes.attendance_check_in(
        meeting=meeting, participant=participant, by=None, client_type="checkin.sms"
    )
    return CheckedIn(participant, event)
