"""Motions, ballots, resolutions and follow-up actions.

Ballots lock their motion row, so a voter's ballot is one row (database constraint) whose every
change leaves a ``BallotChange``; ``Motion.ballot_version`` rises with ``F()``. Tallies are not
broadcast per ballot: ``motion_publish_tally`` stores one full tally when the version moved,
and the ballot services coalesce calls to it (``live.publish_soon``), whichever path cast it.

Callers name rows by id (``motion_id``, ``owner_id``, ``agenda_item_id``): the lookups below scope
them to the meeting, so the socket and the HTTP views call the same function the same way.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.services import ServiceError
from deliberation.models import Household, Owner
from deliberation.services.requests import request_resolve_by_meeting

from .. import live, voting
from ..models import (
    Action,
    ActionProgress,
    Attendance,
    Ballot,
    BallotChange,
    Choice,
    LiveEvent,
    MinuteEntry,
    Motion,
    Party,
    Resolution,
    participant_for,
)
from ..tally import tally_html
from . import NotFound
from .minutes import append_entry, begin_write

MAX_MOTION_LENGTH = 2000


# --- Reads -----------------------------------------------------------------------------------


def owner_registry(community) -> voting.OwnerRegistry:
    """Art. 278 heads and area of the community's roster (see ``voting.owner_weights``).

    Every ballot and tally asks it of the whole roster (a head may join parts anywhere in the
    community), so it reads plain values in two queries: no model instance per row, and the phone
    as stored (E.164, what ``str()`` of the parsed number gives back) rather than parsed per row.
    """
    owners: dict[int, list] = {}
    rows = (
        Owner.objects.for_community(community)
        .annotate(stored_phone=Cast("phone", output_field=CharField()))
        .values_list("household_id", "pk", "user_id", "name", "stored_phone")
    )
    for household_id, owner_id, user_id, name, phone in rows:
        owners.setdefault(household_id, []).append(
            voting.owner_identity(owner_id=owner_id, user_id=user_id, name=name, phone=phone)
        )
    households = Household.objects.for_community(community).values_list("pk", "area")
    return voting.owner_weights((pk, area, owners.get(pk, [])) for pk, area in households)


def motion_tally(motion) -> voting.Result:
    """The motion's result so far (or final), computed by the function of its rule."""
    ballots = motion.ballots.select_related("participant")
    if motion.rule == Motion.Rule.CIVIL_CODE_278:
        registry = owner_registry(motion.meeting.community)
        votes = voting.owner_votes(
            registry, ((b.household_id, b.choice, (b.cast_at, b.pk)) for b in ballots if b.household_id)
        )
        return voting.civil_code_278(
            votes, total_area=registry.total_area, total_heads=registry.total_heads, matter=motion.matter
        )
    eligible = list(motion.eligible.values_list("pk", "party"))
    eligible_ids = {pk for pk, _party in eligible}
    votes = [
        voting.Vote(b.participant_id, b.choice, party=b.participant.party)
        for b in ballots
        if b.participant_id in eligible_ids
    ]
    if motion.rule == Motion.Rule.FOUR_PARTY_CONSENSUS:
        by_party = dict.fromkeys(Party.values, 0)
        for _pk, party in eligible:
            by_party[party] += 1
        return voting.four_party_consensus(votes, eligible_by_party=by_party)
    return voting.simple_majority(votes, eligible=len(eligible))


def motion_payload(motion, result: voting.Result | None = None) -> dict:
    result = (result or motion_tally(motion)).as_dict()
    return {
        "id": motion.pk,
        "text": motion.text,
        "rule": motion.rule,
        "matter": motion.matter,
        "status": motion.status,
        "agenda_item": motion.agenda_item_id,
        "agenda_title": motion.agenda_item.title if motion.agenda_item_id else "",
        "version": motion.ballot_version,
        "result": result,
        "tally_html": tally_html(result, closed=motion.status == Motion.Status.CLOSED),
    }


# --- Lookups ---------------------------------------------------------------------------------


def motion_in(meeting, motion_id) -> Motion:
    motion = (
        Motion.objects.select_related("meeting", "meeting__community")
        .filter(pk=motion_id, meeting=meeting)
        .first()
    )
    if motion is None:
        raise NotFound()
    return motion


