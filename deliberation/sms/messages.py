"""The message a backend sends, and the test outbox the locmem backend fills."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SmsMessage:
    """One templated SMS to one person: providers send only pre-approved templates, so a message
    is a template key and its parameters, never free text."""

    phone: str  # E.164, e.g. "+8613800138000"
    template: str  # a key of TEMPLATES
    params: dict[str, str]


# Filled by deliberation.sms.backends.locmem, like django.core.mail.outbox. Cleared, never rebound.
outbox: list[SmsMessage] = []
