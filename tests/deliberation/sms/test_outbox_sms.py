"""SMS through the outbox and each provider's official SDK, against the local stand-ins: a step
of a request reaches its requester by SMS; a provider error worth retrying is retried later and
then delivered once, one that is not is given up at once (issue 11, must-show 3)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cms.tasks import deadlines_run
from deliberation.models import Delivery, Role
from deliberation.services.requests import request_accept
from tests.factories import make_member

from .standins import AliyunStandIn, TencentStandIn

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PROVIDERS = {
    "aliyun": (
        "aliyun_settings",
        AliyunStandIn.refused("isp.SYSTEM_ERROR", "系统错误"),
        AliyunStandIn.refused("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        AliyunStandIn.sent(),
    ),
    "tencent": (
        "tencent_settings",
        TencentStandIn.error("InternalError.Timeout", "请求下发短信超时"),
        TencentStandIn.status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"),
        TencentStandIn.status(),
    ),
}


@pytest.fixture(params=PROVIDERS)
def provider(request):
    fixture, temporary, permanent, sent = PROVIDERS[request.param]
    request.getfixturevalue(fixture)
    stand_in = request.getfixturevalue(request.param)
    return stand_in, temporary, permanent, sent


@pytest.fixture
def texted_request(community, submit):
    """A request by a resident who has only a mobile phone (no e-mail), at 10:00 in Shanghai."""
    requester = make_member(community, role=Role.RESIDENT, email="", phone="+8613800138000")
    return submit(by=requester)


def sms_to(user):
    return Delivery.objects.filter(user=user, channel=Delivery.Channel.SMS)


@time_machine.travel("2026-12-07 10:00 +0800", tick=True)
def test_a_temporary_provider_error_is_retried_and_delivered_once(provider, texted_request, worker):
    stand_in, temporary, _permanent, sent = provider
    stand_in.answer = temporary
    request_accept(request=texted_request, by=worker)
    delivery = sms_to(texted_request.requester).get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert len(stand_in.received) == 1

    stand_in.answer = sent
    deadlines_run()  # not due yet: nothing is sent
    assert len(stand_in.received) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        deadlines_run()
        deadlines_run()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert len(stand_in.received) == 2
    assert texted_request.tracking_number in str(stand_in.received[-1].params or stand_in.received[-1].query)


@time_machine.travel("2026-12-07 10:00 +0800", tick=True)
def test_a_permanent_provider_error_is_given_up_at_once(provider, texted_request, worker):
    stand_in, _temporary, permanent, _sent = provider
    stand_in.answer = permanent
    request_accept(request=texted_request, by=worker)
    delivery = sms_to(texted_request.requester).get()
    assert delivery.status == Delivery.Status.GAVE_UP and delivery.attempts == 1
    assert delivery.last_error
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        deadlines_run()
    assert len(stand_in.received) == 1
    assert sms_to(texted_request.requester).get().status == Delivery.Status.GAVE_UP
