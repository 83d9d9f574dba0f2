"""Signed links for participants without an account (and for anyone answering from a mail).

A link names one participant of one meeting. It is signed with the site's secret and a salt of
its own, and it expires: a forwarded or leaked mail stops working after ``MAX_AGE``. The meeting's
UID is inside the signature, so a link never works for another meeting even if ids are reused.
"""

from django.core import signing

from .models import Participant

SALT = "meetings.participant-link"
#: Links stay valid for 60 days: long enough for a poll and the meeting, short enough to expire.
MAX_AGE = 60 * 24 * 3600


class LinkInvalid(Exception):
    """The link was altered or is not one of ours (shown with status 400)."""


class LinkExpired(Exception):
    """The link was ours but is too old (shown with status 403)."""


def participant_token(participant) -> str:
    return signing.dumps({"p": participant.pk, "m": str(participant.meeting.uid)}, salt=SALT, compress=True)


def participant_from_token(token: str, *, max_age: int = MAX_AGE):
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired() from error
    except signing.BadSignature as error:
        raise LinkInvalid() from error
    if not isinstance(data, dict):
        raise LinkInvalid()
    participant = (
        Participant.objects.select_related("meeting__community", "user")
        .filter(pk=data.get("p"), meeting__uid=data.get("m"))
        .first()
    )
    if participant is None:
        # A participant removed from the meeting: the link no longer names anyone.
        raise LinkInvalid()
    return participant


# --- The check-in QR code --------------------------------------------------------------------
#
# The secretary's screen (and the sheet at the door) shows a link that names one meeting and
# carries the time it was made, signed with a salt of its own: a link from an RSVP mail is not a
# check-in link, a link of another meeting is refused on this one, and a photo of the screen
# stops working the next day. It names no person: whoever opens it proves who they are (their
# session, or an SMS code sent to the phone their invitation used).

CHECKIN_SALT = "meetings.checkin-link"
#: A check-in link works for 12 hours: a meeting day, not the next one. A closed meeting refuses
#: check-in whatever the link's age (``minutes.ensure_open``).
CHECKIN_MAX_AGE = 12 * 3600


class LinkOtherMeeting(LinkInvalid):
    """A genuine check-in link, but of another meeting."""


def checkin_token(meeting) -> str:
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(str(meeting.uid))


def checkin_token_check(token: str, *, meeting, max_age: int = CHECKIN_MAX_AGE) -> None:
    """Raise ``LinkExpired``, ``LinkOtherMeeting`` or ``LinkInvalid`` unless ``token`` is a
    check-in link of ``meeting`` made less than ``max_age`` seconds ago."""
    try:
        uid = signing.TimestampSigner(salt=CHECKIN_SALT).unsign(str(token or ""), max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired() from error
    except signing.BadSignature as error:
        raise LinkInvalid() from error
    if uid != str(meeting.uid):
        raise LinkOtherMeeting()
