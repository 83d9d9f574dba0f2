"""Every transition of a request (诉求) lives here: intake, handling, evaluation, escalation.

Each function locks the request row, checks the state it expects, writes the new state, appends
one timeline event and notifies whoever must know. A refused change raises ``ServiceError`` with a
message for the user, and nothing is written. Views, commands, the meetings app and the demo call
these functions; none of them changes a request by hand.

Who may call what (a resident cannot resolve, a company cannot answer another company's request)
is django-rules' job in ``deliberation/rules.py``; these functions guard the states, reading the
states each transition may start from in the one table, ``Request.TRANSITIONS`` (``_require``).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.services import ServiceError

from .. import clock
from ..models import (
    Category,
    Channel,
    Request,
    RequestEvent,
    RequestPhoto,
    Response,
    ResponsibleParty,
    Role,
    User,
    about_key,
)
from ..phones import normalize_phone
from ..selectors import (
    community_members,
    community_workers,
    is_verified_member,
    membership_role,
    request_notice_key,
)
from . import AlreadySubmitted
from .delivery import Sms
from .notifications import notify
from .photos import atomic_removing_files, clean_photo, remember_stored

Status = Request.Status
Kind = RequestEvent.Kind

MAX_PHOTOS = 4


# --- helpers -----------------------------------------------------------------------------------


def _locked(request: Request) -> Request:
    # Only the request row: the category, the community's page and the users are shared city-wide.
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("community", "category")
        .get(pk=request.pk)
    )


def record_event(
    request: Request, kind: str, *, by=None, note: str = "", url: str = "", from_status="", rating=None
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        by=by,
        from_status=from_status,
        to_status=request.status,
        note=note,
        url=url,
        rating=rating,
        at=clock.now(),
    )


def street_officers(community) -> list[User]:
    return list(User.objects.filter(street_office_id=community.get_parent().pk, is_active=True))


def responsible_people(request: Request) -> list[User]:
    """Whoever must act on an accepted request: the party's people, or the workers by default."""
    party = request.responsible_party
    if party == ResponsibleParty.PROPERTY and request.assigned_company_id:
        people = list(User.objects.filter(property_company_id=request.assigned_company_id, is_active=True))
    elif party == ResponsibleParty.COMMITTEE:
        people = list(community_members(request.community, role=Role.COMMITTEE))
    elif party == ResponsibleParty.STREET:
        people = street_officers(request.community)
    else:
        people = []
    return people or list(community_workers(request.community))


def tell(users, request: Request, event: RequestEvent, *, key: str = "") -> None:
    """Notify each user once. ``key`` (default: the event) makes a retried notice a no-op."""
    seen = set()
    url = None  # the request's page, found once (its hall page is looked up) for every notice
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        url = url if url is not None else request.get_absolute_url()
        with translation.override(user.language or settings.LANGUAGE_CODE):
            what = str(Kind(event.kind).label)
        notify(
            user=user,
            template="deliberation/mail/request_event",
            context={"request": request, "event": event, "what": Kind(event.kind).label, "note": event.note},
            url=url,
            key=key or request_notice_key(request, event),
            sms=Sms("request_update", {"ref": request.tracking_number, "status": what, "link": url}),
            about=about_key("request", request.pk),
            community=request.community,
        )


def requester_of(request: Request) -> list[User]:
    return [request.requester] if request.requester_id else []


def _require(request: Request, transition: str, message) -> None:
    """Refuse ``transition`` from a state the table (``Request.TRANSITIONS``) does not allow."""
    if not request.allows(transition):
        raise ServiceError(message)


def _attach_photos(request: Request, photos, *, response: Response | None = None) -> None:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photos")
    # One at a time: only one photo's pixels are in memory, and each is stored before the next.
    for photo in photos:
        stored = RequestPhoto.objects.create(request=request, response=response, image=clean_photo(photo))
        remember_stored(stored.image)


def _assign_tracking_number(request: Request) -> None:
    # The primary key is unique in the deployment and known only after the insert, inside the
    # same transaction, so two concurrent submissions can never share a number.
    year = timezone.localtime(request.created_at).year
    request.tracking_number = f"SQ-{year}-{request.pk:06d}"
    Request.objects.filter(pk=request.pk).update(tracking_number=request.tracking_number)


def _validate_text(title: str, description: str) -> None:
    if not title.strip():
        raise ServiceError(_("A title is required."), field="title")
    if len(title) > Request._meta.get_field("title").max_length:
        raise ServiceError(_("The title is too long."), field="title")
    if not description.strip():
        raise ServiceError(_("A description is required."), field="description")
    if len(description) > Request._meta.get_field("description").max_length:
        raise ServiceError(_("The description is too long."), field="description")


# --- intake ------------------------------------------------------------------------------------


