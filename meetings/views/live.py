"""The live meeting page, its console and the printed minutes.

Every console form posts to a small view that checks the permission and calls the same service
as the WebSocket consumer, so the page works without JavaScript.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.services import ServiceError
from deliberation.models import Owner
from deliberation.permissions import permission_required

from ..forms import live as forms
from ..models import Action as ActionModel
from ..models import Choice, Meeting, MinuteEntry, Motion, Party
from ..selectors import live_state, minutes_context, motions_with_tallies
from ..services import minutes as minutes_services
from ..services import motions as motion_services
from ..voting import CHOICES
from .common import meeting_from_url, not_public, public_or_login, run_service


def labels() -> dict:
    """Display names for the codes events carry, in the viewer's language (for live.js)."""
    return {
        "kinds": dict(MinuteEntry.Kind.choices),
        "parties": dict(Party.choices),
        "choices": dict(Choice.choices),
        "rules": dict(Motion.Rule.choices),
        "matters": dict(Motion.Matter.choices),
        "action_status": dict(ActionModel.Status.choices),
        "text": {
            "connected": _("Live: updates arrive as they happen."),
            "connecting": _("Connecting…"),
            "reconnecting": _("Connection lost; reconnecting…"),
            "offline": _("Offline: showing the state when the page loaded."),
            "quorum_ok": _("Quorum reached: all four parties present."),
            "quorum_missing": _("Quorum not reached. Missing:"),
            "present": _("present"),
            "absent": _("absent"),
            "current": _("current item"),
            "open": _("Open"),
            "closed": _("Closed"),
            "close_vote": _("Close the vote"),
            "your_vote": _("Your vote"),
            "vote_recorded": _("Your vote was recorded."),
            "saved": _("Saved."),
            "meeting_closed": _(
                "The meeting is closed and the minutes are final. Reload for the verified minutes."
            ),
            "meeting_started": _("The meeting has started."),
            "resolution": _("Resolution"),
            "agenda_item": _("Agenda item"),
            "no_item": _("none"),
        },
    }


@public_or_login("meetings.view_live", meeting_from_url, message=not_public)
def meeting_live(request, meeting_id):
    meeting = request.permission_object
    user = request.user
    state = live_state(meeting)
    context = minutes_context(meeting)
    can_keep = user.has_perm("meetings.keep_minutes", meeting)
    can_chair = user.has_perm("meetings.chair_meeting", meeting)
    motions = motions_with_tallies(meeting, user)
    owners = []
    if can_keep and any(m.is_open and m.rule == Motion.Rule.CIVIL_CODE_278 for m in motions):
        owners = Owner.objects.filter(household__building__community=meeting.community).select_related(
            "household__building"
        )
    context.update(
        {
            "meeting": meeting,
            "state": state,
            "agenda": list(meeting.agenda_items.all()),
            "motions": motions,
            "can_keep": can_keep,
            "can_chair": can_chair,
            "can_vote": user.has_perm("meetings.cast_ballot", meeting),
            "vote_rules": [
                rule
                for rule in Motion.Rule.values
                if user.has_perm("meetings.cast_ballot", Motion(meeting=meeting, rule=rule))
            ],
            "can_check_in_self": user.has_perm("meetings.check_in_self", meeting),
            "running": meeting.status == Meeting.Status.IN_PROGRESS and not state.is_finalised,
            "entry_form": forms.MinuteEntryForm(),
            "motion_form": forms.MotionForm(meeting=meeting, current_item_id=state.current_item_id),
            "checkin_form": forms.CheckInCodeForm(),
            "proxy_form": forms.ProxyForm(owners=owners) if owners else None,
            "choices": CHOICES,
            "labels": labels(),
            "client_id": forms.ClientIdMixin().initial["client_id"],
        }
    )
    return render(request, "meetings/live.html", context)


def _back(meeting, anchor=""):
    return redirect(reverse("meeting_live", args=[meeting.pk]) + anchor)


