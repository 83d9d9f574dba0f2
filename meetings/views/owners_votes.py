"""Owners' votes over a period (业主表决): the public notice and result page."""

from django import forms as django_forms
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cms.converters import is_id
from cms.services import ServiceError
from cms.views import PermissionView, ServiceActionView, ServiceFormView
from deliberation.models import Household
from deliberation.permissions import require_reachable
from deliberation.selectors import owners_linked
from deliberation.views.common import community_from_url

from ..forms import owners_votes as forms
from ..models import OwnersBallot, OwnersVote, Resolution
from ..models.live import Choice
from ..services import owners_vote_results as vote_results
from ..services import owners_votes as services

#: The choices in plain words, as printed on the paper ballot.
CHOICE_LABELS = {
    Choice.FOR: gettext_lazy("For (I agree)"),
    Choice.AGAINST: gettext_lazy("Against (I do not agree)"),
    Choice.ABSTAIN: gettext_lazy("Abstain (I neither agree nor disagree)"),
}


def owners_vote_from_url(request, vote_id, **_kwargs) -> OwnersVote:
    return require_reachable(
        request.user, get_object_or_404(OwnersVote.objects.select_related("community"), pk=vote_id)
    )


class OwnersVoteMixin:
    """For a ``PermissionView`` under ``/owners-votes/<vote_id>/``: the permission object is the vote."""

    def get_object(self):
        return owners_vote_from_url(self.request, **self.kwargs)

    @property
    def vote(self) -> OwnersVote:
        return self.get_permission_object()


class OwnersVoteDetail(OwnersVoteMixin, PermissionView):
    """The vote's notice (公告): matters, period, channels, documents; the turnout while it runs
    (organisers always, owners if the vote says so); the result by both measures once closed."""

    permission_required = "meetings.view_owners_vote"
    permission_denied_message = gettext_lazy("This owners' vote has not been announced yet.")
    allow_anonymous = True

    def get(self, request, vote_id):
        vote = self.vote
        user = request.user
        organiser = user.has_perm("meetings.organise_owners_vote", vote.community)
        questions = list(vote.questions.all())
        show_turnout = user.has_perm("meetings.view_owners_vote_turnout", vote)
        results = [(question, vote.result.get(str(question.pk))) for question in questions]
        return render(
            request,
            "meetings/owners_vote_detail.html",
            {
                "vote": vote,
                "community": vote.community,
                "questions": questions,
                "results": results if vote.status == OwnersVote.Status.CLOSED else [],
                "documents": list(vote.documents.all()),
                "channels": [OwnersVote.Channel(c).label for c in vote.channels],
                "turnout": services.owners_vote_turnout(vote) if show_turnout else None,
                "organiser": organiser,
                "is_open": vote.is_open(),
                "ended": vote.status == OwnersVote.Status.ANNOUNCED and timezone.now() >= vote.closes_at,
                "can_cast": vote.status != OwnersVote.Status.DRAFT
                and OwnersVote.Channel.ONLINE in vote.channels
                and user.has_perm("meetings.cast_own_owners_ballot", vote),
                "can_collect": user.has_perm("meetings.collect_owners_ballots", vote.community),
                "proxy_allowed": OwnersVote.Channel.PROXY in vote.channels,
                "collect_allowed": any(c in forms.COLLECTED_CHANNELS for c in vote.channels),
                "document_form": forms.VoteDocumentForm()
                if organiser and vote.status == OwnersVote.Status.DRAFT
                else None,
                "can_export": user.has_perm("meetings.export_owners_vote", vote),
                "resolution": Resolution.objects.filter(owners_vote=vote).first(),
                "official": vote_results.official_comparison(vote),
                "binding_label": vote_results.binding_label(vote),
            },
        )


owners_vote_detail = OwnersVoteDetail.as_view()


# --- The community's list, and the organisers' pages ------------------------------------------


def community_owners_votes(request, community_id):
    """A community's owners' votes, newest first: organisers see their drafts too."""
    community = community_from_url(request, community_id)
    organiser = request.user.has_perm("meetings.organise_owners_vote", community)
    votes = OwnersVote.objects.filter(community=community)
    if not organiser:
        votes = votes.exclude(status=OwnersVote.Status.DRAFT)
    return render(
        request,
        "meetings/owners_vote_list.html",
        {"community": community, "votes": votes[:100], "organiser": organiser, "now": timezone.now()},
    )


