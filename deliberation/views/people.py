"""Membership, roster, profile and inbox pages. Each view is a ``cms.views`` pattern: a
permission on the community (or the membership), one service, a message and a redirect."""

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cms.services import ServiceError
from cms.views import PermissionView, ServiceActionView, ServiceFormView

from ..exports import xlsx_response
from ..forms.people import (
    NOT_AN_OWNER,
    ApproveForm,
    HouseholdSearchForm,
    JoinCommunityForm,
    OwnerLinkForm,
    ProfileForm,
    RejectForm,
    RoleForm,
    RosterUploadForm,
)
from ..models import Household, Membership, Notification, Owner, RoleEvent
from ..phones import display_phone
from ..selectors import household_search
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
        form = ProfileForm(request.POST, user=request.user)
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
            user=request.user,
            initial={
                "display_name": request.user.display_name,
                "phone": display_phone(request.user.phone),
                "language": request.user.language,
                "notify_sms": request.user.notify_sms,
                "notify_email": request.user.notify_email,
                "elderly_mode": request.user.elderly_mode,
            },
        )
    memberships = request.user.memberships.select_related("community", "household__building")
    return render(
        request,
        "deliberation/profile.html",
        {"form": form, "roles": user_roles(request.user), "memberships": memberships},
    )


class CommunityMixin:
    """For a ``PermissionView`` under ``/communities/<community_id>/``: the permission object is the community."""

    def get_object(self):
        return community_from_url(self.request, **self.kwargs)

    @property
    def community(self):
        return self.object


class CommunityJoin(CommunityMixin, ServiceFormView):
    permission_required = "deliberation.request_membership"
    permission_denied_message = gettext_lazy("You have already asked to join this community.")
    template_name = "deliberation/community_join.html"
    form_class = JoinCommunityForm
    success_message = gettext_lazy("Your request was sent. A community worker will verify it.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community}

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.community, **kwargs)

    def perform(self, form):
        return membership_request(user=self.request.user, community=self.community, **form.cleaned_data)

    def get_success_url(self):
        return reverse("profile")


community_join = CommunityJoin.as_view()


class Members(CommunityMixin, PermissionView):
    permission_required = "deliberation.view_members"

    def get(self, request, community_id):
        community = self.object
        memberships = Membership.objects.for_community(community).select_related(
            "user", "household__building", "decided_by"
        )
        owners = list(Owner.objects.for_community(community).select_related("household__building", "user"))
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
        search = self.household_search(community, pending)
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
                "search": search,
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

    def household_search(self, community, pending) -> dict:
        """The roster searched for one waiting person (``?membership=&q=``): at most 20 households,
        or a message saying why there are none. Not a list of every household: a community has
        hundreds."""
        if "q" not in self.request.GET:
            return {}
        form = HouseholdSearchForm(self.request.GET)
        target = next((m for m in pending if str(m.pk) == self.request.GET.get("membership", "")), None)
        if target is None:
            return {"error": _("That person is no longer waiting for verification.")}
        search = {"membership": target.pk, "q": self.request.GET.get("q", "")[:60]}
        if not form.is_valid():
            errors = form.errors.get("q") or form.errors.get("membership") or [_("Check the search.")]
            return {**search, "error": errors[0]}
        results = list(household_search(community=community, q=form.cleaned_data["q"]))
        target.search_results = results
        if not results:
            search["error"] = _("No household on the roster matches “%(q)s”.") % {"q": form.cleaned_data["q"]}
        return search


members = Members.as_view()


class MembersAction(ServiceActionView):
    """A worker's decision on the members page; every outcome goes back there."""

    def get_success_url(self):
        return reverse("members", kwargs={"community_id": self.kwargs["community_id"]})


class MembershipMixin:
    def get_object(self):
        return membership_from_url(self.request, **self.kwargs)

    @property
    def membership(self):
        return self.object


