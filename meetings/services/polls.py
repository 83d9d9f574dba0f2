"""时间征询: the convener proposes candidate times, participants answer, the convener fixes one.

Answers come from the site or from a signed link in the poll mail (no account needed). The table
counts answers per party, because a time that suits three parties but no one of the fourth is no
time for a four-party meeting.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError
from deliberation.models import User

from .. import mail
from ..models import Meeting, Participant, Party, SlotAnswer, TimeSlot
from .convening import bump, lock_meeting, meeting_schedule, require_all_parties, require_open


def _check_slot(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at is None or ends_at is None:
        raise ServiceError(_("Give a start and an end for every candidate time."))
    if ends_at <= starts_at:
        raise ServiceError(_("A candidate time must end after it starts."))
    if starts_at <= now:
        raise ServiceError(
            _("The candidate time %(when)s is in the past.") % {"when": mail.format_when(starts_at, ends_at)}
        )


@transaction.atomic
def poll_open(*, meeting: Meeting, by: User, slots: list[tuple[datetime, datetime]]) -> Meeting:
    """Open the time poll with candidate times and ask every participant to answer."""
    locked = lock_meeting(meeting)
    require_open(locked)
    if not locked.allows("open_poll"):
        raise ServiceError(_("Only a draft meeting can start a time poll."))
    if not slots:
        raise ServiceError(_("Propose at least one candidate time."))
    now = timezone.now()
    for starts_at, ends_at in slots:
        _check_slot(starts_at, ends_at, now)
    if len(set(slots)) != len(slots):
        raise ServiceError(_("The same candidate time is proposed twice."))
    require_all_parties(locked)
    TimeSlot.objects.bulk_create(TimeSlot(meeting=locked, starts_at=s, ends_at=e) for s, e in slots)
    locked = bump(locked, status=Meeting.Status.POLLING, starts_at=None, ends_at=None)
    mail.notify_participants(meeting=locked, kind=mail.POLL, key=f"meeting-{locked.pk}-poll")
    return locked


@transaction.atomic
def slot_add(*, meeting: Meeting, by: User, starts_at: datetime, ends_at: datetime) -> TimeSlot:
    locked = lock_meeting(meeting)
    if locked.status != Meeting.Status.POLLING:
        raise ServiceError(_("The time poll is not open."))
    _check_slot(starts_at, ends_at, timezone.now())
    if locked.slots.filter(starts_at=starts_at, ends_at=ends_at).exists():
        raise ServiceError(_("The same candidate time is proposed twice."))
    return TimeSlot.objects.create(meeting=locked, starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def poll_answer(*, participant: Participant, answers: dict[int, str]) -> int:
    """Record a participant's yes / if need be / no per slot. Returns the number of answers saved."""
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=participant.meeting_id)
    if not meeting.allows("fix_poll"):
        raise ServiceError(_("The time poll is closed; the time has been fixed or the meeting called off."))
    slots = {slot.pk: slot for slot in meeting.slots.all()}
    for slot_id, answer in answers.items():
        if slot_id not in slots:
            raise ServiceError(_("That candidate time is not part of this poll."))
        if answer not in SlotAnswer.Answer.values:
            raise ServiceError(_("Answer yes, if need be, or no."))
    for slot_id, answer in answers.items():
        SlotAnswer.objects.update_or_create(
            slot=slots[slot_id], participant=participant, defaults={"answer": answer}
        )
    return len(answers)


@transaction.atomic
def poll_fix(*, meeting: Meeting, slot: TimeSlot, by: User) -> Meeting:
    """The convener picks a slot: the time is fixed and the invitations go out."""
    if slot.meeting_id != meeting.pk:
        raise ServiceError(_("That candidate time is not part of this poll."))
    if not meeting.allows("fix_poll"):
        raise ServiceError(_("The time poll is not open."))
    return meeting_schedule(meeting=meeting, by=by, starts_at=slot.starts_at, ends_at=slot.ends_at)


@dataclass
class SlotRow:
    slot: TimeSlot
    by_party: dict[str, dict[str, int]] = field(default_factory=dict)
    yes: int = 0
    maybe: int = 0
    no: int = 0
    parties_available: int = 0
    best: bool = False

    @property
    def score(self) -> tuple:
        # Every party able to come matters most; then more yes; then fewer "if need be"; then earlier.
        return (self.parties_available, self.yes, self.yes + self.maybe, -self.slot.starts_at.timestamp())


@dataclass
class PollTable:
    rows: list[SlotRow]
    participants: list[Participant]
    answers: dict[tuple[int, int], str]

    @property
    def not_answered(self) -> list[Participant]:
        answered = {participant_id for (_slot_id, participant_id) in self.answers}
        return [p for p in self.participants if p.pk not in answered]

    @property
    def parties(self) -> list[Party]:
        return list(Party)

    @property
    def best(self) -> SlotRow | None:
        return next((row for row in self.rows if row.best), None)


def poll_table(meeting: Meeting) -> PollTable:
    """Answers per slot and party, and the best slot. Two queries whatever the size."""
    slots = list(meeting.slots.all())
    participants = list(meeting.participants.all())
    party_of = {p.pk: p.party for p in participants}
    answers = {
        (a.slot_id, a.participant_id): a.answer
        for a in SlotAnswer.objects.filter(slot__meeting=meeting).only("slot_id", "participant_id", "answer")
    }
    rows = []
    for slot in slots:
        row = SlotRow(slot=slot, by_party={party.value: {"yes": 0, "maybe": 0, "no": 0} for party in Party})
        for (slot_id, participant_id), answer in answers.items():
            if slot_id != slot.pk or participant_id not in party_of:
                continue
            row.by_party[party_of[participant_id]][answer] += 1
            setattr(row, answer, getattr(row, answer) + 1)
        row.parties_available = sum(
            1 for counts in row.by_party.values() if counts["yes"] + counts["maybe"] > 0
        )
        rows.append(row)
    answered = [row for row in rows if row.yes + row.maybe > 0]
    if answered:
        max(answered, key=lambda row: row.score).best = True
    return PollTable(rows=rows, participants=participants, answers=answers)
