"""Convening a four-party meeting: create, edit, participants, agenda, invitations, cancel, reminder.

SEQUENCE is the calendar's version of a meeting. It rises (with ``F()``, under a row lock) in the
services that change what a calendar shows — time, place, title or status — and in nothing else:
RSVPs, agenda edits and new participants never move it. Every change that reaches calendars is
mailed after the transaction commits, so a rolled-back change never sends anything.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError
from deliberation.models import Request, User
from deliberation.people import official_name
from deliberation.phones import normalize_phone
from deliberation.services.requests import request_put_on_agenda, request_take_off_agenda

from .. import mail
from ..models import AgendaItem, Meeting, Participant, ParticipantRole, Party, participant_for

#: Fields whose change reaches the calendars (and so raises SEQUENCE and mails an update).
CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "place", "online_url")
EDITABLE_FIELDS = (*CALENDAR_FIELDS, "kind", "visibility", "description")
REMINDER_BEFORE = timedelta(hours=24)

logger = logging.getLogger(__name__)


def lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community", "convener")
        .get(pk=meeting.pk)
    )


def require_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("This meeting was cancelled and can no longer be changed."))
    if not meeting.is_open_for_changes:
        raise ServiceError(_("This meeting has started or is closed and can no longer be changed."))


def validate_times(
    starts_at: datetime | None, ends_at: datetime | None, *, now: datetime | None = None
) -> None:
    """Both or neither; the end after the start; never in the past."""
    if (starts_at is None) != (ends_at is None):
        raise ServiceError(_("Give both the start and the end, or neither."), field="ends_at")
    if starts_at is None:
        return
    if ends_at <= starts_at:
        raise ServiceError(_("The meeting must end after it starts."), field="ends_at")
    if starts_at <= (now or timezone.now()):
        raise ServiceError(_("The start is in the past. Choose a time to come."), field="starts_at")


def bump(meeting: Meeting, **changes) -> Meeting:
    """Write ``changes`` and raise SEQUENCE in one UPDATE; return the fresh row."""
    Meeting.objects.filter(pk=meeting.pk).update(
        sequence=F("sequence") + 1, updated_at=timezone.now(), **changes
    )
    meeting.refresh_from_db()
    return meeting


def missing_parties(meeting: Meeting) -> list[Party]:
    """The parties with no participant yet, in the order of ``Party``."""
    present = set(meeting.participants.values_list("party", flat=True))
    return [party for party in Party if party.value not in present]


def require_all_parties(meeting: Meeting) -> None:
    missing = missing_parties(meeting)
    if missing:
        raise ServiceError(
            _("Every party must have a participant before invitations go out. Missing: %(parties)s.")
            % {"parties": "、".join(str(party.label) for party in missing)}
        )


@transaction.atomic
def meeting_create(
    *,
    community,
    by: User,
    title: str,
    kind: str = Meeting.Kind.FOUR_PARTY,
    place: str = "",
    online_url: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    visibility: str = Meeting.Visibility.PUBLIC,
    description: str = "",
) -> Meeting:
    """A draft meeting. Its time may be fixed now or found later with a time poll."""
    if not title.strip():
        raise ServiceError(_("Give the meeting a title."), field="title")
    validate_times(starts_at, ends_at)
    return Meeting.objects.create(
        community=community,
        convener=by,
        title=title.strip(),
        kind=kind,
        place=place.strip(),
        online_url=online_url.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=visibility,
        description=description.strip(),
    )


@transaction.atomic
def meeting_update(*, meeting: Meeting, by: User, **changes) -> Meeting:
    """Edit a meeting. Once invitations are out, a change of time, place or title is an update:
    SEQUENCE rises and every participant gets the new calendar entry."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = lock_meeting(meeting)
    require_open(locked)
    changes = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in changes.items()
        if getattr(locked, name) != (value.strip() if isinstance(value, str) else value)
    }
    if "title" in changes and not changes["title"]:
        raise ServiceError(_("Give the meeting a title."), field="title")
    starts_at = changes.get("starts_at", locked.starts_at)
    ends_at = changes.get("ends_at", locked.ends_at)
    if "starts_at" in changes or "ends_at" in changes:
        if locked.status == Meeting.Status.POLLING:
            raise ServiceError(_("The time poll is open: fix the time from its table."), field="starts_at")
        validate_times(starts_at, ends_at)
        if locked.status == Meeting.Status.SCHEDULED and starts_at is None:
            raise ServiceError(_("A scheduled meeting needs a time. Cancel it instead."), field="starts_at")
    if not changes:
        return locked
    if locked.status == Meeting.Status.SCHEDULED and any(name in CALENDAR_FIELDS for name in changes):
        if "starts_at" in changes:
            changes["reminder_sent_at"] = None
        locked = bump(locked, **changes)
        mail.notify_participants(
            meeting=locked, kind=mail.UPDATE, key=f"meeting-{locked.pk}-update-{locked.sequence}"
        )
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def meeting_schedule(
    *, meeting: Meeting, by: User, starts_at: datetime | None = None, ends_at: datetime | None = None
) -> Meeting:
    """Fix the time (from the poll or directly) and send the invitations.

    A draft or polling meeting becomes scheduled and everyone gets METHOD:REQUEST. On a meeting that
    is already scheduled this is a reschedule: SEQUENCE rises and everyone gets the update.
    """
    locked = lock_meeting(meeting)
    require_open(locked)
    starts_at = starts_at or locked.starts_at
    ends_at = ends_at or locked.ends_at
    if starts_at is None:
        raise ServiceError(_("Fix the time first: give a start and an end, or pick a slot from the poll."))
    validate_times(starts_at, ends_at)
    if not (locked.place or locked.online_url):
        raise ServiceError(_("Give a place or an online link before inviting."), field="place")
    require_all_parties(locked)
    rescheduled = locked.status == Meeting.Status.SCHEDULED
    if rescheduled and (starts_at, ends_at) == (locked.starts_at, locked.ends_at):
        raise ServiceError(_("The meeting is already scheduled at that time."))
    locked = bump(
        locked, starts_at=starts_at, ends_at=ends_at, status=Meeting.Status.SCHEDULED, reminder_sent_at=None
    )
    kind = mail.UPDATE if rescheduled else mail.INVITATION
    mail.notify_participants(meeting=locked, kind=kind, key=f"meeting-{locked.pk}-{kind}-{locked.sequence}")
    return locked


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> Meeting:
    """Call the meeting off. Calendars that had it get METHOD:CANCEL with a higher SEQUENCE."""
    locked = lock_meeting(meeting)
    require_open(locked)
    was_sent = locked.status in (Meeting.Status.SCHEDULED, Meeting.Status.POLLING)
    locked = bump(locked, status=Meeting.Status.CANCELLED, cancel_reason=reason.strip())
    _release_requests(
        meeting=locked,
        requests=Request.objects.filter(agenda_items__meeting=locked).distinct(),
        by=by,
        keep=AgendaItem.objects.exclude(meeting=locked),
    )
    if was_sent:
        mail.notify_participants(
            meeting=locked, kind=mail.CANCELLATION, key=f"meeting-{locked.pk}-cancel-{locked.sequence}"
        )
    return locked


