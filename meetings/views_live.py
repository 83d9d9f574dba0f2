"""The live meeting page and its console, printed minutes, resolutions and follow-up actions.

Every console form posts to a small view that checks the permission and calls the same service
as the WebSocket consumer, so the page works without JavaScript.
"""

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deliberation.models import Owner
from deliberation.permissions import permission_required, require_reachable
from deliberation.services import ServiceError
from deliberation.views import community_from_url

from . import forms_live as forms
from .models import Action, Meeting, MinuteEntry, Motion, Party, Resolution
from .selectors_live import live_state, minutes_context, motions_with_tallies, resolutions_for
from .services import NotFound
from .services import minutes as minutes_services
from .services import motions as motion_services
from .voting import CHOICES


def get_meeting(request, meeting_id, **kwargs):
    return require_reachable(
        request.user, get_object_or_404(Meeting.objects.select_related("community"), pk=meeting_id)
    )


def get_resolution(request, resolution_id, **kwargs):
    return require_reachable(
        request.user,
        get_object_or_404(Resolution.objects.select_related("meeting", "community", "motion"), pk=resolution_id),
    )


def get_action_resolution(request, action_id, **kwargs):
    action = get_object_or_404(
        Action.objects.select_related("resolution__meeting", "resolution__community"), pk=action_id
    )
    request.action = action
    return require_reachable(request.user, action.resolution)


def _not_public():
    return _("This meeting is only open to its participants and the community's members.")


def _public_or_login(perm, get_object):
    """Public meetings and their resolutions are readable without an account; otherwise anonymous
    visitors log in and others get a 403 with the reason."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            obj = get_object(request, **kwargs)
            if not request.user.has_perm(perm, obj):
                return permission_required(perm, lambda request, **kw: obj, message=_not_public)(view)(
                    request, *args, **kwargs
                )
            request.permission_object = obj
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def labels() -> dict:
    """Display names for the codes events carry, in the viewer's language (for live.js)."""
    from .models import Action as ActionModel
    from .models import Choice

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


@_public_or_login("meetings.view_live", get_meeting)
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
                rule for rule in Motion.Rule.values if user.has_perm("meetings.cast_ballot", Motion(meeting=meeting, rule=rule))
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


def _run(request, func, **kwargs):
    """Call the service the socket calls, with the same arguments; an id that names nothing in
    this meeting is a 404, any other refusal a message on the page."""
    try:
        func(**kwargs)
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
        return False
    return True


@require_POST
@permission_required("meetings.chair_meeting", get_meeting)
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
@permission_required("meetings.chair_meeting", get_meeting)
def live_close(request, meeting_id):
    meeting = request.permission_object
    if _run(request, minutes_services.meeting_close, meeting=meeting, by=request.user):
        messages.success(request, _("The meeting is closed and the minutes are final."))
    return _back(meeting)


@require_POST
@permission_required("meetings.keep_minutes", get_meeting)
def live_entry_add(request, meeting_id):
    meeting = request.permission_object
    form = forms.MinuteEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the entry's text."))
    else:
        _run(request, minutes_services.minute_add, meeting=meeting, by=request.user, **form.cleaned_data)
    return _back(meeting, "#minutes")


@require_POST
@permission_required("meetings.keep_minutes", get_meeting)
def live_agenda_next(request, meeting_id):
    meeting = request.permission_object
    _run(
        request,
        minutes_services.agenda_advance,
        meeting=meeting,
        by=request.user,
        client_id=request.POST.get("client_id", "")[:64],
    )
    return _back(meeting, "#agenda")


@require_POST
@permission_required("meetings.keep_minutes", get_meeting)
def live_check_in(request, meeting_id):
    meeting = request.permission_object
    form = forms.CheckInForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form.errors["participant"][0])
    else:
        _run(
            request,
            minutes_services.attendance_check_in,
            meeting=meeting,
            participant_id=form.cleaned_data["participant"].pk,
            by=request.user,
        )
    return _back(meeting, "#attendance")


@require_POST
@permission_required(
    "meetings.check_in_self", get_meeting, message=lambda: _("Only invited participants can check in.")
)
def live_check_in_self(request, meeting_id):
    meeting = request.permission_object
    form = forms.CheckInCodeForm(request.POST)
    if form.is_valid() and _run(
        request,
        minutes_services.attendance_self_check_in,
        meeting=meeting,
        user=request.user,
        **form.cleaned_data,
    ):
        messages.success(request, _("You are checked in."))
    return _back(meeting, "#attendance")


