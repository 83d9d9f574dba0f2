"""The deliberation hall's pages: list, submit, offline intake, a request's page and its actions.

Each view checks permission with django-rules, calls one service and renders or redirects. A
refused action answers 403 with the reason; a form mistake re-renders the form with its errors.
"""

from dataclasses import dataclass

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cms.services import ServiceError

from ..forms import hall as forms
from ..models import Request
from ..permissions import permission_required, require_perm, require_reachable
from ..rules import TRANSITION_PERMISSIONS
from ..selectors import request_for_detail, request_list, work_queue
from ..services import AlreadySubmitted
from ..services import requests as services
from ..services.supports import support_add, support_withdraw
from .common import community_from_url

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
        sort=filters.get("sort") or "newest",
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    return render(
        request,
        "deliberation/hall.html",
        {
            "community": community,
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "can_submit": user.has_perm("deliberation.submit_request", community),
            "can_record": user.has_perm("deliberation.record_request", community),
        },
    )


def _service_error(form, error: ServiceError):
    """A rule refused the change: a form error when it is about a field, else a 403 that says why."""
    if error.field and form is not None and error.field in form.fields:
        form.add_error(error.field, error.message)
        return
    raise PermissionDenied(error.message)


@permission_required(
    "deliberation.submit_request",
    community_from_url,
    message=lambda: _("Only verified residents of this community can submit a request."),
)
def request_new(request, community_id):
    community = request.permission_object
    form = forms.RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_submit(community=community, by=request.user, **form.cleaned_data)
        except AlreadySubmitted as repeat:
            messages.info(request, repeat.message)
            return redirect(repeat.request.get_absolute_url())
        except ServiceError as error:
            _service_error(form, error)
        else:
            messages.success(
                request,
                _("Your request was submitted. Tracking number: %(n)s") % {"n": created.tracking_number},
            )
            return redirect(created.get_absolute_url())
    return render(
        request,
        "deliberation/request_form.html",
        {
            "community": community,
            "form": form,
            "heading": _("Submit a request"),
            "locations": community.buildings.values_list("name", flat=True),
        },
        status=400 if form.errors else 200,
    )


@permission_required(
    "deliberation.record_request",
    community_from_url,
    message=lambda: _("Only community workers record requests on a resident's behalf."),
)
def request_record(request, community_id):
    community = request.permission_object
    form = forms.OfflineRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_record_offline(
                community=community, by=request.user, **form.cleaned_data
            )
        except AlreadySubmitted as repeat:
            messages.info(request, repeat.message)
            return redirect(repeat.request.get_absolute_url())
        except ServiceError as error:
            _service_error(form, error)
        else:
            messages.success(request, _("Recorded. Tracking number: %(n)s") % {"n": created.tracking_number})
            return redirect(created.get_absolute_url())
    return render(
        request,
        "deliberation/request_form.html",
        {
            "community": community,
            "form": form,
            "heading": _("Record a visit or call"),
            "locations": community.buildings.values_list("name", flat=True),
        },
        status=400 if form.errors else 200,
    )


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
    return {
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


@require_POST
def request_action(request, ref, action):
    if action not in ACTIONS:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    obj = _request_or_404(request, ref)
    spec = ACTIONS[action]
    require_perm(request.user, spec.perm, obj, message=str(spec.denied))
    form = spec.form(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            _run(action, obj, request.user, form.cleaned_data)
        except ServiceError as error:
            _service_error(form, error)
        else:
            messages.success(request, str(DONE[action]))
            return redirect(obj.get_absolute_url())
    obj = _request_or_404(request, ref)
    return render(
        request,
        "deliberation/request_detail.html",
        _detail_context(request, obj, bound={action: form}),
        status=400,
    )


@require_POST
def request_support(request, ref, action):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    obj = _request_or_404(request, ref)
    require_perm(
        request.user,
        "deliberation.support_request",
        obj,
        message=_("Only verified residents of this community can support its requests, and not their own."),
    )
    try:
        if action == "withdraw":
            support_withdraw(request=obj, user=request.user)
            messages.success(request, _("Your support is withdrawn."))
        else:
            support_add(request=obj, user=request.user)
            messages.success(request, _("Thank you for your support."))
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    return redirect(obj.get_absolute_url())


@login_required
def work(request):
    """待办: the company's queue, the community's open requests, the street's escalations."""
    sections = work_queue(user=request.user)
    return render(request, "deliberation/work.html", {"sections": sections})
