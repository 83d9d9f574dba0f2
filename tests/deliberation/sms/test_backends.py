"""Choosing a backend; the console and locmem backends."""

import io
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from deliberation.sms import BaseSmsBackend, PermanentSmsError, SmsMessage, get_backend, outbox, send_sms
from deliberation.sms.backends import console, locmem

CODE = SmsMessage(phone="+86 138-0013-8000", template="verification_code", params={"code": "482193"})


def test_the_test_settings_use_locmem(sms_outbox):
    message_id = send_sms(CODE)

    assert sms_outbox == [CODE]
    assert re.fullmatch(r"[0-9a-f]{32}", message_id)


def test_the_default_is_the_console():
    with override_settings():
        del settings.SMS_BACKEND

        assert isinstance(get_backend(), console.SmsBackend)


def test_get_backend_by_dotted_path_with_options():
    stream = io.StringIO()

    backend = get_backend("deliberation.sms.backends.console.SmsBackend", stream=stream)

    assert isinstance(backend, console.SmsBackend)
    assert backend.stream is stream


def test_get_backend_follows_the_setting():
    with override_settings(SMS_BACKEND="deliberation.sms.backends.locmem.SmsBackend"):
        assert isinstance(get_backend(), locmem.SmsBackend)
        assert isinstance(get_backend(), BaseSmsBackend)


def test_get_backend_with_a_wrong_path_fails_loudly():
    with pytest.raises(ImportError):
        get_backend("deliberation.sms.backends.pigeon.SmsBackend")


def test_the_console_prints_the_number_and_the_text_and_flushes():
    with override_settings(SMS_SIGN_NAME="幸福里社区"):

        class Stream(io.StringIO):
            flushed = False

            def flush(self):
                self.flushed = True

        stream = Stream()
        with translation.override("zh-hans"):
            message_id = get_backend("deliberation.sms.backends.console.SmsBackend", stream=stream).send(CODE)

        output = stream.getvalue()
        assert f"SMS to +8613800138000 (verification_code, id {message_id})" in output
        assert "【幸福里社区】您的验证码为482193，5分钟内有效，请勿泄露。" in output
        assert stream.flushed


def test_the_console_writes_in_the_active_language():
    stream = io.StringIO()

    with translation.override("en"):
        get_backend("deliberation.sms.backends.console.SmsBackend", stream=stream).send(CODE)

    assert "Your verification code is 482193." in stream.getvalue()


def test_the_console_refuses_what_a_provider_would():
    stream = io.StringIO()
    backend = get_backend("deliberation.sms.backends.console.SmsBackend", stream=stream)

    with pytest.raises(PermanentSmsError):
        backend.send(SmsMessage(phone="+8613800138000", template="verification_code", params={}))

    assert stream.getvalue() == ""


def test_locmem_refuses_what_a_provider_would(sms_outbox):
    with pytest.raises(PermanentSmsError) as raised:
        send_sms(SmsMessage(phone="not a number", template="verification_code", params={"code": "4821"}))

    assert raised.value.code == "invalid_phone"
    assert sms_outbox == []


def test_the_outbox_is_the_packages_list(sms_outbox):
    send_sms(CODE)
    send_sms(CODE)

    assert outbox is sms_outbox
    assert len(outbox) == 2