class MembershipDecide(MembershipMixin, MembersAction):
    permission_required = "deliberation.decide_membership"

    @property
    def approving(self) -> bool:
        return self.kwargs["action"] == "approve"

    def get_form(self):
        if self.approving:
            return ApproveForm(self.request.POST, community=self.membership.community)
        return RejectForm(self.request.POST)

    def get_invalid_message(self, form):
        if not self.approving:
            return "; ".join(form.errors["reason"])
        for name in ("owner", "household_text"):
            if name in form.errors:
                return form.errors[name][0]
        return _("Pick a household from the roster.")

    def perform(self, form):
        membership, data = self.membership, form.cleaned_data
        if not self.approving:
            return membership_reject(membership=membership, by=self.request.user, reason=data["reason"])
        if data["owner"]["owner"] is not None and not self.request.user.has_perm(
            "deliberation.link_owner", membership.community
        ):
            raise ServiceError(_("Only the community's workers link owners to accounts."))
        return membership_approve(
            membership=membership, by=self.request.user, household=data["household"], **data["owner"]
        )

    def get_success_message(self, result):
        if self.approving:
            return _("%(name)s is verified.") % {"name": self.membership.user}
        return _("The request of %(name)s was rejected.") % {"name": self.membership.user}


membership_decide = MembershipDecide.as_view()


class MembershipRole(MembershipMixin, MembersAction):
    permission_required = "deliberation.change_role"
    form_class = RoleForm
    invalid_message = gettext_lazy("Choose one of the listed roles.")

    def perform(self, form):
        return membership_set_role(
            membership=self.membership, role=form.cleaned_data["role"], by=self.request.user
        )

    def get_success_message(self, result):
        return _("The role of %(name)s was changed.") % {"name": self.membership.user}


membership_role = MembershipRole.as_view()


class OwnerLink(CommunityMixin, MembersAction):
    permission_required = "deliberation.link_owner"
    form_class = OwnerLinkForm
    invalid_message = gettext_lazy("Choose a verified member and an owner on this community's roster.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community}

    def perform(self, form):
        membership, owner = form.cleaned_data["membership"], form.cleaned_data["owner"]
        owner_link(owner=owner, user=membership.user, by=self.request.user)
        return membership, owner

    def get_success_message(self, result):
        membership, owner = result
        return _("%(name)s is linked to owner %(owner)s of %(household)s.") % {
            "name": membership.user,
            "owner": owner.name,
            "household": owner.household,
        }


owner_link_view = OwnerLink.as_view()


class OwnerUnlink(CommunityMixin, MembersAction):
    permission_required = "deliberation.link_owner"

    def perform(self, form):
        owner = get_object_or_404(
            Owner.objects.for_community(self.community).select_related("household__building"),
            pk=self.kwargs["owner_id"],
        )
        owner_unlink(owner=owner, by=self.request.user)
        return owner

    def get_success_message(self, owner):
        return _("Owner %(owner)s of %(household)s is no longer linked.") % {
            "owner": owner.name,
            "household": owner.household,
        }


owner_unlink_view = OwnerUnlink.as_view()


class Roster(CommunityMixin, ServiceFormView):
    """Import the roster; a file with bad rows is shown again with the rows it refused."""

    permission_required = "deliberation.import_roster"
    template_name = "deliberation/roster.html"
    form_class = RosterUploadForm

    def perform(self, form):
        return roster_import(community=self.community, data=form.cleaned_data["file"].read())

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except RosterInvalid as refused:
            return self.render_to_response(self.get_context_data(form=form, invalid=refused))

    def get_success_message(self, result):
        return _(
            "Roster imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged households."
        ) % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    def get_success_url(self):
        return reverse("roster", kwargs={"community_id": self.community.pk})

    def get_context_data(self, invalid=None, **kwargs):
        community = self.community
        households = (
            Household.objects.for_community(community)
            .select_related("building")
            .prefetch_related(Prefetch("owners"))
            .order_by("building__name", "unit", "room")
        )
        return super().get_context_data(
            community=community,
            errors=invalid.shown() if invalid else None,
            error_total=invalid.total if invalid else 0,
            errors_more=invalid.total - len(invalid.shown()) if invalid else 0,
            max_rows=roster_max_rows(),
            households=households[:200],
            household_count=households.count(),
            **kwargs,
        )


roster = Roster.as_view()


class RosterTemplateDownload(CommunityMixin, PermissionView):
    permission_required = "deliberation.import_roster"

    def get(self, request, community_id):
        return xlsx_response(roster_template(), "roster-template.xlsx")


roster_template_download = RosterTemplateDownload.as_view()


class RosterDownload(CommunityMixin, PermissionView):
    permission_required = "deliberation.export_roster"

    def get(self, request, community_id):
        stamp = timezone.localdate().isoformat()
        return xlsx_response(
            roster_export(community=self.community), f"roster-{self.community.slug}-{stamp}.xlsx"
        )


roster_download = RosterDownload.as_view()


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
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
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
