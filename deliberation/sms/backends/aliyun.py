"""Alibaba Cloud SMS (dysmsapi 2017-05-25, ``SendSms``) through its official Python SDK.

Settings: SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_TEMPLATE_<KEY>
(one per template), optionally SMS_ALIYUN_ENDPOINT, SMS_ALIYUN_PROTOCOL and the timeouts."""

import json

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException
from django.utils.translation import gettext

from ..errors import PermanentSmsError, SmsError, TemporarySmsError
from ..messages import SmsMessage
from ..phones import aliyun_number
from ..templates import get_template, template_params
from .base import BaseSmsBackend

# Codes documented on Aliyun's SMS error-code page that pass with time. Everything else in the
# ``isv.`` family (the caller's side: number, sign, template, params, account) is permanent.
TEMPORARY_CODES = {
    "isp.SYSTEM_ERROR",  # 系统错误
    "isp.GATEWAY_ERROR",  # 网关错误
    "isp.UNKNOWN",  # 未知异常
    "isv.BUSINESS_LIMIT_CONTROL",  # 业务限流 (per-number minute/hour/day limits)
    "isv.DAY_LIMIT_CONTROL",  # 日发送量限额
    "ServiceUnavailable",
    "InternalError",
}
PERMANENT_CODES = {
    "isp.RAM_PERMISSION_DENY",  # an access policy refuses the key: a person must change it
}


def error_class(code: str, *, status: int | None = None, retry_after: int | None = None) -> type[SmsError]:
    """Temporary or permanent, from the code's family in Aliyun's error-code reference.

    - Throttling (``Throttling*``, ``*LIMIT_CONTROL``, ``*BUSINESS_LIMIT*``), the platform's own
      errors (``isp.*``) and HTTP 5xx / 429 pass with time: temporary.
    - ``isv.*`` codes are about the request or the account (bad number, sign or template not
      approved, missing or too long params, balance), and 4xx platform codes about the keys or the
      signature (``InvalidAccessKeyId.NotFound``, ``SignatureDoesNotMatch``): a person must act, so
      permanent.
    - An answer that says when to retry (``x-acs-retry-after``; the SDK's ThrottlingException) is
      throttling whatever its code: temporary.
    - Any other code is unknown: temporary. The outbox retries a bounded number of times, so a
      wrong "temporary" costs a few calls, while a wrong "permanent" loses a notice for good.
    """
    if code in PERMANENT_CODES:
        return PermanentSmsError
    if (
        retry_after
        or code in TEMPORARY_CODES
        or code.startswith(("Throttling", "isp."))
        or "LIMIT_CONTROL" in code
        or "BUSINESS_LIMIT" in code
    ):
        return TemporarySmsError
    if status is not None and (status >= 500 or status in (408, 429)):
        return TemporarySmsError
    if code.startswith("isv.") or (status is not None and 400 <= status < 500):
        return PermanentSmsError
    return TemporarySmsError


def provider_error(
    code: str, message: str, *, status: int | None = None, retry_after: int | None = None
) -> SmsError:
    reason = gettext("Aliyun refused the SMS: %(code)s %(message)s") % {"code": code, "message": message}
    return error_class(code, status=status, retry_after=retry_after)(reason.strip(), code=code)


class SmsBackend(BaseSmsBackend):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sign_name = self.required("SMS_SIGN_NAME")
        self.template_ids = self.template_codes()
        connect, read = self.timeouts()
        config = Config(
            access_key_id=self.required("SMS_ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=self.required("SMS_ALIYUN_ACCESS_KEY_SECRET"),
            endpoint=self.setting("SMS_ALIYUN_ENDPOINT") or "dysmsapi.aliyuncs.com",
            protocol=self.setting("SMS_ALIYUN_PROTOCOL") or "https",
            connect_timeout=int(connect * 1000),  # milliseconds
            read_timeout=int(read * 1000),
        )
        self.client = Client(config)

    def send(self, message: SmsMessage) -> str:
        template = get_template(message.template)
        params = template_params(template, message.params)
        request = dysms_models.SendSmsRequest(
            phone_numbers=aliyun_number(message.phone),
            sign_name=self.sign_name,
            template_code=self.template_ids[template.key],
            template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self.client.send_sms(request)
        except ResponseException as error:  # HTTP 4xx/5xx with the platform's code
            raise provider_error(
                str(error.code), error.message or "", status=error.status_code, retry_after=error.retry_after
            ) from error
        except Exception as error:  # connection refused, timeouts, unreadable answers
            raise TemporarySmsError(
                gettext("Aliyun could not be reached: %(error)s") % {"error": error}, code="network"
            ) from error
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", None) or "unknown"
            raise provider_error(code, getattr(body, "message", "") or "")
        return body.biz_id
