"""What a backend raises when a message was not accepted.

The outbox decides from the class alone whether to try again: a temporary failure may pass on its
own (the provider is busy or unreachable), a permanent one needs a person to change something (the
number, the template, the keys), so trying again would only cost calls."""


class SmsError(Exception):
    """``code`` is the provider's code (or ``"network"``, or one of ours); ``str()`` is a reason
    a worker can read."""

    def __init__(self, reason: str, *, code: str = "") -> None:
        super().__init__(reason)
        self.code = code


class TemporarySmsError(SmsError):
    """Worth trying again later: network errors, timeouts, provider 5xx, throttling, system busy."""


class PermanentSmsError(SmsError):
    """Never retried: bad number, unapproved template or sign, missing params, bad credentials."""