def _already_submitted(intake_token, submitter: dict) -> None:
    """Raise ``AlreadySubmitted`` if this form render already created a request.

    Only the same submitter gets the request back; anyone else posting that token is refused.
    """
    existing = Request.objects.filter(intake_token=intake_token).first()
    if existing is None:
        return
    if not all(getattr(existing, f"{key}_id") == user.pk for key, user in submitter.items()):
        raise ServiceError(_("This form was already used. Please reload the page and try again."))
    raise AlreadySubmitted(
        _("This request was already submitted (tracking number %(n)s); it was not submitted twice.")
        % {"n": existing.tracking_number},
        request=existing,
    )


def _create(
    *, title: str, description: str, location: str, photos, intake_token=None, submitter, **fields
) -> Request:
    """The part of intake shared by online and offline requests: checked text, number, photos.

    ``intake_token`` comes from the rendered form. The unique column decides between two posts
    of one form that arrive together: the second insert fails and finds the first request.
    """
    _validate_text(title, description)
    if intake_token is not None:
        _already_submitted(intake_token, submitter)
    try:
        with transaction.atomic():
            request = Request.objects.create(
                title=title.strip(),
                description=description.strip(),
                location=location.strip(),
                intake_token=intake_token,
                created_at=clock.now(),
                **fields,
            )
    except IntegrityError:
        if intake_token is None:
            raise
        _already_submitted(intake_token, submitter)
        raise
    _assign_tracking_number(request)
    _attach_photos(request, photos)
    return request


@atomic_removing_files
def request_submit(
    *,
    community,
    by: User,
    title: str,
    description: str,
    category: Category,
    location: str = "",
    show_name: bool = False,
    photos=(),
    intake_token=None,
) -> Request:
    """A verified resident submits a request online from the community's hall.

    Posting the same form render (``intake_token``) again raises ``AlreadySubmitted``.
    """
    if not is_verified_member(user=by, community=community):
        raise ServiceError(_("Only verified residents of this community can submit a request."))
    request = _create(
        community=community,
        category=category,
        title=title,
        description=description,
        location=location,
        show_name=show_name,
        photos=photos,
        intake_token=intake_token,
        submitter={"requester": by},
        requester=by,
        channel=Channel.ONLINE,
    )
    event = record_event(request, Kind.SUBMITTED, by=by)
    tell(community_workers(community), request, event)
    return request


@atomic_removing_files
def request_record_offline(
    *,
    community,
    by: User,
    channel: str,
    title: str,
    description: str,
    category: Category,
    requester_name: str,
    requester_phone: str = "",
    requester: User | None = None,
    intake_place: str = "",
    location: str = "",
    show_name: bool = False,
    photos=(),
    intake_token=None,
) -> Request:
    """A community worker records a visit, a call or a hotline case for a resident.

    The resident need not have an account; their name and phone are kept for staff only.
    """
    if channel == Channel.ONLINE or channel not in Channel.values:
        raise ServiceError(_("Choose how the request reached you."), field="channel")
    if not requester_name.strip() and requester is None:
        raise ServiceError(_("The requester's name is required."), field="requester_name")
    requester_phone = normalize_phone(requester_phone, field="requester_phone")
    request = _create(
        community=community,
        category=category,
        title=title,
        description=description,
        location=location,
        show_name=show_name,
        photos=photos,
        intake_token=intake_token,
        submitter={"recorded_by": by},
        requester=requester,
        requester_name=requester_name.strip(),
        requester_phone=requester_phone,
        channel=channel,
        intake_place=intake_place.strip(),
        recorded_by=by,
    )
    record_event(request, Kind.RECORDED, by=by, note=Channel(channel).label)
    return request


# --- handling ----------------------------------------------------------------------------------


@transaction.atomic
def request_accept(
    *,
    request: Request,
    by: User,
    party: str | None = None,
    due_date: datetime.date | None = None,
    category: Category | None = None,
    note: str = "",
) -> Request:
    """受理: a worker accepts, names the responsible party and the due date (default: the SLA)."""
    request = _locked(request)
    _require(request, "accept", _("Only a newly submitted request can be accepted."))
    category = category or request.category
    party = party or category.default_party
    if party not in ResponsibleParty.values:
        raise ServiceError(_("Choose a responsible party."), field="party")
    company = None
    if party == ResponsibleParty.PROPERTY:
        company = request.community.property_company
        if company is None:
            raise ServiceError(_("This community has no property company."), field="party")
    today = clock.today()
    due_date = due_date or today + datetime.timedelta(days=category.sla_days)
    if due_date < today:
        raise ServiceError(_("The due date cannot be in the past."), field="due_date")
    before = request.status
    request.category = category
    request.status = Status.ACCEPTED
    request.responsible_party = party
    request.assigned_company = company
    request.due_date = due_date
    request.accepted_at = clock.now()
    request.save()
    detail = _("%(party)s, due %(due)s") % {
        "party": ResponsibleParty(party).label,
        "due": due_date.isoformat(),
    }
    note = f"{detail}\n{note.strip()}" if note.strip() else detail
    event = record_event(request, Kind.ACCEPTED, by=by, note=note, from_status=before)
    tell(requester_of(request) + responsible_people(request), request, event)
    return request