@require_POST
@permission_required("meetings.chair_meeting", get_meeting)
def live_motion_open(request, meeting_id):
    meeting = request.permission_object
    form = forms.MotionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Write the motion, choose its rule and the agenda item it decides."))
    else:
        data = form.cleaned_data
        item = data.pop("agenda_item")
        _run(
            request,
            motion_services.motion_open,
            meeting=meeting,
            by=request.user,
            agenda_item_id=item.pk if item is not None else None,
            **data,
        )
    return _back(meeting, "#motions")


@require_POST
@permission_required("meetings.chair_meeting", get_meeting)
def live_motion_close(request, meeting_id, motion_id):
    meeting = request.permission_object
    _run(
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
    "meetings.cast_ballot", get_meeting, message=lambda: _("You do not vote in this meeting.")
)
def live_ballot_cast(request, meeting_id, motion_id):
    meeting = request.permission_object
    form = forms.BallotForm(request.POST)
    if not form.is_valid():  # still a 404 for a motion of another meeting
        _run(request, motion_services.motion_in, meeting=meeting, motion_id=motion_id)
    elif _run(
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
@permission_required("meetings.keep_minutes", get_meeting)
def live_ballot_proxy(request, meeting_id, motion_id):
    meeting = request.permission_object
    owners = Owner.objects.filter(household__building__community=meeting.community).select_related(
        "household__building"
    )
    form = forms.ProxyForm(request.POST, owners=owners)
    if not form.is_valid():
        _run(request, motion_services.motion_in, meeting=meeting, motion_id=motion_id)  # 404 if foreign
        messages.error(request, _("Choose the owner, the vote and the proxy holder."))
    else:
        data = form.cleaned_data
        if _run(
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


@_public_or_login("meetings.view_live", get_meeting)
def minutes_print(request, meeting_id):
    meeting = request.permission_object
    context = minutes_context(meeting)
    context.update({"meeting": meeting, "motions": motions_with_tallies(meeting)})
    return render(request, "meetings/minutes_print.html", context)


@_public_or_login("meetings.view_resolution", get_meeting)
def meeting_resolutions(request, meeting_id):
    meeting = request.permission_object
    resolutions = meeting.resolutions.select_related("motion").prefetch_related("actions")
    return render(
        request,
        "meetings/resolution_list.html",
        {"meeting": meeting, "community": meeting.community, "resolutions": resolutions},
    )


RESOLUTIONS_PER_PAGE = 20


def community_resolutions(request, community_id):
    """A community's resolutions, newest first, 20 a page; the same few queries for any number."""
    community = community_from_url(request, community_id)
    page = Paginator(resolutions_for(community, request.user), RESOLUTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/resolution_list.html",
        {"community": community, "resolutions": page, "page_obj": page, "query": ""},
    )


@_public_or_login("meetings.view_resolution", get_resolution)
def resolution_detail(request, resolution_id):
    resolution = request.permission_object
    actions = resolution.actions.prefetch_related("progress")
    item = resolution.motion.agenda_item
    requests = list(item.requests.all()) if item is not None else []
    can_manage = request.user.has_perm("meetings.manage_actions", resolution)
    return render(
        request,
        "meetings/resolution_detail.html",
        {
            "resolution": resolution,
            "meeting": resolution.meeting,
            "actions": actions,
            "requests": requests,
            "can_manage": can_manage,
            "action_form": forms.ActionForm() if can_manage else None,
            "progress_form": forms.ProgressForm() if can_manage else None,
        },
    )


@require_POST
@permission_required("meetings.manage_actions", get_resolution)
def action_add(request, resolution_id):
    resolution = request.permission_object
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the action and choose the responsible party."))
    elif _run(
        request, motion_services.action_add, resolution=resolution, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("The action was added."))
    return redirect("resolution_detail", resolution.pk)


@require_POST
@permission_required("meetings.manage_actions", get_action_resolution)
def action_progress(request, action_id):
    form = forms.ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what has been done."))
    elif _run(
        request, motion_services.action_progress, action=request.action, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Progress was recorded."))
    return redirect("resolution_detail", request.action.resolution_id)