@require_POST
@permission_required("meetings.chair_meeting", meeting_from_url)
def live_start(request, meeting_id):
    """Start the meeting; far from its scheduled time the chair first answers the service's question."""
    meeting = request.permission_object
    try:
        minutes_services.meeting_start(
            meeting=meeting, by=request.user, confirm=request.POST.get("confirm") == "yes"
        )
    except minutes_services.StartNeedsConfirmation as question:
        return render(
            request, "meetings/meeting_start_confirm.html", {"meeting": meeting, "question": question.message}
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The meeting has started."))
    return _back(meeting)


@require_POST
@permission_required("meetings.chair_meeting", meeting_from_url)
def live_close(request, meeting_id):
    meeting = request.permission_object
    if run_service(request, minutes_services.meeting_close, meeting=meeting, by=request.user):
        messages.success(request, _("The meeting is closed and the minutes are final."))
    return _back(meeting)


@require_POST
@permission_required("meetings.keep_minutes", meeting_from_url)
def live_entry_add(request, meeting_id):
    meeting = request.permission_object
    form = forms.MinuteEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the entry's text."))
    else:
        run_service(
            request, minutes_services.minute_add, meeting=meeting, by=request.user, **form.cleaned_data
        )
    return _back(meeting, "#minutes")


@require_POST
@permission_required("meetings.keep_minutes", meeting_from_url)
def live_agenda_next(request, meeting_id):
    meeting = request.permission_object
    run_service(
        request,
        minutes_services.agenda_advance,
        meeting=meeting,
        by=request.user,
        client_id=request.POST.get("client_id", "")[:64],
    )
    return _back(meeting, "#agenda")


@require_POST
@permission_required("meetings.keep_minutes", meeting_from_url)
def live_check_in(request, meeting_id):
    meeting = request.permission_object
    form = forms.CheckInForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form.errors["participant"][0])
    else:
        run_service(
            request,
            minutes_services.attendance_check_in,
            meeting=meeting,
            participant_id=form.cleaned_data["participant"].pk,
            by=request.user,
        )
    return _back(meeting, "#attendance")


@require_POST
@permission_required(
    "meetings.check_in_self", meeting_from_url, message=lambda: _("Only invited participants can check in.")
)
def live_check_in_self(request, meeting_id):
    meeting = request.permission_object
    form = forms.CheckInCodeForm(request.POST)
    if form.is_valid() and run_service(
        request,
        minutes_services.attendance_self_check_in,
        meeting=meeting,
        user=request.user,
        **form.cleaned_data,
    ):
        messages.success(request, _("You are checked in."))
    return _back(meeting, "#attendance")


@require_POST
@permission_required("meetings.chair_meeting", meeting_from_url)
def live_motion_open(request, meeting_id):
    meeting = request.permission_object
    form = forms.MotionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Write the motion, choose its rule and the agenda item it decides."))
    else:
        data = form.cleaned_data
        item = data.pop("agenda_item")
        run_service(
            request,
            motion_services.motion_open,
            meeting=meeting,
            by=request.user,
            agenda_item_id=item.pk if item is not None else None,
            **data,
        )
    return _back(meeting, "#motions")


@require_POST
@permission_required("meetings.chair_meeting", meeting_from_url)
def live_motion_close(request, meeting_id, motion_id):
    meeting = request.permission_object
    run_service(
        request,
        motion_services.motion_close,
        meeting=meeting,
        motion_id=motion_id,
        by=request.user,
        client_id=request.POST.get("client_id", "")[:64],
    )
    return _back(meeting, "#motions")


@require_POST
@permission_required(
    "meetings.cast_ballot", meeting_from_url, message=lambda: _("You do not vote in this meeting.")
)
def live_ballot_cast(request, meeting_id, motion_id):
    meeting = request.permission_object
    form = forms.BallotForm(request.POST)
    if not form.is_valid():  # still a 404 for a motion of another meeting
        run_service(request, motion_services.motion_in, meeting=meeting, motion_id=motion_id)
    elif run_service(
        request,
        motion_services.ballot_cast,
        meeting=meeting,
        motion_id=motion_id,
        by=request.user,
        **form.cleaned_data,
    ):
        messages.success(request, _("Your vote was recorded."))
    return _back(meeting, "#motions")


@require_POST
@permission_required("meetings.keep_minutes", meeting_from_url)
def live_ballot_proxy(request, meeting_id, motion_id):
    meeting = request.permission_object
    owners = Owner.objects.filter(household__building__community=meeting.community).select_related(
        "household__building"
    )
    form = forms.ProxyForm(request.POST, owners=owners)
    if not form.is_valid():
        run_service(
            request, motion_services.motion_in, meeting=meeting, motion_id=motion_id
        )  # 404 if foreign
        messages.error(request, _("Choose the owner, the vote and the proxy holder."))
    else:
        data = form.cleaned_data
        if run_service(
            request,
            motion_services.ballot_record_proxy,
            meeting=meeting,
            motion_id=motion_id,
            by=request.user,
            owner_id=data.pop("owner"),
            **data,
        ):
            messages.success(request, _("The written proxy ballot was recorded."))
    return _back(meeting, "#motions")


@public_or_login("meetings.view_live", meeting_from_url, message=not_public)
def minutes_print(request, meeting_id):
    meeting = request.permission_object
    context = minutes_context(meeting)
    context.update({"meeting": meeting, "motions": motions_with_tallies(meeting)})
    return render(request, "meetings/minutes_print.html", context)
