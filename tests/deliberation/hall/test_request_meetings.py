"""The two services the meetings app calls: put on agenda, resolved by a meeting."""

import pytest

from cms.services import ServiceError
from deliberation.models import Notification, Request, RequestEvent
from deliberation.services.requests import (
    request_evaluate,
    request_put_on_agenda,
    request_reject,
    request_resolve_by_meeting,
)

pytestmark = pytest.mark.django_db


def test_put_on_agenda_is_idempotent(submit, worker):
    request = submit()
    request_put_on_agenda(request=request, by=worker, meeting_title="五月四方会议", url="/meetings/1/")
    again = request_put_on_agenda(
        request=request, by=worker, meeting_title="五月四方会议", url="/meetings/1/"
    )
    assert again.status == Request.Status.ON_AGENDA
    events = RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.ON_AGENDA)
    assert [(e.note, e.url, e.by) for e in events] == [("五月四方会议", "/meetings/1/", worker)]


def test_resolve_by_meeting_notifies_and_can_be_evaluated(submit, worker):
    request = submit()
    requester = request.requester
    request_put_on_agenda(request=request, by=worker, meeting_title="五月四方会议", url="/meetings/1/")
    resolved = request_resolve_by_meeting(
        request=request, by=worker, resolution_title="加装楼道灯", url="/meetings/1/resolutions/2/"
    )
    assert resolved.status == Request.Status.RESOLVED_BY_MEETING
    assert resolved.resolved_at is not None
    assert Notification.objects.filter(user=requester, subject__contains=request.tracking_number).count() == 2
    request_resolve_by_meeting(request=request, by=worker, resolution_title="加装楼道灯", url="/x/")
    assert (
        RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.RESOLVED_BY_MEETING).count() == 1
    )

    evaluated = request_evaluate(request=request, by=requester, rating=5, comment="很满意")
    assert evaluated.status == Request.Status.EVALUATED and evaluated.rating == 5


def test_closed_request_cannot_go_on_agenda(submit, worker):
    request = submit()
    request_reject(request=request, by=worker, reason="不属于社区事务")
    with pytest.raises(ServiceError):
        request_put_on_agenda(request=request, by=worker, meeting_title="会", url="/m/")
    assert Request.objects.get(pk=request.pk).status == Request.Status.REJECTED