@transaction.atomic
def request_reject(*, request: Request, by: User, reason: str) -> Request:
    request = _locked(request)
    _require(request, "reject", _("Only a newly submitted request can be rejected."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for rejecting."), field="reason")
    before = request.status
    request.status = Status.REJECTED
    request.closed_at = clock.now()
    request.save()
    event = record_event(request, Kind.REJECTED, by=by, note=reason.strip(), from_status=before)
    tell(requester_of(request), request, event)
    return request


def acting_party(request: Request, user: User) -> str:
    """On whose behalf ``user`` answers: their company, the street, or the community."""
    if user.property_company_id and user.property_company_id == request.assigned_company_id:
        return ResponsibleParty.PROPERTY
    if user.street_office_id:
        return ResponsibleParty.STREET
    if membership_role(user=user, community=request.community) == Role.COMMITTEE:
        return ResponsibleParty.COMMITTEE
    return ResponsibleParty.COMMUNITY


@atomic_removing_files
def request_respond(*, request: Request, by: User, body: str, photos=()) -> Response:
    """答复: an official answer. Several answers may follow one another; none is ever edited."""
    request = _locked(request)
    _require(request, "respond", _("Only an accepted, open request can be answered."))
    if not body.strip():
        raise ServiceError(_("Write the response."), field="body")
    if len(body) > Response._meta.get_field("body").max_length:
        raise ServiceError(_("The response is too long."), field="body")
    response = Response.objects.create(
        request=request, by=by, party=acting_party(request, by), body=body.strip(), created_at=clock.now()
    )
    _attach_photos(request, photos, response=response)
    before = request.status
    if request.status == Status.ACCEPTED:
        request.status = Status.RESPONDED
    request.first_response_at = request.first_response_at or response.created_at
    request.save()
    event = record_event(request, Kind.RESPONDED, by=by, note=response.body, from_status=before)
    tell(requester_of(request), request, event)
    return response


@transaction.atomic
def request_resolve(*, request: Request, by: User, note: str = "") -> Request:
    request = _locked(request)
    _require(request, "resolve", _("Only an accepted, open request can be marked resolved."))
    before = request.status
    now = clock.now()
    request.status = Status.RESOLVED
    request.resolved_at = now
    request.first_response_at = request.first_response_at or now
    request.save()
    event = record_event(request, Kind.RESOLVED, by=by, note=note.strip(), from_status=before)
    tell(requester_of(request), request, event)
    return request


@transaction.atomic
def request_evaluate(*, request: Request, by: User, rating: int, comment: str = "") -> Request:
    """评价: the requester rates the outcome. 1–2 stars reopen it once; later a worker decides.

    For a request recorded offline (no account), a community worker records the requester's
    evaluation after a follow-up call (回访).
    """
    request = _locked(request)
    on_behalf = (
        request.requester_id is None and community_workers(request.community).filter(pk=by.pk).exists()
    )
    if request.requester_id != by.pk and not on_behalf:
        raise ServiceError(_("Only the requester can evaluate this request."))
    _require(request, "evaluate", _("This request is not waiting for your evaluation."))
    if rating not in (1, 2, 3, 4, 5):
        raise ServiceError(_("Choose from 1 to 5 stars."), field="rating")
    if len(comment) > Request._meta.get_field("evaluation_comment").max_length:
        raise ServiceError(_("The comment is too long."), field="comment")
    before = request.status
    request.status = Status.EVALUATED
    request.rating = rating
    request.evaluation_comment = comment.strip()
    request.evaluated_at = clock.now()
    request.save()
    note = _("%(n)d of 5 stars.") % {"n": rating}
    event = record_event(
        request, Kind.EVALUATED, by=by, note=f"{note} {comment}".strip(), from_status=before, rating=rating
    )
    if rating <= 2:
        if request.reopen_count == 0:
            _reopen(request, by=None, note=_("Reopened automatically: the requester was not satisfied."))
        else:
            tell(community_workers(request.community), request, event)
    return request


def _reopen(request: Request, *, by, note: str) -> None:
    before = request.status
    request.status = Status.ACCEPTED
    request.reopen_count += 1
    request.resolved_at = None
    request.rating = None
    request.evaluated_at = None
    request.closed_at = None
    request.due_date = clock.today() + datetime.timedelta(days=request.category.sla_days)
    request.reminded_for = None
    request.urged_for = None
    request.save()
    event = record_event(request, Kind.REOPENED, by=by, note=note, from_status=before)
    tell(requester_of(request) + responsible_people(request), request, event)


@transaction.atomic
def request_reopen(*, request: Request, by: User, reason: str) -> Request:
    """A worker reopens an evaluated or closed request (after the one automatic reopening)."""
    request = _locked(request)
    _require(request, "reopen", _("Only an evaluated or closed request can be reopened."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for reopening."), field="reason")
    _reopen(request, by=by, note=reason.strip())
    return request


@transaction.atomic
def request_close(*, request: Request, by: User, note: str = "") -> Request:
    request = _locked(request)
    _require(request, "close", _("Only an evaluated request can be closed."))
    before = request.status
    request.status = Status.CLOSED
    request.closed_at = clock.now()
    request.save()
    event = record_event(request, Kind.CLOSED, by=by, note=note.strip(), from_status=before)
    tell(requester_of(request), request, event)
    return request


@transaction.atomic
def request_escalate(*, request: Request, by: User | None, reason: str) -> Request:
    """上报: pass an open request to the street office. Status is kept; the street now watches it."""
    request = _locked(request)
    _require(request, "escalate", _("Only an open request can be escalated."))
    if request.escalated_at is not None:
        raise ServiceError(_("This request has already been escalated."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for escalating."), field="reason")
    request.escalated_at = clock.now()
    request.escalation_reason = reason.strip()[:300]
    request.save()
    event = record_event(
        request, Kind.ESCALATED, by=by, note=request.escalation_reason, from_status=request.status
    )
    tell(street_officers(request.community) + list(community_workers(request.community)), request, event)
    return request


# --- meetings ----------------------------------------------------------------------------------


@transaction.atomic
def request_put_on_agenda(*, request: Request, by: User | None, meeting_title: str, url: str) -> Request:
    """The meetings app put this request on a four-party meeting's agenda.

    Idempotent: a request already on the agenda is returned unchanged, so re-saving an agenda
    never adds a second timeline event.
    """
    request = _locked(request)
    if request.status == Status.ON_AGENDA:
        return request
    _require(request, "put_on_agenda", _("Only an open request can be put on a meeting agenda."))
    before = request.status
    request.status = Status.ON_AGENDA
    request.save()
    event = record_event(request, Kind.ON_AGENDA, by=by, note=meeting_title, url=url, from_status=before)
    tell(requester_of(request), request, event)
    return request


@transaction.atomic
def request_take_off_agenda(*, request: Request, by: User | None, meeting_title: str, url: str) -> Request:
    """The agenda item went (removed, or its meeting cancelled): the request goes back to where it was.

    Idempotent: a request no longer on an agenda is returned unchanged.
    """
    request = _locked(request)
    if not request.allows("take_off_agenda"):
        return request
    put_on = request.events.filter(kind=Kind.ON_AGENDA).order_by("-at", "-id").first()
    back = put_on.from_status if put_on and put_on.from_status else None
    if back not in Request.TRANSITIONS["put_on_agenda"]:
        back = Status.ACCEPTED if request.accepted_at else Status.SUBMITTED
    before = request.status
    request.status = back
    request.save()
    event = record_event(request, Kind.OFF_AGENDA, by=by, note=meeting_title, url=url, from_status=before)
    tell(requester_of(request), request, event)
    return request


@transaction.atomic
def request_resolve_by_meeting(
    *, request: Request, by: User | None, resolution_title: str, url: str
) -> Request:
    """A meeting's resolution answers this request. The requester may then evaluate it."""
    request = _locked(request)
    if request.status == Status.RESOLVED_BY_MEETING:
        return request
    _require(request, "resolve_by_meeting", _("Only an open request can be resolved by a meeting."))
    before = request.status
    now = clock.now()
    request.status = Status.RESOLVED_BY_MEETING
    request.resolved_at = now
    request.first_response_at = request.first_response_at or now
    request.save()
    event = record_event(
        request, Kind.RESOLVED_BY_MEETING, by=by, note=resolution_title, url=url, from_status=before
    )
    tell(requester_of(request), request, event)
    return request


# --- used by supports and deadlines ------------------------------------------------------------


def request_mark_proposed(request: Request) -> bool:
    """Inside a transaction holding the row lock: mark as proposed once the threshold is reached."""
    if request.proposed_at is not None or request.num_vote_up < request.community.support_threshold:
        return False
    request.proposed_at = clock.now()
    Request.objects.filter(pk=request.pk).update(proposed_at=request.proposed_at)
    note = _("%(n)d supports") % {"n": request.num_vote_up}
    event = record_event(request, Kind.PROPOSED, note=note, from_status=request.status)
    tell(community_workers(request.community), request, event)
    return True