def agenda_item_in(meeting, item_id):
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def owner_by_id(owner_id) -> Owner:
    """The roster row; whether it is this community's the ballot service decides (a refusal
    with its reason, not a bare "not found")."""
    owner = Owner.objects.select_related("household__building").filter(pk=owner_id).first()
    if owner is None:
        raise NotFound()
    return owner


# --- Motions ---------------------------------------------------------------------------------


@transaction.atomic
def motion_open(
    *,
    meeting,
    by,
    text,
    rule=Motion.Rule.SIMPLE_MAJORITY,
    matter=Motion.Matter.ORDINARY,
    agenda_item=...,
    agenda_item_id=...,
    client_id="",
) -> LiveEvent:
    """Open the vote on a motion about an agenda item of this meeting, or none.

    The item is named by the caller (``agenda_item_id``, an id or ``None``; or the row as
    ``agenda_item``), never taken from whatever item is current: a passed motion resolves
    exactly the requests of its item (``resolution_resolve_requests``), and the current item is
    only where the chair's form starts.
    """
    if agenda_item is ...:
        if agenda_item_id is ...:
            raise TypeError("motion_open() needs the agenda item, or None for none")
        agenda_item = None if agenda_item_id is None else agenda_item_in(meeting, agenda_item_id)
    state, event = begin_write(meeting, by=by, client_type="motion.open", client_id=client_id)
    if event:
        return event
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the motion."), field="text")
    if len(text) > MAX_MOTION_LENGTH:
        raise ServiceError(
            _("A motion is at most %(n)d characters.") % {"n": MAX_MOTION_LENGTH}, field="text"
        )
    if rule not in Motion.Rule.values:
        raise ServiceError(_("Unknown voting rule."), field="rule")
    if matter not in Motion.Matter.values:
        raise ServiceError(_("Unknown kind of matter."), field="matter")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ServiceError(_("The agenda item belongs to another meeting."), field="agenda_item")
    motion = Motion.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text,
        rule=rule,
        matter=matter,
        opened_by=by,
    )
    if rule != Motion.Rule.CIVIL_CODE_278:
        motion.eligible.set(meeting.participants.filter(votes=True))
    return live.record(
        meeting=meeting,
        kind="motion.opened",
        payload=motion_payload(motion),
        client_id=client_id,
        client_type="motion.open",
        actor=by,
    )


def _result_text(motion, result: voting.Result) -> str:
    """The decision line written into the minutes, in the site's language (minutes are one document)."""
    with translation.override(settings.LANGUAGE_CODE):
        outcome = _("passed") if result.passed else _("not passed")
        f = result.figures
        if motion.rule == Motion.Rule.CIVIL_CODE_278:
            figures = _(
                "participating area %(part_area)s of %(total_area)s m², owners %(part_heads)s of %(total_heads)s; "
                "for: %(for_area)s m² / %(for_heads)s owners"
            ) % {
                "part_area": f["participating_area"],
                "total_area": f["total_area"],
                "part_heads": f["participating_heads"],
                "total_heads": f["total_heads"],
                "for_area": f["area"]["for"],
                "for_heads": f["heads"]["for"],
            }
        else:
            figures = _("for %(for)d, against %(against)d, abstain %(abstain)d") % f
        return _("Vote on “%(motion)s”: %(outcome)s (%(figures)s).") % {
            "motion": motion.text,
            "outcome": outcome,
            "figures": figures,
        }


