"""Faults on demand for the sandboxes: 429s, 5xx, slow answers, timeouts, dropped connections.

A rule fires either for the next ``count`` matching requests or at a ``rate`` drawn from a
seeded generator, so a failing test replays the same way.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

# "429" means "the provider's rate-limit answer" (Salesforce: 403 REQUEST_LIMIT_EXCEEDED).
KINDS = ("429", "500", "503", "slow", "timeout", "drop")


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood; the message names the part."""


@dataclass
class FaultRule:
    kind: str
    count: int | None = None
    rate: float | None = None
    delay: float = 0.0
    path: str | None = None
    method: str | None = None
    fired: int = 0
    _path_re: re.Pattern | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if (self.count is None) == (self.rate is None):
            raise FaultSpecError("give exactly one of count (next N requests) or rate (0..1)")
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise FaultSpecError(f"count must be a positive integer, got {self.count!r}")
        if self.rate is not None and not (0.0 < float(self.rate) <= 1.0):
            raise FaultSpecError(f"rate must be in (0, 1], got {self.rate!r}")
        if self.delay < 0:
            raise FaultSpecError("delay must be >= 0 seconds")
        if self.kind == "slow" and not self.delay:
            self.delay = 2.0
        if self.kind == "timeout" and not self.delay:
            self.delay = 60.0
        self._path_re = re.compile(self.path) if self.path else None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not self._path_re or bool(self._path_re.search(path))

    def as_dict(self) -> dict:
        return {"kind": self.kind, "count": self.count, "rate": self.rate, "delay": self.delay,
                "path": self.path, "method": self.method, "fired": self.fired}

    @classmethod
    def from_dict(cls, data: dict) -> FaultRule:
        unknown = set(data) - {"kind", "count", "rate", "delay", "path", "method"}
        if unknown:
            raise FaultSpecError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise FaultSpecError("kind is required")
        try:
            return cls(
                kind=str(data["kind"]),
                count=int(data["count"]) if data.get("count") is not None else None,
                rate=float(data["rate"]) if data.get("rate") is not None else None,
                delay=float(data.get("delay") or 0.0),
                path=data.get("path"),
                method=data.get("method"),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"bad number in fault rule: {exc}") from None

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``KIND[:count=N|:rate=R][:delay=S][:path=REGEX][:method=M]`` as given on the CLI."""
        kind, *parts = spec.split(":")
        data: dict = {"kind": kind}
        for part in parts:
            key, sep, value = part.partition("=")
            if not sep:
                raise FaultSpecError(f"fault option {part!r} must look like key=value")
            data[key] = value
        return cls.from_dict(data)


class FaultPlan:
    """The active rules of one sandbox; thread-safe, deterministic under ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self.released = threading.Event()

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
        # Wake requests parked in a "timeout" fault so shutdown is quick.
        self.released.set()
        self.released = threading.Event()

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def draw(self, method: str, path: str) -> FaultRule | None:
        """The fault to inject into this request, if any (consumes count-based rules)."""
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.count is not None:
                    rule.fired += 1
                    if rule.fired >= rule.count:
                        self._rules.remove(rule)
                    return rule
                if self._random.random() < rule.rate:
                    rule.fired += 1
                    return rule
        return None