def meeting_set_status(*, meeting: Meeting, status: str) -> Meeting:
    """For the live minutes: starting and closing a meeting are status changes, so SEQUENCE rises.
    Nothing is mailed; feeds show the new status."""
    with transaction.atomic():
        locked = lock_meeting(meeting)
        if locked.status == status:
            return locked
        return bump(locked, status=status)


@transaction.atomic
def participant_add(
    *,
    meeting: Meeting,
    by: User,
    party: str,
    user: User | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    role: str = ParticipantRole.MEMBER,
    votes: bool = True,
    language: str = "",
) -> Participant:
    """Invite a person: an account, or a name and a phone or e-mail address for someone without one."""
    locked = lock_meeting(meeting)
    require_open(locked)
    if party not in Party.values:
        raise ServiceError(_("Choose one of the four parties."), field="party")
    if role not in ParticipantRole.values:
        raise ServiceError(_("Choose a role."), field="role")
    email = (email or (user.email if user else "")).strip().lower()
    # The name is shown on public pages and minutes: the person's chosen name or their role,
    # never their address (deliberation.people).
    name = (name or (official_name(user, community=locked.community) if user else "")).strip()
    phone = normalize_phone(phone)
    if user is None and not (email or phone):
        raise ServiceError(
            _("Give a phone number or an email address for a participant without an account."), field="email"
        )
    if not name:
        raise ServiceError(_("Give the participant's name."), field="name")
    if participant_for(locked, user) is not None:
        raise ServiceError(_("%(name)s is already a participant.") % {"name": name})
    if email and locked.participants.filter(email=email).exists():
        raise ServiceError(_("%(email)s is already a participant.") % {"email": email}, field="email")
    if role == ParticipantRole.CHAIR and locked.participants.filter(role=ParticipantRole.CHAIR).exists():
        raise ServiceError(_("The meeting already has a chair."), field="role")
    participant = Participant.objects.create(
        meeting=locked,
        user=user,
        name=name,
        email=email,
        phone=phone,
        party=party,
        role=role,
        votes=votes and role != ParticipantRole.OBSERVER,
        language=language or (user.language if user else "") or "zh-hans",
    )
    # Someone added after the invitations went out gets their own copy; the others' calendars
    # need no update for it, so SEQUENCE stays.
    if locked.status == Meeting.Status.SCHEDULED:
        mail.notify_participants(
            meeting=locked,
            kind=mail.INVITATION,
            participants=[participant],
            key=f"meeting-{locked.pk}-invitation-{locked.sequence}",
        )
    elif locked.status == Meeting.Status.POLLING:
        mail.notify_participants(
            meeting=locked, kind=mail.POLL, participants=[participant], key=f"meeting-{locked.pk}-poll"
        )
    return participant


