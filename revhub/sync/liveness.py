"""Who holds a lease or a claim, and whether that process is still alive.

A holder is named ``<host>:<pid>[:<more>]``. ``<host>`` is the host name plus the process's PID
namespace, so a process in another container with the same host name is never judged by a PID
that means something else there. Only a holder on this host can be found dead; anyone else's
lease or claim runs out by its expiry. Judging wrongly that a holder is alive only delays a
takeover (a reused PID); the fencing token keeps a holder wrongly judged dead from committing.
"""

from __future__ import annotations

import os
import socket


def this_host() -> str:
    """This machine as it appears in holder names: host name and PID namespace."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # no /proc (macOS, Windows): the host name alone
        return socket.gethostname()
    return f"{socket.gethostname()}/{namespace}"


def process_name() -> str:
    """``<host>:<pid>`` of this process."""
    return f"{this_host()}:{os.getpid()}"


def holder_is_gone(holder: str | None) -> bool:
    """True only when ``holder`` names a process on this host that no longer exists."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != this_host() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # A killed child its parent has not reaped yet still answers kill(pid, 0).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
