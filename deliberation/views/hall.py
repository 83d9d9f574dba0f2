"""The deliberation hall's pages: list, submit, offline intake, a request's page and its actions.

Each view follows the site's one pattern (``cms.views``, on ``rules.contrib.views``): it loads
what the URL names, checks the permission with django-rules, calls one service and renders or
redirects. A refused action answers 403 with the reason; a form mistake re-renders the form with
its errors.
"""

from dataclasses import dataclass

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.views import ServiceActionView, ServiceFormView

from ..forms import hall as forms
from ..models import Request
from ..permissions import require_reachable
from ..rules import TRANSITION_PERMISSIONS
from ..selectors import (
    RequestPaginator,
    outbox_counts,
    own_requests,
    request_for_detail,
    request_list,
    request_notices,
    work_queue,
)
from ..services import AlreadySubmitted
from ..services import requests as services
from ..services.supports import support_add, support_withdraw
from .common import community_from_url, street_from_url

PAGE_SIZE = 20


def hall(request, community_id):
    """议事厅: the community's requests, public so every resident can follow them."""
    community = community_from_url(request, community_id)
    form = forms.HallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = request_list(
        community=community,
        status=filters.get("status") or "",
        category=filters.get("category"),
        flag=filters.get("flag") or "",
        q=(filters.get("q") or "").strip(),
        sort=filters.get("sort") or "",
    )
    page = RequestPaginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The filters in use (not the default order): the folded filter form opens to show them.
    active_filters = [
        name for name, value in filters.items() if value and (name, value) != ("sort", "newest")
    ]
    user = request.user
    return render(
        request,
        "deliberation/hall.html",
        {
            "community": community,
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "active_filters": active_filters,
            "can_submit": user.has_perm("deliberation.submit_request", community),
            "can_record": user.has_perm("deliberation.record_request", community),
        },
    )


class _RequestIntake(ServiceFormView):
    """Submitting a request, or recording one on a resident's behalf: the form page of the
    community named in the URL. A second post of the same form (``AlreadySubmitted``) goes to the
    request its first post created; a refusal about a field is that field's error, any other a 403
    that says why."""

    template_name = "deliberation/request_form.html"
    invalid_status = 400
    refusal_forbidden = True
    heading = ""
    done_message = ""

    def get_object(self):
        return community_from_url(self.request, **self.kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            community=self.object,
            heading=self.heading,
            locations=self.object.buildings.values_list("name", flat=True),
            **kwargs,
        )

    def refused(self, error, form):
        if isinstance(error, AlreadySubmitted):
            messages.info(self.request, error.message)
            return redirect(error.request.get_absolute_url())
        return super().refused(error, form)

    def get_success_message(self, created) -> str:
        return self.done_message % {"n": created.tracking_number}

    def done(self, created):
        return redirect(created.get_absolute_url())


class RequestSubmit(_RequestIntake):
    permission_required = "deliberation.submit_request"
    permission_denied_message = gettext_lazy(
        "Only verified residents of this community can submit a request."
    )
    form_class = forms.RequestForm
    heading = gettext_lazy("Submit a request")
    done_message = gettext_lazy("Your request was submitted. Tracking number: %(n)s")

    def perform(self, form):
        return services.request_submit(community=self.object, by=self.request.user, **form.cleaned_data)


class RequestRecord(_RequestIntake):
    permission_required = "deliberation.record_request"
    permission_denied_message = gettext_lazy("Only community workers record requests on a resident's behalf.")
    form_class = forms.OfflineRequestForm
    heading = gettext_lazy("Record a visit or call")
    done_message = gettext_lazy("Recorded. Tracking number: %(n)s")

    def perform(self, form):
        return services.request_record_offline(
            community=self.object, by=self.request.user, **form.cleaned_data
        )


request_new = RequestSubmit.as_view()
request_record = RequestRecord.as_view()


def _request_or_404(request, ref) -> Request:
    found = request_for_detail(ref=ref)
    if found is None:
        raise Http404(_("No such request."))
    return require_reachable(request.user, found)


