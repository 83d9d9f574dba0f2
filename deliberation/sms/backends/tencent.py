"""Tencent Cloud SMS (sms 2021-01-11, ``SendSms``) through its official Python SDK.

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID, SMS_SIGN_NAME,
SMS_TEMPLATE_<KEY> (one per template), optionally SMS_TENCENT_REGION, SMS_TENCENT_ENDPOINT,
SMS_TENCENT_PROTOCOL, SMS_TENCENT_PARAM_MAX_LENGTH and the timeouts."""

from django.utils.translation import gettext
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from ..errors import PermanentSmsError, SmsError, TemporarySmsError
from ..messages import SmsMessage
from ..phones import tencent_number
from ..templates import get_template, template_params
from .base import BaseSmsBackend

# The SDK's own codes for transport failures: the request may never have reached Tencent.
NETWORK_CODES = {"ClientNetworkError", "ServerNetworkError"}
# Tencent's public and SMS error codes whose family says "temporary" or "permanent".
TEMPORARY_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded", "ResourceUnavailable")
PERMANENT_PREFIXES = (
    "AuthFailure",
    "FailedOperation",
    "InvalidParameter",  # also InvalidParameterValue.*
    "MissingParameter",
    "UnauthorizedOperation",
    "UnsupportedOperation",
    "UnknownParameter",
    "InvalidAction",
    "ResourceNotFound",
    "IpInBlacklist",
    "IpNotInWhitelist",
)
# Inside a temporary family but needing a person: a fixed template or request will fail again.
PERMANENT_CODES = {
    "LimitExceeded.PhoneNumberCountLimit",  # more numbers than one request may carry
    "InternalError.SigVerificationFail",
    "InternalError.SigFieldMissing",
    "InternalError.RestApiInterfaceNotExist",
    "InternalError.RequestTimeException",  # the server's clock: fix NTP, retrying does not help
}


def error_class(code: str) -> type[SmsError]:
    """Temporary or permanent, from the code's family in Tencent's error-code references
    (public API codes and SMS codes share one ``Family.Detail`` naming).

    - ``InternalError*``, ``RequestLimitExceeded*``, ``LimitExceeded*`` (throttling and per-number
      frequency limits) and the SDK's network errors pass with time: temporary.
    - ``AuthFailure*``, ``FailedOperation*`` (sign or template not approved, number blacklisted,
      package used up), ``InvalidParameter*``, ``MissingParameter``, ``UnauthorizedOperation*``
      and the like are about the request or the account: permanent.
    - Any other code is unknown: temporary, because the outbox retries a bounded number of times
      and a wrong "permanent" would lose the notice for good.
    """
    if code in PERMANENT_CODES:
        return PermanentSmsError
    if code in NETWORK_CODES or code.startswith(TEMPORARY_PREFIXES):
        return TemporarySmsError
    if code.startswith(PERMANENT_PREFIXES):
        return PermanentSmsError
    return TemporarySmsError


def provider_error(code: str, message: str) -> SmsError:
    if code in NETWORK_CODES:
        reason = gettext("Tencent Cloud could not be reached: %(error)s") % {"error": message}
        return TemporarySmsError(reason, code="network")
    reason = gettext("Tencent Cloud refused the SMS: %(code)s %(message)s") % {
        "code": code,
        "message": message,
    }
    return error_class(code)(reason.strip(), code=code)


class SmsBackend(BaseSmsBackend):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sign_name = self.required("SMS_SIGN_NAME")
        self.sdk_app_id = self.required("SMS_TENCENT_SDK_APP_ID")
        self.template_ids = self.template_codes()
        self.max_length = int(self.setting("SMS_TENCENT_PARAM_MAX_LENGTH") or 0) or None
        credential = Credential(
            self.required("SMS_TENCENT_SECRET_ID"), self.required("SMS_TENCENT_SECRET_KEY")
        )
        http_profile = HttpProfile(
            protocol=self.setting("SMS_TENCENT_PROTOCOL") or "https",
            endpoint=self.setting("SMS_TENCENT_ENDPOINT") or "sms.tencentcloudapi.com",
            # handed to requests as its (connect, read) timeout
            reqTimeout=self.timeouts(),
        )
        self.client = SmsClient(
            credential,
            self.setting("SMS_TENCENT_REGION") or "ap-guangzhou",
            ClientProfile(httpProfile=http_profile),
        )

    def send(self, message: SmsMessage) -> str:
        template = get_template(message.template)
        params = template_params(template, message.params, max_length=self.max_length)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [tencent_number(message.phone)]
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = self.sign_name
        request.TemplateId = self.template_ids[template.key]
        request.TemplateParamSet = [params[name] for name in template.param_names]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            raise provider_error(str(error.code), str(error.message or "")) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise TemporarySmsError(gettext("Tencent Cloud answered without a status."), code="unknown")
        status = statuses[0]  # one number per request, so one status
        if status.Code != "Ok":
            raise provider_error(str(status.Code), str(status.Message or ""))
        return status.SerialNo
