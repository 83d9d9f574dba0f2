"""The Tencent Cloud backend through the official SDK against a local stand-in of sms 2021-01-11."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from deliberation.sms import PermanentSmsError, SmsMessage, TemporarySmsError, get_backend, send_sms
from deliberation.sms.backends.tencent import error_class

from .conftest import TENCENT_CODES
from .standins import Answer, TencentStandIn

CHANGE = SmsMessage(
    phone="+8613800138000",
    template="meeting_change",
    params={
        "title": "业主大会",
        "status": "改期",
        "time": "2026-12-12 19:30",
        "place": "社区服务中心",
        "link": "m/42",
    },
)


def test_sends_the_request_tencent_expects_and_returns_the_serial_no(tencent_settings, tencent):
    tencent.answer = TencentStandIn.status(serial_no="5000:1045710669157053657849499619")

    assert send_sms(CHANGE) == "5000:1045710669157053657849499619"

    [request] = tencent.received
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.params == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400006666",
        "SignName": "社区议事厅",
        "TemplateId": TENCENT_CODES["meeting_change"],
        # positional, in the catalogue's order: {1} title, {2} status, {3} time, {4} place, {5} link
        "TemplateParamSet": ["业主大会", "改期", "2026-12-12 19:30", "社区服务中心", "m/42"],
    }


def test_a_shorter_account_limit_cuts_text_params_but_not_the_link(tencent_settings, tencent):
    with override_settings(SMS_TENCENT_PARAM_MAX_LENGTH=6):
        tencent.answer = TencentStandIn.status()

        send_sms(
            SmsMessage(
                phone="+8613800138000",
                template="reminder",
                params={**CHANGE.params, "title": "业主大会表决会议"},
            )
        )

        title, time_, place, link = tencent.received[0].params["TemplateParamSet"]
        assert (title, time_, place, link) == ("业主大会表…", "2026-…", "社区服务中心", "m/42")


@pytest.mark.parametrize(
    "code",
    [
        "InternalError",
        "InternalError.Timeout",
        "RequestLimitExceeded",
        "LimitExceeded.DeliveryFrequencyLimit",
    ],
)
def test_a_busy_or_throttling_provider_is_temporary(tencent_settings, tencent, code):
    tencent.answer = TencentStandIn.error(code, "busy")

    with pytest.raises(TemporarySmsError) as raised:
        send_sms(CHANGE)

    assert raised.value.code == code


@pytest.mark.parametrize(
    "code",
    [
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
        "MissingParameter.EmptyPhoneNumberSet",
    ],
)
def test_a_refusal_about_the_message_or_account_is_permanent(tencent_settings, tencent, code):
    tencent.answer = TencentStandIn.error(code, "refused")

    with pytest.raises(PermanentSmsError) as raised:
        send_sms(CHANGE)

    assert raised.value.code == code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", TemporarySmsError),
        ("FailedOperation.PhoneNumberInBlacklist", PermanentSmsError),
        ("InvalidParameterValue.IncorrectPhoneNumber", PermanentSmsError),
    ],
)
def test_a_per_number_status_inside_a_200_is_classified(tencent_settings, tencent, code, expected):
    """SendSms answers 200 for the request and gives each number its own Code."""
    tencent.answer = TencentStandIn.status(code, "per-number refusal")

    with pytest.raises(expected) as raised:
        send_sms(CHANGE)

    assert raised.value.code == code
    assert "per-number refusal" in str(raised.value)


def test_an_unknown_secret_id_is_permanent(tencent_settings, tencent):
    with override_settings(SMS_TENCENT_SECRET_ID="AKIDdeleted"), pytest.raises(PermanentSmsError) as raised:
        send_sms(CHANGE)

    assert raised.value.code == "AuthFailure.SecretIdNotFound"


def test_a_wrong_secret_key_fails_the_signature_check_permanently(tencent_settings, tencent):
    with override_settings(SMS_TENCENT_SECRET_KEY="not-the-key"), pytest.raises(PermanentSmsError) as raised:
        send_sms(CHANGE)

    assert raised.value.code == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_http_error_is_temporary(tencent_settings, tencent, status):
    tencent.answer = Answer(status, "<html>Bad Gateway</html>", "text/html")

    with pytest.raises(TemporarySmsError) as raised:
        send_sms(CHANGE)

    assert raised.value.code == "network"


def test_a_refused_connection_is_temporary(tencent_settings, closed_port):
    with (
        override_settings(SMS_TENCENT_ENDPOINT=f"127.0.0.1:{closed_port}"),
        pytest.raises(TemporarySmsError) as raised,
    ):
        send_sms(CHANGE)

    assert raised.value.code == "network"


def test_a_stuck_provider_times_out_as_temporary(tencent_settings, tencent):
    with override_settings(SMS_READ_TIMEOUT=0.5):
        tencent.answer = TencentStandIn.status()
        tencent.answer.delay = 3
        started = time.monotonic()

        with pytest.raises(TemporarySmsError) as raised:
            send_sms(CHANGE)

        assert raised.value.code == "network"
        assert time.monotonic() - started < 2.5


def test_a_bad_number_is_refused_before_tencent_is_called(tencent_settings, tencent):
    with pytest.raises(PermanentSmsError) as raised:
        send_sms(SmsMessage(phone="13800138000", template="verification_code", params={"code": "4821"}))

    assert raised.value.code == "invalid_phone"
    assert tencent.received == []


@pytest.mark.parametrize(
    "missing",
    ["SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_TENCENT_SDK_APP_ID", "SMS_SIGN_NAME"],
)
def test_a_missing_setting_is_named(tencent_settings, missing):
    with override_settings(**{missing: ""}):
        with pytest.raises(ImproperlyConfigured, match=missing):
            get_backend()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AuthFailure.SignatureExpire", PermanentSmsError),
        ("InternalError.RequestTimeException", PermanentSmsError),  # the clock: retrying won't fix it
        ("ResourceUnavailable.Maintenance", TemporarySmsError),
        ("SomethingNobodyDocumented", TemporarySmsError),  # unknown: retried a bounded number of times
    ],
)
def test_codes_are_classified_by_family(code, expected):
    assert error_class(code) is expected
