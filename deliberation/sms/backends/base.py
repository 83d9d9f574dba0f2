"""What every backend does, and the settings the real ones share."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..messages import SmsMessage
from ..templates import TEMPLATES


class BaseSmsBackend:
    """Subclasses implement ``send``. Keyword arguments given to ``get_backend`` override the
    settings a backend reads, as with Django's mail backends."""

    def __init__(self, **kwargs) -> None:
        self.options = kwargs

    def send(self, message: SmsMessage) -> str:
        """Send one message; return the provider's message id. Raises TemporarySmsError or
        PermanentSmsError (deliberation.sms.errors) when the provider did not accept it."""
        raise NotImplementedError

    def setting(self, name: str, default=None):
        """``name`` from the keyword arguments (lower case, without ``SMS_``), else from settings."""
        key = name.removeprefix("SMS_").lower()
        if key in self.options:
            return self.options[key]
        return getattr(settings, name, default)

    def required(self, name: str) -> str:
        """A setting a real backend cannot work without: ImproperlyConfigured names the variable,
        so the worker fails at start, not on the first notice."""
        value = self.setting(name)
        if value in (None, ""):
            raise ImproperlyConfigured(f"{type(self).__module__}: set the environment variable {name}.")
        return str(value)

    def template_codes(self) -> dict[str, str]:
        """The provider's id of every template, from SMS_TEMPLATE_<KEY> variables."""
        codes = self.setting("SMS_TEMPLATE_CODES") or {}
        missing = [f"SMS_TEMPLATE_{key.upper()}" for key in TEMPLATES if not codes.get(key)]
        if missing:
            raise ImproperlyConfigured(
                f"{type(self).__module__}: set the environment variables {', '.join(missing)} "
                "to the ids of the approved templates (docs/sms.md)."
            )
        return {key: str(codes[key]) for key in TEMPLATES}

    def timeouts(self) -> tuple[float, float]:
        """(connect, read) seconds: a stuck provider must not hold a worker."""
        return float(self.setting("SMS_CONNECT_TIMEOUT", 5)), float(self.setting("SMS_READ_TIMEOUT", 10))