@transaction.atomic
def motion_close(*, by, meeting=None, motion_id=None, motion=None, client_id="") -> LiveEvent:
    """Close the vote, record the result in the minutes and, if it passed, publish a resolution.

    The motion is ``motion_id`` within ``meeting`` (or the row itself, as ``motion``)."""
    if motion is None:
        motion = motion_in(meeting, motion_id)
    meeting = motion.meeting
    state, event = begin_write(meeting, by=by, client_type="motion.close", client_id=client_id)
    if event:
        return event
    motion = Motion.objects.select_for_update(of=("self",)).get(pk=motion.pk)
    if not motion.is_open:
        raise ServiceError(_("The vote on this motion is already closed."))
    result = motion_tally(motion)
    motion.status = Motion.Status.CLOSED
    motion.closed_by = by
    motion.closed_at = timezone.now()
    motion.passed = result.passed
    motion.result = result.as_dict()
    motion.tally_version = motion.ballot_version
    motion.save(update_fields=["status", "closed_by", "closed_at", "passed", "result", "tally_version"])
    append_entry(
        meeting=meeting,
        state=state,
        by=by,
        kind=MinuteEntry.Kind.DECISION,
        text=_result_text(motion, result),
        agenda_item_id=motion.agenda_item_id,
    )
    resolution = None
    if result.passed:
        resolution = Resolution.objects.create(
            motion=motion,
            meeting=meeting,
            community=meeting.community,
            title=motion.text[:200],
            text=motion.text,
            result=motion.result,
        )
        resolution_resolve_requests(resolution=resolution, by=by)
    payload = motion_payload(motion, result)
    payload["resolution"] = (
        {"id": resolution.pk, "url": resolution_url(resolution)} if resolution is not None else None
    )
    return live.record(
        meeting=meeting,
        kind="motion.closed",
        payload=payload,
        client_id=client_id,
        client_type="motion.close",
        actor=by,
    )


def resolution_resolve_requests(*, resolution, by) -> list:
    """The hall's requests on the motion's agenda item move to "resolved by a meeting": each gets
    a timeline event linking to the resolution and its requester is told. A request that is no
    longer open (already resolved, rejected, closed) keeps its state."""
    item = resolution.motion.agenda_item
    if item is None:
        return []
    resolved, url = [], resolution_url(resolution)
    for request in item.requests.all():
        try:
            resolved.append(
                request_resolve_by_meeting(request=request, by=by, resolution_title=resolution.title, url=url)
            )
        except ServiceError:
            continue
    return resolved


def resolution_url(resolution) -> str:
    return reverse("resolution_detail", args=[resolution.pk])


