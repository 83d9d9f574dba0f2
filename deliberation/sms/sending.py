"""Choosing the backend and sending through it, like django.core.mail.get_connection."""

from django.conf import settings
from django.utils.module_loading import import_string

from .backends.base import BaseSmsBackend
from .messages import SmsMessage

DEFAULT_BACKEND = "deliberation.sms.backends.console.SmsBackend"


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of ``path`` (default ``settings.SMS_BACKEND``). A real backend missing its
    settings raises ImproperlyConfigured here, before anything is sent."""
    backend_class = import_string(path or getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND)
    return backend_class(**kwargs)


def send_sms(message: SmsMessage) -> str:
    """Send with the configured backend; returns the provider's message id."""
    return get_backend().send(message)
