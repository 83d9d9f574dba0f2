"""Fixtures of the SMS tests: the cleared test outbox and the providers' local stand-ins."""

import socket

import pytest
from django.test import override_settings

from deliberation.sms import TEMPLATES, outbox

from .standins import AliyunStandIn, TencentStandIn

# Template ids as an operator would set them (SMS_TEMPLATE_<KEY>).
ALIYUN_CODES = {key: f"SMS_4650{number:04d}" for number, key in enumerate(TEMPLATES)}
TENCENT_CODES = {key: str(2_100_000 + number) for number, key in enumerate(TEMPLATES)}


@pytest.fixture
def sms_outbox():
    """``deliberation.sms.outbox``, empty at the start and the end of the test."""
    outbox.clear()
    yield outbox
    outbox.clear()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """The SDKs honour HTTP(S)_PROXY: requests to the stand-ins must go straight to 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aliyun():
    with AliyunStandIn(access_key_id="LTAI5tTestKeyId", access_key_secret="test-secret") as stand_in:
        yield stand_in


@pytest.fixture
def aliyun_settings(aliyun):
    """The Aliyun backend, pointed at the stand-in over plain http."""
    with override_settings(
        SMS_BACKEND="deliberation.sms.backends.aliyun.SmsBackend",
        SMS_SIGN_NAME="社区议事厅",
        SMS_ALIYUN_ACCESS_KEY_ID="LTAI5tTestKeyId",
        SMS_ALIYUN_ACCESS_KEY_SECRET="test-secret",
        SMS_ALIYUN_ENDPOINT=aliyun.endpoint,
        SMS_ALIYUN_PROTOCOL="http",
        SMS_TEMPLATE_CODES=ALIYUN_CODES,
        SMS_CONNECT_TIMEOUT=2,
        SMS_READ_TIMEOUT=2,
    ):
        yield


@pytest.fixture
def tencent():
    with TencentStandIn(secret_id="AKIDtestsecretid", secret_key="test-secret-key") as stand_in:
        yield stand_in


@pytest.fixture
def tencent_settings(tencent):
    """The Tencent backend, pointed at the stand-in over plain http."""
    with override_settings(
        SMS_BACKEND="deliberation.sms.backends.tencent.SmsBackend",
        SMS_SIGN_NAME="社区议事厅",
        SMS_TENCENT_SECRET_ID="AKIDtestsecretid",
        SMS_TENCENT_SECRET_KEY="test-secret-key",
        SMS_TENCENT_SDK_APP_ID="1400006666",
        SMS_TENCENT_REGION="ap-guangzhou",
        SMS_TENCENT_ENDPOINT=tencent.endpoint,
        SMS_TENCENT_PROTOCOL="http",
        SMS_TENCENT_PARAM_MAX_LENGTH=0,
        SMS_TEMPLATE_CODES=TENCENT_CODES,
        SMS_CONNECT_TIMEOUT=2,
        SMS_READ_TIMEOUT=2,
    ):
        yield


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that nothing listens on: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
