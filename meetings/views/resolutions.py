"""Resolutions (决议) with their public notice, and their follow-up actions and progress."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cms.views import PermissionView, ServiceActionView
from deliberation.views.common import community_from_url

from ..forms import resolutions as forms
from ..selectors import resolutions_for
from ..services import motions as motion_services
from ..services import owners_vote_results as vote_results
from .common import NOT_PUBLIC, MeetingMixin, ResolutionMixin, action_from_url


class MeetingResolutions(MeetingMixin, PermissionView):
    permission_required = "meetings.view_resolution"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, meeting_id):
        meeting = self.meeting
        resolutions = meeting.resolutions.select_related("motion").prefetch_related("actions")
        return render(
            request,
            "meetings/resolution_list.html",
            {"meeting": meeting, "community": meeting.community, "resolutions": resolutions},
        )


meeting_resolutions = MeetingResolutions.as_view()


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


class ResolutionDetail(ResolutionMixin, PermissionView):
    permission_required = "meetings.view_resolution"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, resolution_id):
        resolution = self.resolution
        actions = resolution.actions.prefetch_related("progress")
        vote = resolution.owners_vote
        if vote is not None:
            requests = [vote.request] if vote.request_id else []
        else:
            item = resolution.motion.agenda_item
            requests = list(item.requests.all()) if item is not None else []
        can_manage = request.user.has_perm("meetings.manage_actions", resolution)
        return render(
            request,
            "meetings/resolution_detail.html",
            {
                "resolution": resolution,
                "meeting": resolution.meeting,
                "vote": vote,
                "official": vote_results.official_comparison(vote) if vote is not None else [],
                "binding_label": vote_results.binding_label(vote) if vote is not None else "",
                "actions": actions,
                "requests": requests,
                "can_manage": can_manage,
                "action_form": forms.ActionForm() if can_manage else None,
                "progress_form": forms.ProgressForm() if can_manage else None,
            },
        )


resolution_detail = ResolutionDetail.as_view()


class ResolutionAction(ServiceActionView):
    """Follow-up on a resolution; every outcome goes back to its page."""

    permission_required = "meetings.manage_actions"

    def get_success_url(self):
        return reverse("resolution_detail", args=[self.object.pk])


class ActionAdd(ResolutionMixin, ResolutionAction):
    form_class = forms.ActionForm
    invalid_message = gettext_lazy("Describe the action and choose the responsible party.")
    success_message = gettext_lazy("The action was added.")

    def perform(self, form):
        return motion_services.action_add(
            resolution=self.resolution, by=self.request.user, **form.cleaned_data
        )


action_add = ActionAdd.as_view()


class ActionProgress(ResolutionAction):
    form_class = forms.ProgressForm
    invalid_message = gettext_lazy("Write what has been done.")
    success_message = gettext_lazy("Progress was recorded.")

    def get_object(self):
        self.action = action_from_url(self.request, **self.kwargs)
        return self.action.resolution

    def perform(self, form):
        return motion_services.action_progress(action=self.action, by=self.request.user, **form.cleaned_data)


action_progress = ActionProgress.as_view()
