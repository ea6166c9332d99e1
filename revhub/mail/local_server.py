"""A local SMTP server (aiosmtpd) that keeps what it receives in a maildir: the demo's mail
server and the tests' one. It binds 127.0.0.1 and, with port 0, an ephemeral port.

https://aiosmtpd.aio-libs.org/en/latest/controller.html
"""

from __future__ import annotations

from pathlib import Path

from aiosmtpd.controller import Controller

from revhub.mail import mailbox


class MaildirHandler:
    """aiosmtpd handler: every accepted message goes into ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        mailbox.store(self.directory, envelope.original_content or envelope.content,
                      mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """aiosmtpd's Controller connects to its own port to check the server is up; with port 0
    that port is only known once the socket is bound, so read it back first."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LocalSmtpServer:
    """Start with ``start()``, read ``host``/``port``, stop with ``stop()`` (or use ``with``)."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = Path(directory)
        self._controller = _EphemeralController(MaildirHandler(self.directory), hostname=host, port=port)

    @property
    def host(self) -> str:
        return self._controller.hostname

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> LocalSmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def received(self) -> list[mailbox.ReceivedMail]:
        """What this server has received, newest first."""
        return mailbox.read(self.directory)

    def environ(self) -> dict[str, str]:
        """The ``REVHUB_SMTP_*`` variables that send through this server (plain SMTP, no login)."""
        return {"REVHUB_SMTP_HOST": self.host, "REVHUB_SMTP_PORT": str(self.port),
                "REVHUB_SMTP_SECURITY": "none"}

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """``python -m revhub.mail.local_server DIR [PORT]``: serve until killed, print the port."""
    import sys
    import threading

    server = LocalSmtpServer(Path(sys.argv[1]), port=int(sys.argv[2]) if len(sys.argv) > 2 else 0).start()
    print(server.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
