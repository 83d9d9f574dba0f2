"""Pluggable SMS backends (issue 11): most residents read SMS, not e-mail.

The outbox sends a ``SmsMessage`` with ``send_sms`` (or ``get_backend().send``) and retries only
``TemporarySmsError``. docs/sms.md tells the operator how to choose and configure a provider."""

from .backends.base import BaseSmsBackend
from .errors import PermanentSmsError, SmsError, TemporarySmsError
from .messages import SmsMessage, outbox
from .sending import get_backend, send_sms
from .templates import TEMPLATES, SmsParam, SmsTemplate, render

__all__ = [
    "TEMPLATES",
    "BaseSmsBackend",
    "PermanentSmsError",
    "SmsError",
    "SmsMessage",
    "SmsParam",
    "SmsTemplate",
    "TemporarySmsError",
    "get_backend",
    "outbox",
    "render",
    "send_sms",
]