@transaction.atomic
def motion_publish_tally(motion_id: int) -> LiveEvent | None:
    """Store and broadcast one full tally if ballots changed since the last one (else nothing)."""
    meeting_id = Motion.objects.filter(pk=motion_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        return None
    motion = Motion.objects.select_related("meeting", "meeting__community", "agenda_item").get(pk=motion_id)
    live.lock(motion.meeting)
    motion.refresh_from_db(fields=["ballot_version", "tally_version", "status"])
    if not motion.is_open or motion.ballot_version == motion.tally_version:
        return None
    payload = motion_payload(motion)
    Motion.objects.filter(pk=motion.pk).update(tally_version=motion.ballot_version)
    return live.record(meeting=motion.meeting, kind="tally", payload=payload)


# --- Ballots ---------------------------------------------------------------------------------


def _owner_parts(motion, *, owner) -> list[tuple]:
    """(household, owner) for every exclusive part of ``owner``'s head (art. 9). One person has one
    choice, so a ballot is written on each part; the owner on each row is the person's own roster
    row there (None where the part came into the group through a co-owner)."""
    registry = owner_registry(motion.meeting.community)
    community_owners = Owner.objects.for_community(motion.meeting.community)
    voter = registry.voter_of.get(owner.household_id)
    if voter is None:
        return []
    keys = set(
        voting.owner_identity(owner_id=owner.pk, user_id=owner.user_id, name=owner.name, phone=owner.phone)
    )
    parts = []
    by_household = {}
    for o in community_owners.filter(household_id__in=registry.parts[voter]).select_related("household"):
        by_household.setdefault(o.household_id, []).append(o)
    for household_id in registry.parts[voter]:
        mine = [
            o
            for o in by_household.get(household_id, [])
            if keys & set(voting.owner_identity(owner_id=o.pk, user_id=o.user_id, name=o.name, phone=o.phone))
        ]
        parts.append((household_id, mine[0] if mine else None))
    return parts


def _voter_for(motion, user, owner):
    """Where ``user``'s ballot goes: ``(participant, [(household, owner), ...])``; refuses anyone
    not eligible. Under art. 278 a linked owner casts their own head's ballot, whether or not they
    sit in the meeting; ``owner`` (optional) must be one of their own linked roster rows."""
    if motion.rule == Motion.Rule.CIVIL_CODE_278:
        owners = Owner.objects.for_community(motion.meeting.community).filter(user=user)
        if owner is not None:
            owners = owners.filter(pk=owner.pk)
        owner = owners.order_by("pk").first()
        if owner is None:
            raise ServiceError(_("Only owners on the community's roster vote on this motion."))
        return None, _owner_parts(motion, owner=owner)
    if owner is not None:
        raise ServiceError(_("This motion is voted by the meeting's participants, not by owners."))
    participant = participant_for(motion.meeting, user)
    if participant is None or not motion.eligible.filter(pk=participant.pk).exists():
        raise ServiceError(_("You are not an eligible voter on this motion."))
    if not Attendance.objects.filter(meeting=motion.meeting, participant=participant).exists():
        raise ServiceError(_("Check in before voting."))
    return participant, []


@transaction.atomic
def ballot_cast(
    *,
    by,
    choice,
    meeting=None,
    motion_id=None,
    owner_id=None,
    motion=None,
    owner=None,
    client_id="",
    publish=True,
) -> tuple[Ballot, bool]:
    """Cast or change ``by``'s ballot on ``motion_id`` of ``meeting`` (or the row, ``motion``),
    optionally as the linked roster row ``owner_id``. Returns the ballot and whether anything
    changed.

    An owner's own ballot replaces whatever their household had, a written proxy included; the
    proxy stays in ``BallotChange``. A change publishes the tally after commit, coalesced
    (``live.publish_soon``) for every caller alike; ``publish=False`` leaves it to the caller
    (a test that publishes by hand).
    """

    def voter(motion, owner):
        participant, parts = _voter_for(motion, by, owner)
        return participant, parts, ""

    return _ballot(
        "ballot.cast",
        voter,
        by=by,
        choice=choice,
        meeting=meeting,
        motion_id=motion_id,
        owner_id=owner_id,
        motion=motion,
        owner=owner,
        client_id=client_id,
        publish=publish,
    )


@transaction.atomic
def ballot_record_proxy(
    *,
    by,
    choice,
    proxy_holder,
    meeting=None,
    motion_id=None,
    owner_id=None,
    motion=None,
    owner=None,
    client_id="",
    publish=True,
) -> tuple[Ballot, bool]:
    """书面委托: the secretary records an owner's written proxy ballot, naming who holds it. It is
    the ballot of the owner's household (of all the parts of that owner, art. 9). Rows are named
    as in ``ballot_cast``; the tally is published the same way."""

    def voter(motion, owner):
        if owner is None:
            owner = owner_by_id(owner_id)
        if motion.rule != Motion.Rule.CIVIL_CODE_278:
            raise ServiceError(_("Written proxies are for owners' votes (art. 278)."))
        if owner.household.building.community_id != motion.meeting.community_id:
            raise ServiceError(_("This owner is not on the community's roster."))
        holder = (proxy_holder or "").strip()
        if not holder:
            raise ServiceError(_("Name the person holding the written proxy."), field="proxy_holder")
        parts = _owner_parts(motion, owner=owner)
        # The owner's own ballot outranks any paper carried for them: a proxy never overwrites it.
        if Ballot.objects.filter(
            motion=motion, household_id__in=[household_id for household_id, _owner in parts], proxy_holder=""
        ).exists():
            raise ServiceError(_("This owner has cast their own ballot; a written proxy cannot replace it."))
        return None, parts, holder[:60]

    return _ballot(
        "ballot.proxy",
        voter,
        by=by,
        choice=choice,
        meeting=meeting,
        motion_id=motion_id,
        owner_id=owner_id,
        motion=motion,
        owner=owner,
        client_id=client_id,
        publish=publish,
    )


def _ballot(
    client_type, voter, *, by, choice, meeting, motion_id, owner_id, motion, owner, client_id, publish
):
    """What the two ballot services share: the rows looked up within the meeting (or given),
    ``voter(motion, owner)`` naming whose ballot it is (participant, parts, proxy holder), and
    the ballot stored under the write's ``client_type``."""
    if motion is None:
        motion = motion_in(meeting, motion_id)
    if owner is None and owner_id is not None:
        owner = owner_by_id(owner_id)
    participant, parts, proxy_holder = voter(motion, owner)
    return _store_ballot(
        motion=motion,
        by=by,
        choice=choice,
        participant=participant,
        parts=parts,
        proxy_holder=proxy_holder,
        client_id=client_id,
        client_type=client_type,
        publish=publish,
    )


def _store_ballot(
    *, motion, by, choice, participant, parts, client_id, client_type, publish, proxy_holder=""
):
    """Write one ballot row per voter row: the participant's, or each household of one owner head.

    A retry is the same sender's same kind of write with the same id on this motion; another
    voter's id never matches, so their ballot is stored, not answered with someone else's. The
    client id goes on the first changed row's change only."""
    if choice not in Choice.values:
        raise ServiceError(_("Choose for, against or abstain."), field="choice")
    motion = Motion.objects.select_for_update(of=("self",)).get(pk=motion.pk)
    sender = by if getattr(by, "is_authenticated", False) else None
    if client_id and sender is not None:
        earlier = (
            BallotChange.objects.filter(
                motion=motion, by=sender, client_type=client_type, client_id=client_id
            )
            .select_related("ballot")
            .first()
        )
        if earlier is not None:
            return earlier.ballot, False
    if not motion.is_open:
        raise ServiceError(_("The vote on this motion is closed."))
    if participant is not None:
        rows = [({"participant": participant}, {})]
    else:
        if not parts:
            raise ServiceError(_("Only owners on the community's roster vote on this motion."))
        rows = [({"household_id": household_id}, {"owner": owner}) for household_id, owner in parts]
    first, changed = None, False
    for lookup, extra in rows:
        ballot, row_changed = _store_row(
            motion=motion,
            by=by,
            sender=sender,
            choice=choice,
            lookup=lookup,
            extra=extra,
            proxy_holder=proxy_holder,
            client_id="" if changed else client_id or "",
            client_type=client_type,
        )
        first = first or ballot
        changed = changed or row_changed
    if changed:
        Motion.objects.filter(pk=motion.pk).update(ballot_version=F("ballot_version") + 1)
        if publish:
            transaction.on_commit(
                lambda: live.publish_soon(("tally", motion.pk), motion_publish_tally, motion.pk)
            )
    return first, changed


def _store_row(*, motion, by, sender, choice, lookup, extra, proxy_holder, client_id, client_type):
    ballot = Ballot.objects.filter(motion=motion, **lookup).first()
    old = ballot.choice if ballot else ""
    if ballot is not None and old == choice and ballot.proxy_holder == proxy_holder:
        return ballot, False
    if ballot is None:
        ballot = Ballot.objects.create(
            motion=motion, choice=choice, proxy_holder=proxy_holder, recorded_by=by, **lookup, **extra
        )
    else:
        ballot.choice, ballot.proxy_holder, ballot.recorded_by, ballot.cast_at = (
            choice,
            proxy_holder,
            by,
            timezone.now(),
        )
        for name, value in extra.items():
            setattr(ballot, name, value)
        ballot.save(update_fields=["choice", "proxy_holder", "recorded_by", "cast_at", *extra])
    BallotChange.objects.create(
        ballot=ballot,
        motion=motion,
        old_choice=old,
        new_choice=choice,
        proxy_holder=proxy_holder,
        by=sender,
        client_id=client_id if sender is not None else "",
        client_type=client_type if client_id and sender is not None else "",
    )
    return ballot, True


# --- Resolutions and actions -----------------------------------------------------------------


@transaction.atomic
def action_add(*, resolution, by, title, owner_party, due_date=None) -> Action:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Describe the action."), field="title")
    if owner_party not in Party.values:
        raise ServiceError(_("Choose the responsible party."), field="owner_party")
    # Days are Beijing days: a resolution published at 01:00 on the 2nd (17:00 UTC on the 1st)
    # cannot have an action due on the 1st.
    if due_date is not None and due_date < timezone.localdate(resolution.published_at):
        raise ServiceError(_("The due date is before the resolution."), field="due_date")
    return Action.objects.create(
        resolution=resolution, title=title[:200], owner_party=owner_party, due_date=due_date, created_by=by
    )


@transaction.atomic
def action_progress(*, action, by, note, status) -> ActionProgress:
    """Add a public progress note; the action takes the note's status."""
    action = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Write what has been done."), field="note")
    if status not in Action.Status.values:
        raise ServiceError(_("Unknown status."), field="status")
    progress = ActionProgress.objects.create(action=action, note=note, status=status, by=by)
    action.status = status
    action.save(update_fields=["status"])
    return progress