@dataclass(frozen=True)
class Action:
    """One button on a request's page: its form, and who may press it (the refusal names them).

    When it shows is not decided here: the transition's permission (``rules.TRANSITION_PERMISSIONS``)
    composes who and the states of ``Request.TRANSITIONS``, and the service enforces the same table.
    """

    perm: str
    form: type
    label: str
    denied: str


ACTIONS = {
    "accept": Action(
        "deliberation.triage_request",
        forms.AcceptForm,
        gettext_lazy("Accept"),
        gettext_lazy("Only community workers accept requests."),
    ),
    "reject": Action(
        "deliberation.triage_request",
        forms.ReasonForm,
        gettext_lazy("Reject"),
        gettext_lazy("Only community workers reject requests."),
    ),
    "respond": Action(
        "deliberation.handle_request",
        forms.RespondForm,
        gettext_lazy("Post an official response"),
        gettext_lazy("Only the party responsible for this request or a community worker can respond."),
    ),
    "resolve": Action(
        "deliberation.handle_request",
        forms.NoteForm,
        gettext_lazy("Mark resolved"),
        gettext_lazy(
            "Only the party responsible for this request or a community worker can mark it resolved."
        ),
    ),
    "evaluate": Action(
        "deliberation.evaluate_request",
        forms.EvaluateForm,
        gettext_lazy("Evaluate"),
        gettext_lazy("Only the requester can evaluate this request."),
    ),
    "reopen": Action(
        "deliberation.triage_request",
        forms.ReasonForm,
        gettext_lazy("Reopen"),
        gettext_lazy("Only community workers reopen requests."),
    ),
    "close": Action(
        "deliberation.triage_request",
        forms.NoteForm,
        gettext_lazy("Close"),
        gettext_lazy("Only community workers close requests."),
    ),
    "escalate": Action(
        "deliberation.triage_request",
        forms.ReasonForm,
        gettext_lazy("Escalate to the street office"),
        gettext_lazy("Only community workers escalate requests."),
    ),
}


def _run(name: str, obj: Request, user, data: dict):
    if name == "accept":
        return services.request_accept(
            request=obj,
            by=user,
            party=data["party"] or None,
            due_date=data["due_date"],
            category=data["category"],
            note=data["note"],
        )
    if name == "reject":
        return services.request_reject(request=obj, by=user, reason=data["reason"])
    if name == "respond":
        return services.request_respond(request=obj, by=user, body=data["body"], photos=data["photos"])
    if name == "resolve":
        return services.request_resolve(request=obj, by=user, note=data["note"])
    if name == "evaluate":
        return services.request_evaluate(request=obj, by=user, rating=data["rating"], comment=data["comment"])
    if name == "reopen":
        return services.request_reopen(request=obj, by=user, reason=data["reason"])
    if name == "close":
        return services.request_close(request=obj, by=user, note=data["note"])
    if name == "escalate":
        return services.request_escalate(request=obj, by=user, reason=data["reason"])
    raise Http404


DONE = {
    "accept": gettext_lazy("The request is accepted."),
    "reject": gettext_lazy("The request is rejected."),
    "respond": gettext_lazy("Your response is published."),
    "resolve": gettext_lazy("The request is marked resolved."),
    "evaluate": gettext_lazy("Thank you for your evaluation."),
    "reopen": gettext_lazy("The request is reopened."),
    "close": gettext_lazy("The request is closed."),
    "escalate": gettext_lazy("The request is escalated to the street office."),
}


def _available_actions(obj: Request, user, bound: dict | None = None) -> list[dict]:
    """The buttons whose transition permission holds now. ``rules.has_perm`` asks the rule itself:
    Django's ``User.has_perm`` grants a superuser everything, states included."""
    bound = bound or {}
    available = []
    for name, action in ACTIONS.items():
        if rules.has_perm(TRANSITION_PERMISSIONS[name], user, obj):
            form = bound.get(name) or action.form(prefix=name)
            available.append({"name": name, "label": action.label, "form": form})
    return available


