"""An owners' vote's records after (and for) the count: the organisers' exports of the roster and
ballots, the evidence files behind a permission, and the official platform's result.

Evidence (the photo of a signed paper ballot or proxy form) is served only here, to the vote's
organisers; its file name has a random part, so it is not found under /media/ either."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy

from cms.views import PermissionView, ServiceFormView

from ..forms.owners_vote_official import OfficialResultForm
from ..models import OwnersBallotChange
from ..services import owners_vote_exports as exports
from ..services import owners_vote_results as vote_results
from ..services import owners_votes as services
from .owners_votes import ORGANISERS_ONLY, OwnersVoteMixin

EXPORT_REFUSED = gettext_lazy(
    "Only the community's workers and the owners' committee export the roster and the ballots."
)


class ExportView(OwnersVoteMixin, PermissionView):
    permission_required = "meetings.export_owners_vote"
    permission_denied_message = EXPORT_REFUSED
    export = None

    def get(self, request, vote_id):
        response = type(self).export(self.vote)
        response["Cache-Control"] = "private, no-store"
        return response


class ExportCsv(ExportView):
    export = staticmethod(exports.owners_vote_export_csv)


class AuditCsv(ExportView):
    export = staticmethod(exports.owners_vote_audit_csv)


class ExportXlsx(ExportView):
    export = staticmethod(exports.owners_vote_export_xlsx)


owners_vote_export_csv = ExportCsv.as_view()
owners_vote_audit_csv = AuditCsv.as_view()
owners_vote_export_xlsx = ExportXlsx.as_view()


def file_response(name: str, *, private: bool) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), filename=name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


class Evidence(OwnersVoteMixin, PermissionView):
    """One version's evidence (the audit trail keeps each), for the organisers."""

    permission_required = "meetings.export_owners_vote"
    permission_denied_message = gettext_lazy("Only the vote's organisers see the evidence of ballots.")

    def get(self, request, vote_id, change_id):
        change = get_object_or_404(OwnersBallotChange, pk=change_id, ballot__vote=self.vote)
        return file_response(change.evidence, private=True)


owners_vote_evidence = Evidence.as_view()


class OfficialDocument(OwnersVoteMixin, PermissionView):
    """The platform's result document: public with the vote's result."""

    permission_required = "meetings.view_owners_vote"
    permission_denied_message = gettext_lazy("This owners' vote has not been announced yet.")
    allow_anonymous = True

    def get(self, request, vote_id):
        return file_response(self.vote.official_document.name, private=False)


owners_vote_official_document = OfficialDocument.as_view()


class OfficialResult(OwnersVoteMixin, ServiceFormView):
    permission_required = "meetings.organise_owners_vote"
    permission_denied_message = ORGANISERS_ONLY
    template_name = "meetings/owners_vote_official.html"
    form_class = OfficialResultForm
    success_message = gettext_lazy("The official platform's result was recorded beside ours.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "vote": self.vote}

    def get_context_data(self, **kwargs):
        vote = self.vote
        return {
            **super().get_context_data(**kwargs),
            "vote": vote,
            "community": vote.community,
            "official": vote_results.official_comparison(vote),
            "binding_label": vote_results.binding_label(vote),
        }

    def perform(self, form):
        return services.owners_vote_record_official(
            vote=self.vote,
            by=self.request.user,
            figures=form.figures(),
            binding=form.cleaned_data["binding"],
            document=form.cleaned_data.get("document"),
        )

    def refused(self, error, form):
        if error.field == "figures":
            error.field = None
        return super().refused(error, form)

    def done(self, vote):
        return redirect("owners_vote_detail", vote_id=vote.pk)


owners_vote_official = OfficialResult.as_view()