@transaction.atomic
def participant_remove(*, participant: Participant, by: User) -> None:
    """Remove a participant. After the invitations, they get a CANCEL for their calendar."""
    locked = lock_meeting(participant.meeting)
    require_open(locked)
    if locked.status in (Meeting.Status.SCHEDULED, Meeting.Status.POLLING):
        remaining = locked.participants.exclude(pk=participant.pk)
        if not remaining.filter(party=participant.party).exists():
            raise ServiceError(
                _("%(party)s would have no participant left. Add another one first.")
                % {"party": participant.get_party_display()}
            )
    if locked.status != Meeting.Status.SCHEDULED:
        participant.delete()
        return
    # iTIP: the removed attendee gets a CANCEL, everyone else the update without them; both carry
    # the raised SEQUENCE.
    locked = bump(locked)
    mail.notify_removed(meeting=locked, participant=participant)
    participant.delete()
    mail.notify_participants(
        meeting=locked, kind=mail.UPDATE, key=f"meeting-{locked.pk}-update-{locked.sequence}"
    )


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, by: User, title: str, description: str = "") -> AgendaItem:
    locked = lock_meeting(meeting)
    require_open(locked)
    if not title.strip():
        raise ServiceError(_("Give the agenda item a title."), field="title")
    last = locked.agenda_items.order_by("-position").values_list("position", flat=True).first()
    return AgendaItem.objects.create(
        meeting=locked, title=title.strip(), description=description.strip(), position=(last or 0) + 1
    )


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User) -> None:
    """Remove an item; its requests go back to where they were unless another agenda holds them."""
    locked = lock_meeting(item.meeting)
    require_open(locked)
    requests = list(item.requests.all())
    item.delete()
    _release_requests(meeting=locked, requests=requests, by=by, keep=AgendaItem.objects.all())