def _detail_context(request, obj: Request, bound: dict | None = None) -> dict:
    user = request.user
    supported = user.is_authenticated and obj.votes.exists(user.pk)
    timeline = list(obj.events.all())
    show_deliveries = user.has_perm("deliberation.view_request_deliveries", obj)
    if show_deliveries:
        told = request_notices(request=obj, events=timeline)
        for event in timeline:
            event.told = told.get(event.pk)
    return {
        "timeline": timeline,
        "show_deliveries": show_deliveries,
        "can_retry": show_deliveries and user.has_perm("deliberation.retry_delivery", obj.community),
        "delivery_next": f"{request.path}#timeline",
        "community": obj.community,
        "obj": obj,
        "actions": _available_actions(obj, user, bound),
        "can_support": obj.status in Request.SUPPORTABLE_STATUSES
        and user.has_perm("deliberation.support_request", obj),
        "supported": supported,
        "can_see_contact": user.has_perm("deliberation.view_requester_contact", obj),
    }


def request_detail(request, ref):
    obj = _request_or_404(request, ref)
    return render(request, "deliberation/request_detail.html", _detail_context(request, obj))


class RequestAction(ServiceFormView):
    """One button of a request's page (``ACTIONS``), posted: the action's permission, its form,
    its service. A form mistake shows the request's page again with that form's errors (400)."""

    http_method_names = ["post"]
    template_name = "deliberation/request_detail.html"
    invalid_status = 400
    refusal_forbidden = True

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("action") not in ACTIONS:
            raise Http404
        self.action = kwargs["action"]
        self.spec = ACTIONS[self.action]
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        return (self.spec.perm,)

    def get_permission_denied_message(self):
        return str(self.spec.denied)

    def get_object(self):
        return _request_or_404(self.request, self.kwargs["ref"])

    def get_form_class(self):
        return self.spec.form

    def get_prefix(self):
        return self.action

    def get_context_data(self, form=None, **kwargs):
        # The request as it is now (the service may have refused half-way), with this form bound.
        return _detail_context(
            self.request, _request_or_404(self.request, self.kwargs["ref"]), bound={self.action: form}
        )

    def perform(self, form):
        return _run(self.action, self.object, self.request.user, form.cleaned_data)

    def get_success_message(self, result) -> str:
        return str(DONE[self.action])

    def done(self, result):
        return redirect(self.object.get_absolute_url())


class RequestSupport(ServiceActionView):
    """附议, or withdrawing one's support. A refusal is a 403 that says why."""

    permission_required = "deliberation.support_request"
    permission_denied_message = gettext_lazy(
        "Only verified residents of this community can support its requests, and not their own."
    )
    refusal_forbidden = True

    def get_object(self):
        return _request_or_404(self.request, self.kwargs["ref"])

    def perform(self, form):
        if self.kwargs["action"] == "withdraw":
            return support_withdraw(request=self.object, user=self.request.user)
        return support_add(request=self.object, user=self.request.user)

    def get_success_message(self, result) -> str:
        if self.kwargs["action"] == "withdraw":
            return _("Your support is withdrawn.")
        return _("Thank you for your support.")

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


request_action = RequestAction.as_view()
request_support = RequestSupport.as_view()


@login_required
def work(request):
    """待办: the company's queue, the community's open requests, the street's escalations."""
    sections = work_queue(user=request.user)
    return render(
        request,
        "deliberation/work.html",
        {"sections": sections, "outboxes": outbox_counts(user=request.user)},
    )


def street_requests(request, street_id):
    """A street's requests across its (published) communities: the hall's search and filters over
    the whole street, public as each hall is."""
    street = street_from_url(street_id)
    form = forms.HallFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = request_list(
        communities=street.communities().live().values("pk"),
        status=filters.get("status") or "",
        category=filters.get("category"),
        flag=filters.get("flag") or "",
        q=(filters.get("q") or "").strip(),
        sort=filters.get("sort") or "",
    )
    page = RequestPaginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliberation/street_requests.html",
        {"street": street, "form": form, "page_obj": page, "query": query.urlencode()},
    )


@login_required
def my_requests(request):
    """我的诉求: the requests a person submitted (or that were recorded for them), the ones with
    news they have not read first marked."""
    page = RequestPaginator(own_requests(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/my_requests.html", {"page_obj": page, "query": ""})
