"""Owners' votes over a period (业主表决): the public notice and result page."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from cms.views import PermissionView
from deliberation.permissions import require_reachable

from ..models import OwnersVote
from ..services import owners_votes as services


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
        show_turnout = vote.status == OwnersVote.Status.ANNOUNCED and (
            organiser
            or (vote.show_turnout_to_owners and user.has_perm("meetings.cast_own_owners_ballot", vote))
        )
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
            },
        )


owners_vote_detail = OwnersVoteDetail.as_view()
