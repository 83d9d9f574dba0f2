"""An e-mail backend that fails for some addresses, as a mail server does: the outbox tests point
``EMAIL_BACKEND`` here (fixture ``failing_mail``). Mail to any other address lands in
``django.core.mail.outbox``."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

#: Addresses whose server cannot be reached (a temporary failure: the delivery will retry).
UNREACHABLE: set[str] = set()
#: Addresses the server refuses for good (the delivery gives up).
NO_SUCH_USER: set[str] = set()


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            for address in message.recipients():
                if address in UNREACHABLE:
                    raise ConnectionRefusedError("Connection refused")
                if address in NO_SUCH_USER:
                    raise smtplib.SMTPRecipientsRefused(
                        {address: (550, f"5.1.1 <{address}>: no such user".encode())}
                    )
        return super().send_messages(messages)


FAILING = "tests.mailserver.FailingBackend"
