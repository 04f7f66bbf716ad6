"""Messages (magic links, claim notices) leave through the transactional outbox.

A message is written in the same transaction as what it announces (:func:`enqueue`, with the
caller's session); :func:`deliver_pending` hands pending messages to a :class:`Sender` afterwards
and marks them sent, blanking the recipient (personal data) once delivered. A crash between the
two delivers late, never silently twice: ``dedupe_key`` is unique and a message is marked sent in
its own transaction right after the sender accepted it.

Senders are pluggable: :class:`SmtpSender` for real deployments, :class:`FileSender` (one
``.eml`` file per message) and :class:`ConsoleSender` for the demo and tests.
"""

from __future__ import annotations

import smtplib
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.engine import session_scope
from storage.tables import OutboxChannel, OutboxMessage

__all__ = [
    "ConsoleSender",
    "FileSender",
    "MemorySender",
    "Sender",
    "SmtpSender",
    "deliver_pending",
    "enqueue",
]

FROM_ADDRESS = "atouts <ne-pas-repondre@atouts.example>"


class Sender(Protocol):
    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None: ...


def enqueue(
    session: Session,
    *,
    now: datetime,
    recipient: str,
    subject: str,
    body: str,
    channel: OutboxChannel = OutboxChannel.EMAIL,
    dedupe_key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a message inside the caller's transaction (nothing is sent here)."""
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject[:300],
        body=body,
        payload=payload or {},
        dedupe_key=dedupe_key,
        available_at=now,
    )
    session.add(message)
    return message


def deliver_pending(engine: Engine, sender: Sender, *, now: datetime, limit: int = 100) -> int:
    """Send what is due; returns how many were sent. A failing message is retried later."""
    with session_scope(engine, write=False) as session:
        pending = list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))  # type: ignore[union-attr]
                .where(OutboxMessage.available_at <= now)
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
                .limit(limit)
            )
        )
    sent = 0
    for message in pending:
        try:
            sender.send(
                channel=str(message.channel),
                recipient=message.recipient or "",
                subject=message.subject,
                body=message.body,
            )
        except Exception as error:  # any sender failure: keep the message, try again later
            with session_scope(engine) as session:
                row = session.get(OutboxMessage, message.id)
                if row is not None:
                    row.attempts += 1
                    row.last_error = f"{type(error).__name__}: {error}"[:1000]
                    row.available_at = now + timedelta(minutes=min(60, 2**row.attempts))
                    session.add(row)
            continue
        with session_scope(engine) as session:
            row = session.get(OutboxMessage, message.id)
            if row is not None:
                row.sent_at = now
                row.attempts += 1
                row.recipient = None  # personal data is not kept once delivered
                session.add(row)
        sent += 1
    return sent


@dataclass
class MemorySender:
    """Keeps messages in a list (tests)."""

    sent: list[dict[str, str]] = field(default_factory=list)

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        self.sent.append(
            {"channel": channel, "recipient": recipient, "subject": subject, "body": body}
        )


@dataclass
class ConsoleSender:
    """Prints messages (demo)."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        self.stream.write(f"--- {channel} pour {recipient} : {subject}\n{body}\n---\n")
        self.stream.flush()


@dataclass
class FileSender:
    """Writes one ``.eml`` file per message into ``directory`` (demo, tests)."""

    directory: Path
    count: int = 0

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count += 1
        message = _email(recipient, subject, body)
        # A unique name: several runs (or processes) write into the same folder.
        path = self.directory / f"message-{uuid.uuid4().hex}-{channel}.eml"
        path.write_bytes(bytes(message))


@dataclass
class SmtpSender:
    """Sends e-mail through an SMTP relay (STARTTLS when ``starttls``)."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 15.0

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        if channel != OutboxChannel.EMAIL:
            raise ValueError(f"SMTP cannot deliver {channel} messages")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(_email(recipient, subject, body))


def _email(recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = FROM_ADDRESS
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    return message
