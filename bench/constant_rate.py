"""A constant-rate HTTP/1.1 load generator (what ``wrk -R``, wrk2's, would do; Debian has wrk only).

Open loop: request ``i`` is due at ``start + i / rate`` whatever happened to earlier ones, and
its latency is counted from that due time, not from when a connection became free. A server
that stalls therefore shows its stall in every request that queued behind it (no coordinated
omission). Keep-alive connections, at most ``connections`` requests in flight; plain asyncio
streams, so the generator costs little of the CPU it shares with the server.

    .venv/bin/python -m bench.constant_rate http://127.0.0.1:8000/bench/bare --rate 200 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = Callable[[int], tuple[bytes, dict[str, str]]]  # request number -> (body, extra headers)


@dataclass
class Result:
    rate: float                 # the rate asked for
    achieved: float             # completed requests per second of the run
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0             # non-2xx answers and broken connections
    late_ms: float = 0.0        # how far behind schedule the generator itself fell, at most

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[max(0, min(len(ordered), math.ceil(p / 100 * len(ordered))) - 1)]  # nearest rank

    def line(self) -> str:
        return (f"asked {self.rate:.0f} req/s, got {self.achieved:.0f}; latency p50 {self.percentile(50):.1f} ms, "
                f"p95 {self.percentile(95):.1f} ms, p99 {self.percentile(99):.1f} ms, max "
                f"{max(self.latencies_ms, default=float('nan')):.1f} ms; errors {self.errors}")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes) -> int:
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed by the server")
    status = int(status_line.split(b" ", 2)[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if length:
        await reader.readexactly(length)
    if close:
        raise _Closed(status)
    return status


class _Closed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def run(url: str, rate: float, seconds: float, make: Request, *, connections: int = 64,
              warmup: float = 1.0) -> Result:
    """Send ``rate`` requests per second to ``url`` for ``seconds`` (after ``warmup`` seconds
    at the same rate, not counted); ``make(i)`` gives request ``i``'s body and headers."""
    parts = urlsplit(url)
    host, port, path = parts.hostname, parts.port or 80, parts.path or "/"
    total_warm, total = int(rate * warmup), int(rate * seconds)
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    result = Result(rate=rate, achieved=0.0)
    counted: list[float] = []

    async def client() -> None:
        reader = writer = None
        while (item := await queue.get()) is not None:
            number, due = item
            body, headers = make(number)
            head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                status = await _exchange(reader, writer, head, body)
            except _Closed as closed:
                status, writer = closed.status, None
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                status, writer = 0, None
            done = time.perf_counter()
            if number >= total_warm:
                counted.append(done)
                result.latencies_ms.append((done - due) * 1000)
                if not 200 <= status < 300:
                    result.errors += 1
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(client()) for _ in range(connections)]
    start = time.perf_counter() + 0.05
    for number in range(total_warm + total):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.late_ms = max(result.late_ms, -delay * 1000)
        queue.put_nowait((number, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    measured_start = start + total_warm / rate
    if counted:
        result.achieved = len(counted) / max(max(counted) - measured_start, seconds)
    return result


def constant_rate(url: str, rate: float, seconds: float, make: Request, **options) -> Result:
    """:func:`run` from synchronous code."""
    return asyncio.run(run(url, rate, seconds, make, **options))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    result = constant_rate(args.url, args.rate, args.seconds, lambda _i: (b"{}", {"Content-Type": "application/json"}),
                           connections=args.connections)
    print(result.line())
    print(f"median {statistics.median(result.latencies_ms):.1f} ms over {len(result.latencies_ms)} requests")


if __name__ == "__main__":
    main()
