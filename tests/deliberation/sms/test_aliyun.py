"""The Aliyun backend through the official SDK against a local stand-in of dysmsapi."""

import json
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from deliberation.sms import PermanentSmsError, SmsMessage, TemporarySmsError, get_backend, send_sms
from deliberation.sms.backends.aliyun import error_class

from .conftest import ALIYUN_CODES
from .standins import AliyunStandIn, Answer

INVITATION = SmsMessage(
    phone="+8613800138000",
    template="meeting_invitation",
    params={"title": "业主大会", "time": "2026-12-05 19:30", "place": "3号楼一层活动室", "link": "m/42"},
)


def test_sends_the_request_aliyun_expects_and_returns_the_biz_id(aliyun_settings, aliyun):
    aliyun.answer = AliyunStandIn.sent("900619746936498440^0")

    assert send_sms(INVITATION) == "900619746936498440^0"

    [request] = aliyun.received
    assert request.params["Action"] == "SendSms"
    assert request.params["Version"] == "2017-05-25"
    assert request.params["PhoneNumbers"] == "13800138000"  # mainland: no +86
    assert request.params["SignName"] == "社区议事厅"
    assert request.params["TemplateCode"] == ALIYUN_CODES["meeting_invitation"]
    assert json.loads(request.params["TemplateParam"]) == {
        "title": "业主大会",
        "time": "2026-12-05 19:30",
        "place": "3号楼一层活动室",
        "link": "m/42",
    }


def test_an_over_long_title_is_cut_before_it_reaches_aliyun(aliyun_settings, aliyun):
    aliyun.answer = AliyunStandIn.sent()
    title = "二〇二六年第四季度业主大会暨物业服务合同续签表决会议"

    send_sms(
        SmsMessage(phone="+8613800138000", template="reminder", params={**INVITATION.params, "title": title})
    )

    sent_title = json.loads(aliyun.received[0].params["TemplateParam"])["title"]
    assert sent_title == title[:19] + "…"
    assert len(sent_title) == 20


def test_an_international_number_is_country_code_and_number(aliyun_settings, aliyun):
    aliyun.answer = AliyunStandIn.sent()

    send_sms(SmsMessage(phone="+85291234567", template="verification_code", params={"code": "4821"}))

    assert aliyun.received[0].params["PhoneNumbers"] == "85291234567"


@pytest.mark.parametrize(
    "code",
    ["isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isv.DAY_LIMIT_CONTROL"],
)
def test_a_busy_or_throttling_provider_is_temporary(aliyun_settings, aliyun, code):
    aliyun.answer = AliyunStandIn.refused(code, "触发分钟级流控Permits:1")

    with pytest.raises(TemporarySmsError) as raised:
        send_sms(INVITATION)

    assert raised.value.code == code
    assert code in str(raised.value)


@pytest.mark.parametrize(
    "code",
    [
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.AMOUNT_NOT_ENOUGH",
        "isp.RAM_PERMISSION_DENY",
    ],
)
def test_a_refusal_about_the_message_or_account_is_permanent(aliyun_settings, aliyun, code):
    aliyun.answer = AliyunStandIn.refused(code)

    with pytest.raises(PermanentSmsError) as raised:
        send_sms(INVITATION)

    assert raised.value.code == code


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, "InternalError", TemporarySmsError),
        (503, "ServiceUnavailable", TemporarySmsError),
        (400, "Throttling.User", TemporarySmsError),
        (403, "Forbidden.RAM", PermanentSmsError),
        (400, "MissingPhoneNumbers", PermanentSmsError),
    ],
)
def test_platform_errors_over_http_are_classified(aliyun_settings, aliyun, status, code, expected):
    aliyun.answer = AliyunStandIn.error(status, code, "platform error")

    with pytest.raises(expected) as raised:
        send_sms(INVITATION)

    assert raised.value.code == code


def test_an_answer_that_says_when_to_retry_is_temporary_whatever_its_code(aliyun_settings, aliyun):
    aliyun.answer = AliyunStandIn.error(400, "Flow.ControlByUser", "Request was denied due to flow control.")
    aliyun.answer.headers = {"x-acs-retry-after": "2000"}

    with pytest.raises(TemporarySmsError) as raised:
        send_sms(INVITATION)

    assert raised.value.code == "Flow.ControlByUser"


