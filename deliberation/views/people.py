"""Membership, roster, profile and inbox pages. Each view checks permission and calls a service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.services import ServiceError

from ..exports import xlsx_response
from ..forms.people import (
    NOT_AN_OWNER,
    ApproveForm,
    JoinCommunityForm,
    OwnerLinkForm,
    ProfileForm,
    RejectForm,
    RoleForm,
    RosterUploadForm,
)
from ..models import Household, Membership, Notification, Owner, RoleEvent
from ..permissions import permission_required
from ..services.accounts import profile_update, user_set_language
from ..services.memberships import (
    membership_approve,
    membership_reject,
    membership_request,
    membership_set_role,
    user_roles,
)
from ..services.notifications import notification_mark_read
from ..services.owners import owner_link, owner_suggestions, owner_unlink
from ..services.roster import RosterInvalid, roster_export, roster_import, roster_template
from ..services.roster import max_rows as roster_max_rows
from .common import community_from_url, membership_from_url


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                profile_update(user=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
    else:
        form = ProfileForm(
            initial={
                "display_name": request.user.display_name,
                "phone": request.user.phone,
                "language": request.user.language,
            }
        )
    memberships = request.user.memberships.select_related("community", "household__building")
    return render(
        request,
        "deliberation/profile.html",
        {"form": form, "roles": user_roles(request.user), "memberships": memberships},
    )


@permission_required(
    "deliberation.request_membership",
    community_from_url,
    message=lambda: _("You have already asked to join this community."),
)
def community_join(request, community_id):
    community = request.permission_object
    form = JoinCommunityForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            membership_request(user=request.user, community=community, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Your request was sent. A community worker will verify it."))
            return redirect("profile")
    return render(request, "deliberation/community_join.html", {"community": community, "form": form})


@permission_required("deliberation.view_members", community_from_url)
def members(request, community_id):
    community = request.permission_object
    memberships = Membership.objects.for_community(community).select_related(
        "user", "household__building", "decided_by"
    )
    households = Household.objects.for_community(community).select_related("building")
    owners = list(
        Owner.objects.filter(household__building__community=community).select_related(
            "household__building", "user"
        )
    )
    by_household, by_user = {}, {}
    for owner in owners:
        by_household.setdefault(owner.household_id, []).append(owner)
        if owner.user_id:
            by_user.setdefault(owner.user_id, []).append(owner)
    pending = [m for m in memberships if m.status == Membership.Status.PENDING]
    approved = [m for m in memberships if m.status == Membership.Status.APPROVED]
    for m in pending:
        # The claimed household's owners, the ones matching the person's name or phone first.
        m.household_owners = by_household.get(m.household_id, [])
        m.suggested = owner_suggestions(user=m.user, owners=m.household_owners)
    can_link = request.user.has_perm("deliberation.link_owner", community)
    for m in approved:
        m.linked_owners = by_user.get(m.user_id, [])
        m.suggested = owner_suggestions(user=m.user, owners=owners) if can_link else []
    return render(
        request,
        "deliberation/members.html",
        {
            "community": community,
            "pending": pending,
            "approved": approved,
            "rejected": [m for m in memberships if m.status == Membership.Status.REJECTED][:50],
            "households": households,
            "can_decide": request.user.has_perm("deliberation.decide_membership", community),
            "can_link": can_link,
            "unlinked_owners": [o for o in owners if o.user_id is None],
            "not_an_owner": NOT_AN_OWNER,
            "role_form": RoleForm(),
            "events": RoleEvent.objects.filter(community=community)
            .select_related("user", "by")
            .order_by("-at")[:30],
        },
    )


def _decision_redirect(community):
    return redirect(reverse("members", kwargs={"community_id": community.pk}))


@require_POST
@permission_required("deliberation.decide_membership", membership_from_url)
def membership_decide(request, community_id, membership_id, action):
    membership = request.permission_object
    try:
        if action == "approve":
            form = ApproveForm(request.POST, community=membership.community)
            if not form.is_valid():
                if "owner" in form.errors:
                    raise ServiceError(form.errors["owner"][0])
                raise ServiceError(_("Pick a household from the roster."))
            if form.cleaned_data["owner"]["owner"] is not None and not request.user.has_perm(
                "deliberation.link_owner", membership.community
            ):
                raise ServiceError(_("Only the community's workers link owners to accounts."))
            membership_approve(
                membership=membership,
                by=request.user,
                household=form.cleaned_data["household"],
                **form.cleaned_data["owner"],
            )
            messages.success(request, _("%(name)s is verified.") % {"name": membership.user})
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ServiceError("; ".join(form.errors["reason"]))
            membership_reject(membership=membership, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The request of %(name)s was rejected.") % {"name": membership.user})
    except ServiceError as error:
        messages.error(request, error.message)
    return _decision_redirect(membership.community)


@require_POST
@permission_required("deliberation.change_role", membership_from_url)
def membership_role(request, community_id, membership_id):
    membership = request.permission_object
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
    else:
        try:
            membership_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
            messages.success(request, _("The role of %(name)s was changed.") % {"name": membership.user})
        except ServiceError as error:
            messages.error(request, error.message)
    return _decision_redirect(membership.community)


@require_POST
@permission_required("deliberation.link_owner", community_from_url)
def owner_link_view(request, community_id):
    community = request.permission_object
    form = OwnerLinkForm(request.POST, community=community)
    if not form.is_valid():
        messages.error(request, _("Choose a verified member and an owner on this community's roster."))
    else:
        membership, owner = form.cleaned_data["membership"], form.cleaned_data["owner"]
        try:
            owner_link(owner=owner, user=membership.user, by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is linked to owner %(owner)s of %(household)s.")
                % {"name": membership.user, "owner": owner.name, "household": owner.household},
            )
    return _decision_redirect(community)


@require_POST
@permission_required("deliberation.link_owner", community_from_url)
def owner_unlink_view(request, community_id, owner_id):
    community = request.permission_object
    owner = get_object_or_404(
        Owner.objects.select_related("household__building"),
        pk=owner_id,
        household__building__community=community,
    )
    try:
        owner_unlink(owner=owner, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Owner %(owner)s of %(household)s is no longer linked.")
            % {"owner": owner.name, "household": owner.household},
        )
    return _decision_redirect(community)


@permission_required("deliberation.import_roster", community_from_url)
def roster(request, community_id):
    community = request.permission_object
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    result = invalid = None
    if request.method == "POST" and form.is_valid():
        try:
            result = roster_import(community=community, data=form.cleaned_data["file"].read())
        except RosterInvalid as refused:
            invalid = refused
        else:
            messages.success(
                request,
                _(
                    "Roster imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged households."
                )
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("roster", community_id=community.pk)
    households = (
        Household.objects.for_community(community)
        .select_related("building")
        .prefetch_related(Prefetch("owners"))
        .order_by("building__name", "unit", "room")
    )
    return render(
        request,
        "deliberation/roster.html",
        {
            "community": community,
            "form": form,
            "errors": invalid.shown() if invalid else None,
            "error_total": invalid.total if invalid else 0,
            "errors_more": invalid.total - len(invalid.shown()) if invalid else 0,
            "max_rows": roster_max_rows(),
            "households": households[:200],
            "household_count": households.count(),
        },
    )


@permission_required("deliberation.import_roster", community_from_url)
def roster_template_download(request, community_id):
    return xlsx_response(roster_template(), "roster-template.xlsx")


@permission_required("deliberation.export_roster", community_from_url)
def roster_download(request, community_id):
    community = request.permission_object
    stamp = timezone.localdate().isoformat()
    return xlsx_response(roster_export(community=community), f"roster-{community.slug}-{stamp}.xlsx")


@login_required
def inbox(request):
    if request.method == "POST":
        notification_mark_read(user=request.user)
        return redirect("inbox")
    notifications = Notification.objects.filter(user=request.user)[:100]
    return render(request, "deliberation/inbox.html", {"notifications": notifications})


@login_required
def notification_open(request, notification_id):
    notice = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notification_mark_read(user=request.user, notification_id=notice.pk)
    return redirect(notice.url or "inbox")


@require_POST
def set_language(request):
    """Remember the chosen language in a cookie, and on the account for mail."""
    language = request.POST.get("language", "")
    supported = {code for code, _name in settings.LANGUAGES}
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in supported:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
    return response