ORGANISERS_ONLY = gettext_lazy(
    "Only the community's workers and the owners' committee organise owners' votes."
)


class OwnersVoteCreate(ServiceFormView):
    permission_required = "meetings.organise_owners_vote"
    permission_denied_message = ORGANISERS_ONLY
    template_name = "meetings/owners_vote_form.html"
    form_class = forms.OwnersVoteForm
    success_message = gettext_lazy("The draft was saved. Add the documents owners read, then announce it.")

    def get_object(self):
        return community_from_url(self.request, **self.kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.object}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "community": self.object}

    def perform(self, form):
        return services.owners_vote_create(
            community=self.object, by=self.request.user, **form.service_kwargs()
        )

    def done(self, vote):
        return redirect("owners_vote_detail", vote_id=vote.pk)


owners_vote_create = OwnersVoteCreate.as_view()


class VoteAction(OwnersVoteMixin, ServiceActionView):
    permission_required = "meetings.organise_owners_vote"
    permission_denied_message = ORGANISERS_ONLY

    def get_success_url(self):
        return reverse("owners_vote_detail", kwargs={"vote_id": self.vote.pk})


class DocumentAdd(VoteAction):
    form_class = forms.VoteDocumentForm
    success_message = gettext_lazy("The document was added.")

    def perform(self, form):
        return services.owners_vote_document_add(vote=self.vote, by=self.request.user, **form.cleaned_data)


owners_vote_document_add = DocumentAdd.as_view()


class VoteClose(VoteAction):
    success_message = gettext_lazy("The vote is closed: the result is computed and sealed.")

    def perform(self, form):
        return services.owners_vote_close(vote=self.vote, by=self.request.user)


owners_vote_close = VoteClose.as_view()


class VoteAnnounce(OwnersVoteMixin, ServiceFormView):
    """The confirm step says how many owners will be told, and how."""

    permission_required = "meetings.organise_owners_vote"
    permission_denied_message = ORGANISERS_ONLY
    template_name = "meetings/owners_vote_announce.html"
    form_class = django_forms.Form
    success_message = gettext_lazy("The vote is announced: the owners are being told.")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "vote": self.vote,
            "community": self.vote.community,
            "audience": services.owners_vote_audience(self.vote),
        }

    def perform(self, form):
        return services.owners_vote_announce(vote=self.vote, by=self.request.user)

    def done(self, vote):
        return redirect("owners_vote_detail", vote_id=vote.pk)


owners_vote_announce = VoteAnnounce.as_view()


# --- Ballots ----------------------------------------------------------------------------------


class EvidenceFieldMixin:
    """The photo check answers about ``photos`` (its name elsewhere): here it is the evidence."""

    def refused(self, error, form):
        if error.field == "photos":
            error = ServiceError(error.message, field="evidence")
        return super().refused(error, form)


def receipt_key(vote) -> str:
    return f"owners-vote-{vote.pk}-receipts"


def remember_receipts(request, vote, receipts) -> None:
    """The codes are shown once, on the next page; only their digests are kept (the session copy
    is removed when shown)."""
    request.session[receipt_key(vote)] = receipts


def take_receipts(request, vote):
    return request.session.pop(receipt_key(vote), None)