def _release_requests(*, meeting: Meeting, requests, by: User, keep) -> None:
    """Take requests off "on the agenda" when no live agenda item in ``keep`` still links them."""
    url = reverse("meeting_detail", kwargs={"meeting_id": meeting.pk})
    live_items = keep.exclude(meeting__status=Meeting.Status.CANCELLED)
    for request in requests:
        if not live_items.filter(requests=request).exists():
            request_take_off_agenda(request=request, by=by, meeting_title=meeting.title, url=url)


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, by: User, offset: int) -> None:
    """Swap an item with its neighbour above (offset -1) or below (+1)."""
    locked = lock_meeting(item.meeting)
    require_open(locked)
    items = list(locked.agenda_items.order_by("position", "id"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + offset
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        other.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


def suggested_requests(meeting: Meeting, *, limit: int = 30):
    """Open requests of the meeting's community that are not on its agenda yet: those proposed for
    the four-party meeting (past the support threshold) first, then the most supported."""
    linked = AgendaItem.requests.through.objects.filter(agendaitem__meeting=meeting).values("request_id")
    return (
        Request.objects.for_community(meeting.community)
        .open()
        .exclude(pk__in=linked)
        .order_by(F("proposed_at").asc(nulls_last=True), "-num_vote_up", "-created_at")[:limit]
    )


@transaction.atomic
def agenda_item_link_requests(*, item: AgendaItem, by: User, requests) -> AgendaItem:
    """Link requests to an agenda item. Each moves to "on the agenda" with a timeline event in the
    hall (idempotent there, so linking again is harmless). All or nothing."""
    locked = lock_meeting(item.meeting)
    require_open(locked)
    requests = list(requests)
    for request in requests:
        if request.community_id != locked.community_id:
            raise ServiceError(_("That request belongs to another community."))
    url = reverse("meeting_detail", kwargs={"meeting_id": locked.pk})
    for request in requests:
        request_put_on_agenda(request=request, by=by, meeting_title=locked.title, url=url)
    item.requests.add(*requests)
    return item


@transaction.atomic
def agenda_items_from_requests(*, meeting: Meeting, by: User, requests) -> list[AgendaItem]:
    """One agenda item per request, titled after it, linked to it."""
    items = []
    for request in requests:
        item = agenda_item_add(meeting=meeting, by=by, title=request.title)
        items.append(agenda_item_link_requests(item=item, by=by, requests=[request]))
    return items


def meeting_reminders_send(*, now: datetime) -> int:
    """Mail the participants of meetings that start within 24 hours. Returns meetings reminded.

    One meeting at a time, each in its own transaction under its row lock: the mails are built
    and handed to the mail server first, and ``reminder_sent_at`` is set only once that worked.
    A meeting whose reminder fails is logged, left unmarked (the next run tries it again) and the
    loop goes on with the others. A second run (or a second worker, waiting on the lock) finds
    the mark and sends nothing. Rescheduling clears the mark, so the new time gets its own
    reminder.
    """
    count = 0
    due = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_BEFORE,
    )
    for meeting_id in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                meeting = (
                    due.select_for_update(of=("self",))
                    .select_related("community", "convener")
                    .filter(pk=meeting_id)
                    .first()
                )
                if meeting is None:
                    continue  # reminded, rescheduled or cancelled meanwhile
                mail.notify_participants(
                    meeting=meeting,
                    kind=mail.REMINDER,
                    key=f"meeting-{meeting.pk}-reminder-{meeting.starts_at.timestamp():.0f}",
                )
                Meeting.objects.filter(pk=meeting.pk).update(reminder_sent_at=now)
        except Exception:
            logger.exception("Reminder of meeting %s failed; it stays due for the next run.", meeting_id)
            continue
        count += 1
    return count
