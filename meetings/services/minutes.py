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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.services import ServiceError

from .. import live
from ..models import Attendance, LiveEvent, Meeting, MinuteEntry, Participant, Party

MAX_ENTRY_LENGTH = 4000


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


def minutes_verify(*, meeting) -> Verification:
    """Recompute the chain from the stored entries; it holds only if every hash matches and the
    last one equals the hash sealed when the minutes were finalised (so a deleted tail shows)."""
    from ..models import LiveState

    state = LiveState.objects.filter(pk=meeting.pk).first()
    finalised = bool(state and state.is_finalised)
    prev, checked = "", 0
    for entry in MinuteEntry.objects.filter(meeting=meeting).order_by("position"):
        checked += 1
        if entry.prev_hash != prev or entry.hash != entry_hash(entry, prev):
            return Verification(finalised, False, checked, entry.position)
        prev = entry.hash
    if finalised and prev != state.final_hash:
        return Verification(finalised, False, checked, checked + 1)
    return Verification(finalised, True, checked)


# --- Writes ----------------------------------------------------------------------------------


def _ensure_open(meeting, state, *, started=True) -> None:
    if state.is_finalised or meeting.status == Meeting.Status.CLOSED:
        raise ServiceError(_("The minutes are finalised; nothing can be added or changed."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled."))
    if started and meeting.status != Meeting.Status.IN_PROGRESS:
        raise ServiceError(_("The meeting has not started yet."))


def append_entry(*, meeting, state, by, kind, text, party="", client_id="") -> tuple[MinuteEntry, LiveEvent]:
    """Append to the chain under the lock the caller holds (also used when a motion closes)."""
    last = MinuteEntry.objects.filter(meeting=meeting).order_by("-position").first()
    entry = MinuteEntry(
        meeting=meeting,
        position=(last.position + 1) if last else 1,
        kind=kind,
        party=party,
        text=text,
        agenda_item_id=state.current_item_id,
        author=by if getattr(by, "is_authenticated", False) else None,
        author_name=str(by) if by else "",
        created_at=timezone.now(),
        prev_hash=last.hash if last else "",
    )
    entry.hash = entry_hash(entry, entry.prev_hash)
    entry.save()
    event = live.record(
        meeting=meeting, kind="entry", payload=entry_payload(entry), client_id=client_id, actor=by
    )
    return entry, event


@transaction.atomic
def meeting_start(*, meeting, by) -> LiveEvent:
    state = live.lock(meeting)
    meeting.refresh_from_db(fields=["status"])
    if meeting.status == Meeting.Status.IN_PROGRESS:
        raise ServiceError(_("The meeting is already in progress."))
    _ensure_open(meeting, state, started=False)
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.save(update_fields=["status"])
    state.started_at = timezone.now()
    if state.current_item_id is None:
        state.current_item = meeting.agenda_items.order_by("position", "id").first()
    state.save(update_fields=["started_at", "current_item"])
    item = state.current_item
    return live.record(
        meeting=meeting,
        kind="meeting.started",
        payload={"status": meeting.status, "current_item": item.pk if item else None},
        actor=by,
    )


@transaction.atomic
def minute_add(*, meeting, by, kind, text, party="", client_id="") -> LiveEvent:
    state = live.lock(meeting)
    if event := live.stored(meeting, client_id):
        return event
    meeting.refresh_from_db(fields=["status"])
    _ensure_open(meeting, state)
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
        meeting=meeting, state=state, by=by, kind=kind, text=text, party=party, client_id=client_id
    )
    return event


@transaction.atomic
def agenda_advance(*, meeting, by, client_id="") -> LiveEvent:
    state = live.lock(meeting)
    if event := live.stored(meeting, client_id):
        return event
    meeting.refresh_from_db(fields=["status"])
    _ensure_open(meeting, state)
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
        actor=by,
    )


@transaction.atomic
def attendance_check_in(*, meeting, participant, by, client_id="") -> LiveEvent | None:
    """Check a participant in. Checking in twice changes nothing and returns ``None``."""
    state = live.lock(meeting)
    if event := live.stored(meeting, client_id):
        return event
    meeting.refresh_from_db(fields=["status"])
    _ensure_open(meeting, state, started=False)
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
        actor=by,
    )


def attendance_self_check_in(*, meeting, user, code, client_id="") -> LiveEvent | None:
    participant = (
        Participant.objects.filter(meeting=meeting, user=user).first() if user.is_authenticated else None
    )
    if participant is None:
        raise ServiceError(_("Only invited participants can check in."))
    expected = live_state(meeting).checkin_code
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not hmac.compare_digest(str(code or "").strip().encode(), expected.encode()):
        raise ServiceError(_("That is not the meeting's check-in code."), field="code")
    return attendance_check_in(meeting=meeting, participant=participant, by=user, client_id=client_id)


def live_state(meeting):
    from ..models import LiveState

    state, _created = LiveState.objects.get_or_create(meeting_id=meeting.pk)
    return state


@transaction.atomic
def meeting_close(*, meeting, by) -> LiveEvent:
    """Close the meeting and seal the minutes: after this nothing can be added or changed."""
    state = live.lock(meeting)
    meeting.refresh_from_db(fields=["status"])
    _ensure_open(meeting, state, started=False)
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
        payload={"status": meeting.status, "final_hash": state.final_hash},
        actor=by,
    )
