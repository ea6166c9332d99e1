"""A maildir of received mail: the demo's SMTP server writes to it, the console reads it.

A maildir (one file per message, written to ``tmp/`` then renamed into ``new/``) lets the SMTP
server and the console live in different processes without sharing anything but a directory.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path


def mailbox_dir(home: Path) -> Path:
    """Where the local SMTP server of ``home`` keeps what it receives."""
    return Path(home) / "mailbox"


@dataclass(frozen=True)
class ReceivedMail:
    key: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    received_at: datetime

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "").strip()  # a folded long subject unfolds with a space

    def body_text(self) -> str:
        """The plain-text part (what the console shows; HTML is never rendered)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


def store(directory: Path, raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> str:
    """Keep one received message (with its envelope as X-Envelope-* headers); return its key."""
    envelope = (f"X-Envelope-From: {mail_from}\nX-Envelope-To: {', '.join(rcpt_tos)}\n"
                f"X-Received-At: {datetime.now(UTC).isoformat()}\n").encode()
    # Maildir files use the local line ending (LF), not SMTP's CRLF.
    return mailbox.Maildir(str(directory), create=True).add(envelope + raw.replace(b"\r\n", b"\n"))


def read(directory: Path, *, limit: int | None = None) -> list[ReceivedMail]:
    """Received mail, newest first."""
    if not Path(directory).is_dir():
        return []
    box = mailbox.Maildir(str(directory), create=False)
    try:
        keys = box.keys()
    except FileNotFoundError:  # the first mail is making the directory: its new/ or cur/ is not there yet
        return []
    mails = []
    for key in keys:
        try:
            raw = box.get_bytes(key)
        except KeyError:  # removed between listing and reading
            continue
        mails.append(_parse(key, raw))
    mails.sort(key=lambda m: (m.received_at, m.key), reverse=True)
    return mails[:limit] if limit else mails


def _parse(key: str, raw: bytes) -> ReceivedMail:
    message = message_from_bytes(raw, policy=policy.default)
    try:
        received = datetime.fromisoformat(str(message["X-Received-At"]))
    except (TypeError, ValueError):
        received = parsedate_to_datetime(str(message["Date"])) if message["Date"] else datetime.now(UTC)
    tos = tuple(t.strip() for t in str(message["X-Envelope-To"] or "").split(",") if t.strip())
    return ReceivedMail(key=key, mail_from=str(message["X-Envelope-From"] or ""), rcpt_tos=tos,
                        message=message, received_at=received)
