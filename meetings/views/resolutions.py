"""Resolutions (决议) with their public notice, and their follow-up actions and progress."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deliberation.permissions import permission_required
from deliberation.views.common import community_from_url

from ..forms import resolutions as forms
from ..selectors import resolutions_for
from ..services import motions as motion_services
from .common import (
    action_resolution_from_url,
    meeting_from_url,
    not_public,
    public_or_login,
    resolution_from_url,
    run_service,
)


@public_or_login("meetings.view_resolution", meeting_from_url, message=not_public)
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


@public_or_login("meetings.view_resolution", resolution_from_url, message=not_public)
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
@permission_required("meetings.manage_actions", resolution_from_url)
def action_add(request, resolution_id):
    resolution = request.permission_object
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the action and choose the responsible party."))
    elif run_service(
        request, motion_services.action_add, resolution=resolution, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("The action was added."))
    return redirect("resolution_detail", resolution.pk)


@require_POST
@permission_required("meetings.manage_actions", action_resolution_from_url)
def action_progress(request, action_id):
    form = forms.ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what has been done."))
    elif run_service(
        request, motion_services.action_progress, action=request.action, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Progress was recorded."))
    return redirect("resolution_detail", request.action.resolution_id)
