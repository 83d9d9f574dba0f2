"""附议: residents' supports on requests, carried by django-vote.

django-vote swallows database errors and answers ``False``, the same answer as "already voted".
Here ``False`` is an error unless the support really exists, so a lost support is never reported
as a success. The request row is locked first (and SQLite transactions are IMMEDIATE), so
concurrent supports are serialised and the count is exact.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from cms.services import ServiceError

from ..models import Request, User
from ..selectors import is_verified_member
from .requests import request_mark_proposed


class SupportNotRecorded(ServiceError):
    """The database refused the write; the caller may retry."""


def _lock(request: Request) -> Request:
    return Request.objects.select_for_update(of=("self",)).select_related("community").get(pk=request.pk)


def _check(request: Request, user: User) -> None:
    if request.status not in Request.SUPPORTABLE_STATUSES:
        raise ServiceError(_("Supports are closed for this request."))
    if request.requester_id == user.pk:
        raise ServiceError(_("You cannot support your own request."))
    if not is_verified_member(user=user, community=request.community):
        raise ServiceError(_("Only verified residents of this community can support its requests."))


@transaction.atomic
def support_add(*, request: Request, user: User) -> Request:
    """Add ``user``'s support; past the community's threshold the request is proposed once."""
    request = _lock(request)
    _check(request, user)
    if not request.votes.up(user.pk):
        if request.votes.exists(user.pk):
            raise ServiceError(_("You already support this request."))
        raise SupportNotRecorded(_("Your support could not be recorded. Please try again."))
    request.refresh_from_db(fields=["num_vote_up", "num_vote_down", "vote_score"])
    request_mark_proposed(request)
    return request


@transaction.atomic
def support_withdraw(*, request: Request, user: User) -> Request:
    """Withdraw a support while the request is open. A proposal already made stays on record."""
    request = _lock(request)
    if request.status not in Request.SUPPORTABLE_STATUSES:
        raise ServiceError(_("Supports are closed for this request."))
    if not request.votes.delete(user.pk):
        if not request.votes.exists(user.pk):
            raise ServiceError(_("You have not supported this request."))
        raise SupportNotRecorded(_("Your support could not be withdrawn. Please try again."))
    request.refresh_from_db(fields=["num_vote_up", "num_vote_down", "vote_score"])
    return request
