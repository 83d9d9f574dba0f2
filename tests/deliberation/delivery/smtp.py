"""A real SMTP server for the delivery tests (aiosmtpd on a free local port), counting what it got."""

import socket
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Every message the server accepted, parsed, with its envelope recipients."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _rcpt, message in self.messages]


@contextmanager
def smtp_server(port: int, *, delay: float = 0.0):
    """Serve SMTP on ``port`` while the block runs; ``delay`` seconds before accepting each message
    (a slow mail server)."""
    inbox = Inbox()
    handler = inbox
    if delay:
        import asyncio

        class Slow(Inbox):
            async def handle_DATA(self, server, session, envelope):
                await asyncio.sleep(delay)
                return await inbox.handle_DATA(server, session, envelope)

        handler = Slow()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 3
