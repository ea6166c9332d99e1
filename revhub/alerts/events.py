"""What an alert says, and the console page that resolves each kind."""

from __future__ import annotations

from dataclasses import dataclass

# The console page a person opens to act on each kind of alert.
RESOLVING_PAGES = {
    "dead_letters": "/outbox?status=dead",
    "failed_runs": "/runs?status=failed",
    "conflicts": "/conflicts",
    "exceptions": "/exceptions",
    "books": "/ledger",
    "token_expiry": "/",
    "test": "/alerts",
}
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class Alert:
    """One thing an admin should look at. Raises with the same ``dedupe_key`` inside the
    window are one alert; ``kind`` picks the console page that resolves it."""

    kind: str
    dedupe_key: str
    title: str
    text: str
    severity: str = "warning"
    # Overrides the configured dedupe window (a token expiring in days needs no hourly reminder;
    # 0: never held back, for test alerts).
    window_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RESOLVING_PAGES:
            raise ValueError(f"unknown alert kind {self.kind!r}; one of {', '.join(RESOLVING_PAGES)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; one of {', '.join(SEVERITIES)}")

    def link(self, public_url: str) -> str:
        """The absolute address of the resolving console page."""
        return public_url.rstrip("/") + RESOLVING_PAGES[self.kind]


@dataclass(frozen=True)
class Notice:
    """An alert as a channel renders it: the alert, its link and the raises held back since the last send."""

    alert: Alert
    link: str
    suppressed: int = 0

    @property
    def summary(self) -> str:
        """One plain-text paragraph every channel can show."""
        held = f"\n({self.suppressed} more like this held back since the last alert)" if self.suppressed else ""
        return f"[{self.alert.severity}] {self.alert.title}\n{self.alert.text}{held}\nResolve: {self.link}"

    def as_json(self) -> dict:
        return {"kind": self.alert.kind, "key": self.alert.dedupe_key, "severity": self.alert.severity,
                "title": self.alert.title, "text": self.alert.text, "link": self.link,
                "suppressed": self.suppressed}
