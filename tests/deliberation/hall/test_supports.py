"""django-vote answers False on a database error; the support service reports that as an error."""

import pytest
from django.db import OperationalError
from django.utils import translation
from vote.models import Vote

from cms.services import ServiceError
from deliberation.models import Request, Role
from deliberation.services.requests import request_reject
from deliberation.services.supports import SupportNotRecorded, support_add, support_withdraw
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_swallowed_database_error_is_not_reported_as_already_supported(submit, community, monkeypatch):
    request = submit()
    neighbour = make_member(community, role=Role.RESIDENT)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Vote.objects, "create", locked)
    assert request.votes.up(neighbour.pk) is False  # what django-vote itself says
    with pytest.raises(SupportNotRecorded):
        support_add(request=request, user=neighbour)
    assert Request.objects.get(pk=request.pk).num_vote_up == 0


def test_support_once_withdraw_and_closed_requests(submit, community, worker):
    request = submit()
    neighbour = make_member(community, role=Role.RESIDENT)
    assert support_add(request=request, user=neighbour).num_vote_up == 1
    with pytest.raises(ServiceError, match="already support"):
        support_add(request=request, user=neighbour)
    assert support_withdraw(request=request, user=neighbour).num_vote_up == 0
    with pytest.raises(ServiceError, match="not supported"):
        support_withdraw(request=request, user=neighbour)
    request_reject(request=request, by=worker, reason="重复诉求")
    with pytest.raises(ServiceError, match="closed"):
        support_add(request=request, user=neighbour)
    assert Request.objects.get(pk=request.pk).num_vote_up == 0


def test_members_of_other_communities_cannot_support(submit, other_community):
    request = submit()
    with pytest.raises(ServiceError):
        support_add(request=request, user=make_member(other_community))
    assert Request.objects.get(pk=request.pk).num_vote_up == 0
