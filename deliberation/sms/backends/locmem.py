"""For tests: each accepted message is appended to ``deliberation.sms.outbox``, as Django's
locmem mail backend fills ``django.core.mail.outbox``. It checks the message like a real backend
(number, template, parameters), so a test cannot pass with a message no provider would take."""

import uuid

from ..messages import SmsMessage, outbox
from ..phones import e164
from ..templates import get_template, template_params
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> str:
        e164(message.phone)
        template_params(get_template(message.template), message.params)
        outbox.append(message)
        return uuid.uuid4().hex
