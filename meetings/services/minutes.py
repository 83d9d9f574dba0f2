"""Running a meeting: start, check-in, minute entries, agenda, close and the minutes' hash chain.

Every write locks the meeting's live row (``live.lock``), checks a retried ``client_id``
first, validates, writes, and stores one live event that is broadcast after commit. Callers
(views, the WebSocket consumer, the demo) check permissions; these functions check the state.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError
from deliberation.people import official_name

from .. import live
from ..models import (
    Attendance,
    LiveEvent,
    LiveState,
    Meeting,
    MinuteEntry,
    Participant,
    Party,
    participant_for,
)
from ..timefmt import format_datetime
from . import NotFound

MAX_ENTRY_LENGTH = 4000
#: Starting a meeting further than this from its scheduled start asks the chair to confirm.
START_CONFIRM_AFTER = datetime.timedelta(hours=3)


class StartNeedsConfirmation(ServiceError):
    """The meeting is started far from its scheduled time: the chair must confirm (``confirm=True``).

    A wrong click on the wrong meeting would otherwise stamp the minutes with a start that never
    happened, and a started meeting cannot be un-started."""


#: Wrong check-in codes one participant, and one meeting as a whole, may send within
#: ``CHECKIN_WINDOW`` seconds; after that even the right code is refused until the window ends.
CHECKIN_ATTEMPTS_PER_PERSON = 5
CHECKIN_ATTEMPTS_PER_MEETING = 30
CHECKIN_WINDOW = 15 * 60


# --- Reads -----------------------------------------------------------------------------------


def quorum(meeting) -> dict:
    """Who is present per party; the quorum holds when every one of the four parties is present."""
    present = dict.fromkeys(Party.values, 0)
    for party in Attendance.objects.filter(meeting=meeting).values_list("participant__party", flat=True):
        present[party] = present.get(party, 0) + 1
    missing = [party for party in Party.values if not present[party]]
    return {"present": present, "missing": missing, "ok": not missing}


def attendance_payload(attendance: Attendance) -> dict:
    participant = attendance.participant
    return {
        "participant": participant.pk,
        "name": participant.name,
        "party": participant.party,
        "role": participant.role,
        "checked_in_at": attendance.checked_in_at.isoformat(),
    }


def entry_payload(entry: MinuteEntry) -> dict:
    return {
        "id": entry.pk,
        "position": entry.position,
        "kind": entry.kind,
        "party": entry.party,
        "text": entry.text,
        "author": entry.author_name,
        "agenda_item": entry.agenda_item_id,
        "created_at": entry.created_at.isoformat(),
        "created_local": format_datetime(entry.created_at),
        "hash": entry.hash,
    }


# --- Hash chain ------------------------------------------------------------------------------


def entry_hash(entry: MinuteEntry, prev_hash: str) -> str:
    """SHA-256 over the entry's content and the previous entry's hash (canonical JSON)."""
    content = {
        "meeting": entry.meeting_id,
        "position": entry.position,
        "kind": entry.kind,
        "party": entry.party,
        "text": entry.text,
        "agenda_item": entry.agenda_item_id,
        "author": entry.author_name,
        "created_at": entry.created_at.astimezone(datetime.UTC).isoformat(),
        "prev": prev_hash,
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    finalised: bool
    ok: bool
    checked: int
    broken_at: int | None = None  # position of the first entry that does not match


def minutes_verify(*, meeting, state=None, entries=None) -> Verification:
    """Recompute the chain from the stored entries; it holds only if every hash matches and the
    last one equals the hash sealed when the minutes were finalised (so a deleted tail shows).
    ``state`` and ``entries`` (all of them, in their order): read already by the caller, in the
    same request, from the database (a page that shows them is checked against what it shows)."""
    if state is None:
        state = LiveState.objects.filter(pk=meeting.pk).first()
    if entries is None:
        entries = MinuteEntry.objects.filter(meeting=meeting).order_by("position")
    finalised = bool(state and state.is_finalised)
    prev, checked = "", 0
    for entry in entries:
        checked += 1
        if entry.prev_hash != prev or entry.hash != entry_hash(entry, prev):
            return Verification(finalised, False, checked, entry.position)
        prev = entry.hash
    if finalised and prev != state.final_hash:
        return Verification(finalised, False, checked, checked + 1)
    return Verification(finalised, True, checked)


# --- Writes ----------------------------------------------------------------------------------


def begin_write(meeting, *, by, client_type="", client_id="", started=True, fields=("status",)):
    """The opening every live write shares: lock the meeting's live row, answer a retried
    ``client_id`` with its stored event, re-read the status (and ``fields``) under the lock,
    refuse a closed (or, with ``started``, a not yet started) meeting. Returns
    ``(state, stored_event_or_None)``. Starting and closing the meeting open the same way, with
    no ``client_id`` to retry."""
    state = live.lock(meeting)
    if event := live.stored(meeting, actor=by, client_type=client_type, client_id=client_id):
        return state, event
    meeting.refresh_from_db(fields=list(fields))
    ensure_open(meeting, state, started=started)
    return state, None


def ensure_open(meeting, state, *, started=True) -> None:
    """Refuse, with the reason, a live write the meeting's state does not allow (``Meeting.TRANSITIONS``:
    ``write_live`` once started, else ``prepare_live``)."""
    if not state.is_finalised and meeting.allows("write_live" if started else "prepare_live"):
        return
    if state.is_finalised or meeting.status == Meeting.Status.CLOSED:
        raise ServiceError(_("The minutes are finalised; nothing can be added or changed."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled."))
    raise ServiceError(_("The meeting has not started yet."))


def append_entry(
    *, meeting, state, by, kind, text, agenda_item_id, party="", client_id="", client_type=""
) -> tuple[MinuteEntry, LiveEvent]:
    """Append to the chain under the lock the caller holds (also used when a motion closes).

    The caller names the entry's agenda item: a note belongs to the current item, a motion's
    decision to the item the motion decides, whatever is current when the vote closes."""
    last = MinuteEntry.objects.filter(meeting=meeting).order_by("-position").first()
    entry = MinuteEntry(
        meeting=meeting,
        position=(last.position + 1) if last else 1,
        kind=kind,
        party=party,
        text=text,
        agenda_item_id=agenda_item_id,
        author=by if getattr(by, "is_authenticated", False) else None,
        # Broadcast to every viewer and kept in the chain: a name or a role, never an address.
        author_name=official_name(by, community=meeting.community)
        if getattr(by, "is_authenticated", False)
        else "",
        created_at=timezone.now(),
        prev_hash=last.hash if last else "",
    )
    entry.hash = entry_hash(entry, entry.prev_hash)
    entry.save()
    event = live.record(
        meeting=meeting,
        kind="entry",
        payload=entry_payload(entry),
        client_id=client_id,
        client_type=client_type,
        actor=by,
    )
    return entry, event


@transaction.atomic
def meeting_start(*, meeting, by, confirm=False) -> LiveEvent:
    """Start the meeting now; the minutes record this as its actual start.

    More than ``START_CONFIRM_AFTER`` before or after the scheduled start, this raises
    ``StartNeedsConfirmation`` unless ``confirm`` is given."""
    state, _stored = begin_write(meeting, by=by, started=False, fields=("status", "starts_at"))
    if not meeting.allows("start"):  # begin_write let through ``prepare_live``: all but in progress
        raise ServiceError(_("The meeting is already in progress."))
    now = timezone.now()
    if not confirm and meeting.starts_at is not None and abs(now - meeting.starts_at) > START_CONFIRM_AFTER:
        raise StartNeedsConfirmation(
            _(
                "This meeting is scheduled for %(scheduled)s, but it is now %(now)s (Beijing time). "
                "Start it now anyway?"
            )
            % {"scheduled": format_datetime(meeting.starts_at), "now": format_datetime(now)}
        )
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.save(update_fields=["status"])
    state.started_at = now
    if state.current_item_id is None:
        state.current_item = meeting.agenda_items.order_by("position", "id").first()
    state.save(update_fields=["started_at", "current_item"])
    item = state.current_item
    return live.record(
        meeting=meeting,
        kind="meeting.started",
        payload={
            "status": meeting.status,
            "current_item": item.pk if item else None,
            "started_at": state.started_at.isoformat(),
            "started_local": format_datetime(state.started_at),
        },
        actor=by,
    )


@transaction.atomic
def minute_add(*, meeting, by, kind, text, party="", client_id="") -> LiveEvent:
    state, event = begin_write(meeting, by=by, client_type="entry.add", client_id=client_id)
    if event:
        return event
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the entry's text."), field="text")
    if len(text) > MAX_ENTRY_LENGTH:
        raise ServiceError(_("An entry is at most %(n)d characters.") % {"n": MAX_ENTRY_LENGTH}, field="text")
    if kind not in MinuteEntry.Kind.values:
        raise ServiceError(_("Unknown kind of entry."), field="kind")
    if party and party not in Party.values:
        raise ServiceError(_("Unknown party."), field="party")
    if kind == MinuteEntry.Kind.STATEMENT and not party:
        raise ServiceError(_("A statement needs the party that made it."), field="party")
    _entry, event = append_entry(
        meeting=meeting,
        state=state,
        by=by,
        kind=kind,
        text=text,
        agenda_item_id=state.current_item_id,
        party=party,
        client_id=client_id,
        client_type="entry.add",
    )
    return event


@transaction.atomic
def agenda_advance(*, meeting, by, client_id="") -> LiveEvent:
    state, event = begin_write(meeting, by=by, client_type="agenda.next", client_id=client_id)
    if event:
        return event
    items = list(meeting.agenda_items.order_by("position", "id"))
    if state.current_item_id is None:
        following = items[:1]
    else:
        ids = [item.pk for item in items]
        index = ids.index(state.current_item_id) if state.current_item_id in ids else -1
        following = items[index + 1 : index + 2]
    if not following:
        raise ServiceError(_("This is the last agenda item."))
    state.current_item = following[0]
    state.save(update_fields=["current_item"])
    return live.record(
        meeting=meeting,
        kind="agenda",
        payload={"current_item": following[0].pk, "title": following[0].title},
        client_id=client_id,
        client_type="agenda.next",
        actor=by,
    )


@transaction.atomic
def attendance_check_in(
    *, meeting, by, participant=None, participant_id=None, client_id="", client_type="checkin"
) -> LiveEvent | None:
    """Check a participant in. Checking in twice changes nothing and returns ``None``.

    The socket and the form name the participant by ``participant_id``, looked up within the
    meeting (``NotFound`` otherwise). ``client_type`` is ``checkin.self`` when participants check
    themselves in (a retry id is scoped to the kind of write)."""
    if participant is None:
        participant = participant_in(meeting, participant_id)
    state, event = begin_write(meeting, by=by, client_type=client_type, client_id=client_id, started=False)
    if event:
        return event
    if participant.meeting_id != meeting.pk:
        raise ServiceError(_("This person is not a participant of the meeting."))
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting, participant=participant, defaults={"by": by if by and by.is_authenticated else None}
    )
    if not created:
        return None
    return live.record(
        meeting=meeting,
        kind="attendance",
        payload={**attendance_payload(attendance), "quorum": quorum(meeting)},
        client_id=client_id,
        client_type=client_type,
        actor=by,
    )


def participant_in(meeting, participant_id) -> Participant:
    participant = Participant.objects.filter(meeting=meeting, pk=participant_id).first()
    if participant is None:
        raise NotFound()
    return participant


def attendance_self_check_in(*, meeting, user, code, client_id="") -> LiveEvent | None:
    participant = participant_for(meeting, user)
    if participant is None:
        raise ServiceError(_("Only invited participants can check in."))
    keys = _checkin_attempt_keys(meeting, user)
    if not attempts_left(keys):
        raise ServiceError(
            _(
                "Too many wrong check-in codes for this meeting. Try again in %(minutes)d minutes, "
                "or ask the secretary to check you in."
            )
            % {"minutes": CHECKIN_WINDOW // 60},
            field="code",
        )
    expected = live_state(meeting).checkin_code
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not hmac.compare_digest(str(code or "").strip().encode(), expected.encode()):
        attempt_failed(keys)
        raise ServiceError(_("That is not the meeting's check-in code."), field="code")
    return attendance_check_in(
        meeting=meeting, participant=participant, by=user, client_id=client_id, client_type="checkin.self"
    )


# A six-digit code is a million guesses: without a limit a script finds it in minutes. Wrong codes
# are counted in the cache (Redis when REDIS_URL is set, so every worker sees the same counts),
# per person and per meeting, in a fixed window that starts with the first wrong code.


def _checkin_attempt_keys(meeting, user) -> tuple[tuple[str, int], tuple[str, int]]:
    return (
        (f"checkin-wrong:{meeting.pk}:{user.pk}", CHECKIN_ATTEMPTS_PER_PERSON),
        (f"checkin-wrong:{meeting.pk}", CHECKIN_ATTEMPTS_PER_MEETING),
    )


def attempts_left(keys) -> bool:
    counts = cache.get_many([key for key, _limit in keys])
    return all(counts.get(key, 0) < limit for key, limit in keys)


def attempt_failed(keys, *, window: int = CHECKIN_WINDOW) -> None:
    """Count one wrong code against each ``(key, limit)``; a count lives ``window`` seconds from
    its first wrong code. ``attempts_left`` asks the counts. (The SMS codes of the check-in link,
    ``services.checkin``, are counted the same way.)"""
    for key, _limit in keys:
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this wrong code starts a new window
            cache.add(key, 1, timeout=window)


def live_state(meeting):
    state, _created = LiveState.objects.get_or_create(meeting_id=meeting.pk)
    return state


@transaction.atomic
def meeting_close(*, meeting, by) -> LiveEvent:
    """Close the meeting and seal the minutes: after this nothing can be added or changed."""
    state, _stored = begin_write(meeting, by=by, started=False)
    if meeting.motions.filter(status="open").exists():
        raise ServiceError(_("Close the open motions first."))
    last = MinuteEntry.objects.filter(meeting=meeting).order_by("-position").first()
    state.final_hash = last.hash if last else ""
    state.finalised_at = timezone.now()
    state.save(update_fields=["final_hash", "finalised_at"])
    meeting.status = Meeting.Status.CLOSED
    meeting.save(update_fields=["status"])
    return live.record(
        meeting=meeting,
        kind="meeting.closed",
        payload={
            "status": meeting.status,
            "final_hash": state.final_hash,
            "ended_at": state.finalised_at.isoformat(),
            "ended_local": format_datetime(state.finalised_at),
        },
        actor=by,
    )