def test_an_unknown_access_key_is_permanent(aliyun_settings, aliyun):
    with (
        override_settings(SMS_ALIYUN_ACCESS_KEY_ID="LTAI5tDeletedKey"),
        pytest.raises(PermanentSmsError) as raised,
    ):
        send_sms(INVITATION)

    assert raised.value.code == "InvalidAccessKeyId.NotFound"
    assert aliyun.received, "the stand-in saw the request"


def test_a_wrong_secret_fails_the_signature_check_permanently(aliyun_settings, aliyun):
    """The stand-in verifies the SDK's signature as Aliyun does, so a right secret is proven by
    every passing test here and a wrong one is refused."""
    with (
        override_settings(SMS_ALIYUN_ACCESS_KEY_SECRET="not-the-secret"),
        pytest.raises(PermanentSmsError) as raised,
    ):
        send_sms(INVITATION)

    assert raised.value.code == "SignatureDoesNotMatch"


def test_an_html_503_from_a_gateway_is_temporary(aliyun_settings, aliyun):
    aliyun.answer = Answer(503, "<html><body>503 Service Temporarily Unavailable</body></html>", "text/html")

    with pytest.raises(TemporarySmsError) as raised:
        send_sms(INVITATION)

    assert raised.value.code == "network"


def test_a_refused_connection_is_temporary(aliyun_settings, closed_port):
    with (
        override_settings(SMS_ALIYUN_ENDPOINT=f"127.0.0.1:{closed_port}"),
        pytest.raises(TemporarySmsError) as raised,
    ):
        send_sms(INVITATION)

    assert raised.value.code == "network"


def test_a_stuck_provider_times_out_as_temporary(aliyun_settings, aliyun):
    with override_settings(SMS_READ_TIMEOUT=0.5):
        aliyun.answer = Answer(200, {"Code": "OK", "BizId": "late"}, delay=3)
        started = time.monotonic()

        with pytest.raises(TemporarySmsError) as raised:
            send_sms(INVITATION)

        assert raised.value.code == "network"
        assert time.monotonic() - started < 2.5


def test_missing_params_are_refused_before_aliyun_is_called(aliyun_settings, aliyun):
    with pytest.raises(PermanentSmsError) as raised:
        send_sms(
            SmsMessage(phone="+8613800138000", template="meeting_invitation", params={"title": "业主大会"})
        )

    assert raised.value.code == "missing_params"
    assert "time, place, link" in str(raised.value)
    assert aliyun.received == []


@pytest.mark.parametrize(
    "missing",
    ["SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"],
)
def test_a_missing_setting_is_named(aliyun_settings, missing):
    with override_settings(**{missing: ""}):
        with pytest.raises(ImproperlyConfigured, match=missing):
            get_backend()


def test_a_missing_template_id_is_named(aliyun_settings):
    with override_settings(
        SMS_TEMPLATE_CODES={k: v for k, v in ALIYUN_CODES.items() if k != "meeting_change"}
    ):
        with pytest.raises(ImproperlyConfigured, match="SMS_TEMPLATE_MEETING_CHANGE"):
            get_backend()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("isv.SOME_NEW_CHECK", PermanentSmsError),  # the caller's family
        ("isp.SOME_NEW_FAULT", TemporarySmsError),  # the platform's family
        ("BUSINESS_LIMIT_CONTROL_MINUTE", TemporarySmsError),
        ("isv.PARAM_LENGTH_LIMIT", PermanentSmsError),  # "LIMIT", but not throttling
        ("isv.BLACK_KEY_CONTROL_LIMIT", PermanentSmsError),
        ("SomethingNobodyDocumented", TemporarySmsError),  # unknown: retried a bounded number of times
    ],
)
def test_codes_are_classified_by_family(code, expected):
    assert error_class(code) is expected


def test_keyword_arguments_override_the_settings(aliyun_settings, aliyun, closed_port):
    """As with Django's mail backends: get_backend(path, **kwargs) for one-off configuration."""
    aliyun.answer = AliyunStandIn.sent("from-kwargs")

    with override_settings(SMS_ALIYUN_ENDPOINT=f"127.0.0.1:{closed_port}"):
        backend = get_backend("deliberation.sms.backends.aliyun.SmsBackend", aliyun_endpoint=aliyun.endpoint)

        assert backend.send(INVITATION) == "from-kwargs"
