"""The default backend: prints each SMS, as Django's console mail backend prints mail, so that
``make run`` shows what a resident would receive without any provider account."""

import sys
import threading
import uuid

from django.utils import translation

from ..messages import SmsMessage
from ..phones import e164
from ..templates import render
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, stream=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send(self, message: SmsMessage) -> str:
        """Rendered in the active language (the outbox activates the recipient's)."""
        number = e164(message.phone)
        text = render(message.template, message.params, language=translation.get_language() or "zh-hans")
        message_id = uuid.uuid4().hex
        rule = "-" * 79
        with self._lock:
            self.stream.write(f"SMS to {number} ({message.template}, id {message_id})\n{text}\n{rule}\n")
            self.stream.flush()
        return message_id
