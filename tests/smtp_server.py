"""A real SMTP server on a loopback port (aiosmtpd), collecting what it receives."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support import free_port


class Collector:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        # Every calendar attachment received, kept even when a test clears ``messages``.
        self.calendars: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.calendars += [part.get_payload(decode=True) for part in message.walk()
                           if part.get_content_type() == "text/calendar"]
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.collector = Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    @property
    def calendars(self) -> list[bytes]:
        return self.collector.calendars

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def link_in(message: EmailMessage, path: str) -> str:
    """The first link in ``message``'s text whose path starts with ``path``, as a path with
    its query (for the test client)."""
    import re
    from urllib.parse import urlsplit

    text = message.get_body(("plain",)).get_content()
    for url in re.findall(r"https?://\S+", text):
        parts = urlsplit(url)
        if parts.path.startswith(path):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no {path} link in:\n{text}")