class OnlineBallot(OwnersVoteMixin, ServiceFormView):
    """A linked owner votes for each of their households; a later ballot replaces the earlier one.

    Form contract: POST ``household`` and ``q<question id>`` = for | against | abstain."""

    permission_required = ("meetings.view_owners_vote", "meetings.cast_own_owners_ballot")
    permission_denied_message = gettext_lazy(
        "Only owners on the roster whose account is linked to them vote online. "
        "Ask the community's workers to link your account, or vote on paper."
    )
    template_name = "meetings/owners_ballot.html"
    form_class = forms.OnlineBallotForm

    def households(self):
        if not hasattr(self, "_households"):
            self._households = [
                owner.household
                for owner in owners_linked(self.request.user, self.vote.community_id).select_related(
                    "household__building"
                )
            ]
        return self._households

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "households": self.households()}

    def get_context_data(self, **kwargs):
        vote = self.vote
        form = kwargs.get("form")
        ballots = {
            b.household_id: b for b in OwnersBallot.objects.filter(vote=vote, household__in=self.households())
        }
        posted = form.data.get("household") if form is not None and form.is_bound else None
        rows = [
            {
                "household": household,
                "ballot": ballots.get(household.pk),
                "form": form if posted == str(household.pk) else None,
                "choices": forms.posted_choices(form.data) if posted == str(household.pk) else {},
            }
            for household in self.households()
        ]
        return {
            **super().get_context_data(**kwargs),
            "vote": vote,
            "community": vote.community,
            "rows": rows,
            # A refusal about a household that is not one of the user's: shown above the forms.
            "errors_above": form is not None and form.is_bound and not any(row["form"] for row in rows),
            "questions": list(vote.questions.all()),
            "choice_labels": CHOICE_LABELS,
            "is_open": vote.is_open(),
            "online": OwnersVote.Channel.ONLINE in vote.channels,
        }

    def form_invalid(self, form):
        if form.is_bound and "household" in form.errors and len(form.errors) == 1:
            form.add_error(None, form.errors["household"][0])
        return super().form_invalid(form)

    def perform(self, form):
        return services.owners_ballot_cast(
            vote=self.vote,
            household=form.cleaned_data["household"],
            choices=form.cleaned_data["choices"],
            channel=OwnersVote.Channel.ONLINE,
            by=self.request.user,
        )

    def done(self, cast):
        remember_receipts(
            self.request,
            self.vote,
            [{"household": str(cast.ballot.household), "receipt": cast.receipt, "replaced": cast.replaced}],
        )
        return redirect("owners_ballot_receipt", vote_id=self.vote.pk)


owners_ballot = OnlineBallot.as_view()


class BallotReceipt(OwnersVoteMixin, PermissionView):
    """The receipt code, shown once after the ballot."""

    permission_required = "meetings.view_owners_vote"

    def get(self, request, vote_id):
        receipts = take_receipts(request, self.vote)
        if not receipts:
            return redirect("owners_vote_detail", vote_id=self.vote.pk)
        return render(
            request,
            "meetings/owners_ballot_receipt.html",
            {"vote": self.vote, "community": self.vote.community, "receipts": receipts},
        )


owners_ballot_receipt = BallotReceipt.as_view()


COLLECTORS_ONLY = gettext_lazy("Only the vote's organisers and the residents' representatives enter ballots.")


class Collect(EvidenceFieldMixin, OwnersVoteMixin, ServiceFormView):
    """扫楼 on a phone: find the household, the owner who signed, the way, the choices, the photo;
    the receipt code shown big for the owner's slip, and the form ready for the next household."""

    permission_required = ("meetings.view_owners_vote", "meetings.collect_owners_ballots")
    permission_denied_message = COLLECTORS_ONLY
    template_name = "meetings/owners_collect.html"
    form_class = forms.CollectForm

    def household(self):
        if not hasattr(self, "_household"):
            raw = (self.request.POST if self.request.method == "POST" else self.request.GET).get(
                "household", ""
            )
            self._household = None
            if is_id(str(raw).strip()):
                self._household = (
                    Household.objects.for_community(self.vote.community)
                    .select_related("building")
                    .filter(pk=str(raw).strip())
                    .first()
                )
            if self._household is None and self.request.method == "GET":
                matches = self.matches()
                if len(matches) == 1:
                    self._household = matches[0]
        return self._household

    def matches(self):
        if not hasattr(self, "_matches"):
            query = self.request.GET.get("q", "")[:60]
            self._matches = services.households_matching(self.vote.community, query) if query.strip() else []
        return self._matches

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "vote": self.vote, "household": self.household()}

    def get_context_data(self, **kwargs):
        vote = self.vote
        form = kwargs.get("form")
        return {
            **super().get_context_data(**kwargs),
            "vote": vote,
            "community": vote.community,
            "query": self.request.GET.get("q", ""),
            "searched": "q" in self.request.GET,
            "matches": self.matches() if self.request.method == "GET" else [],
            "household": self.household(),
            "questions": list(vote.questions.all()),
            "choice_labels": CHOICE_LABELS,
            "posted": forms.posted_choices(form.data) if form is not None and form.is_bound else {},
            "entered": OwnersBallot.objects.filter(vote=vote, entered_by=self.request.user).count(),
            "last": take_receipts(self.request, vote) if self.request.method == "GET" else None,
            "is_open": vote.is_open(),
            "existing": OwnersBallot.objects.filter(vote=vote, household=self.household()).first()
            if self.household()
            else None,
        }

    def perform(self, form):
        data = form.cleaned_data
        return services.owners_ballot_cast(
            vote=self.vote,
            household=data["household"],
            choices=data["choices"],
            channel=data["channel"],
            owner=data["owner"],
            evidence=data["evidence"],
            by=self.request.user,
        )

    def done(self, cast):
        remember_receipts(
            self.request,
            self.vote,
            [{"household": str(cast.ballot.household), "receipt": cast.receipt, "replaced": cast.replaced}],
        )
        return redirect("owners_collect", vote_id=self.vote.pk)


