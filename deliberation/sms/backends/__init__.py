"""SMS backends, chosen by dotted path in ``settings.SMS_BACKEND`` (see docs/sms.md)."""