owners_collect = Collect.as_view()


class ProxyBulk(EvidenceFieldMixin, OwnersVoteMixin, ServiceFormView):
    """One proxy holder, the owners they represent: all entered, or none."""

    permission_required = ("meetings.view_owners_vote", "meetings.collect_owners_ballots")
    permission_denied_message = COLLECTORS_ONLY
    template_name = "meetings/owners_proxy.html"
    form_class = forms.ProxyForm

    def rows(self) -> int:
        raw = (self.request.POST if self.request.method == "POST" else self.request.GET).get("rows", "")
        return max(1, min(int(raw), 30)) if raw.isdigit() else forms.PROXY_ROWS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "vote": self.vote, "rows": self.rows()}

    def get_context_data(self, **kwargs):
        vote = self.vote
        form = kwargs["form"] if "form" in kwargs else self.get_form()
        posted = form.data if form.is_bound else {}
        questions = list(vote.questions.all())
        rows = [
            {
                "n": n,
                "household": household,
                "owner": owner,
                "evidence": evidence,
                "choices": [(q, posted.get(f"q{q.pk}_{n}", "")) for q in questions],
            }
            for n, household, owner, evidence in form.row_fields()
        ]
        return {
            **super().get_context_data(**kwargs),
            "vote": vote,
            "community": vote.community,
            "rows": rows,
            "row_count": self.rows(),
            "more_rows": min(self.rows() + 4, 30),
            "choice_labels": CHOICE_LABELS,
            "last": take_receipts(self.request, vote) if self.request.method == "GET" else None,
            "is_open": vote.is_open(),
            "allowed": OwnersVote.Channel.PROXY in vote.channels,
        }

    def perform(self, form):
        return services.owners_proxy_bulk(
            vote=self.vote,
            by=self.request.user,
            proxy_holder=form.cleaned_data["proxy_holder"],
            entries=form.cleaned_data["entries"],
        )

    def done(self, cast):
        remember_receipts(
            self.request,
            self.vote,
            [
                {"household": str(c.ballot.household), "receipt": c.receipt, "replaced": c.replaced}
                for c in cast
            ],
        )
        return redirect("owners_proxy", vote_id=self.vote.pk)


owners_proxy = ProxyBulk.as_view()


# --- Checking a receipt -----------------------------------------------------------------------


class ReceiptCheck(OwnersVoteMixin, PermissionView):
    """Anyone holding a code sees that ballot as cast; wrong codes are limited per address."""

    permission_required = "meetings.view_owners_vote"
    permission_denied_message = gettext_lazy("This owners' vote has not been announced yet.")
    allow_anonymous = True
    http_method_names = ["get", "post", "head"]

    def get(self, request, vote_id):
        if request.GET.get("code"):
            return self.check(forms.ReceiptForm(request.GET))
        return self.show(forms.ReceiptForm())

    def post(self, request, vote_id):
        return self.check(forms.ReceiptForm(request.POST))

    def check(self, form):
        found = None
        if form.is_valid():
            try:
                found = services.owners_receipt_lookup(
                    vote=self.vote,
                    code=form.cleaned_data["code"],
                    client=self.request.META.get("REMOTE_ADDR", ""),
                )
            except ServiceError as error:
                form.add_error("code", error.message)
        return self.show(form, found, status=200 if found or not form.errors else 400)

    def show(self, form, found=None, status=200):
        return render(
            self.request,
            "meetings/owners_receipt_check.html",
            {
                "vote": self.vote,
                "community": self.vote.community,
                "form": form,
                "found": found,
                "choice_labels": CHOICE_LABELS,
            },
            status=status,
        )


owners_receipt_check = ReceiptCheck.as_view()
