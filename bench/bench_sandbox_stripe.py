"""How fast the Stripe sandbox serves a 20,000-invoice list (so it never dominates sync benchmarks).

    .venv/bin/python bench/bench_sandbox_stripe.py
"""

import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.server import SandboxServer  # noqa: E402
from revhub.sandbox.stripe import StripeSandbox  # noqa: E402


def main(invoices_wanted: int = 20_000) -> None:
    sandbox = StripeSandbox()
    sample = generate(500, seed=3)
    companies = int(500 * invoices_wanted / len(sample.invoices)) + 1
    dataset = generate(companies, seed=3)
    while len(dataset.invoices) < invoices_wanted:
        companies += 100
        dataset = generate(companies, seed=3)
    started = time.perf_counter()
    sandbox.load_dataset(dataset)
    loaded = time.perf_counter() - started
    with SandboxServer(sandbox) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {sandbox.api_key}"
        count, pages, after = 0, 0, None
        started = time.perf_counter()
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            body = session.get(f"{server.url}/v1/invoices", params=params).json()
            count += len(body["data"])
            pages += 1
            if not body["has_more"]:
                break
            after = body["data"][-1]["id"]
        elapsed = time.perf_counter() - started
    sandbox.close()
    print(f"stripe sandbox: loaded {len(dataset.invoices)} invoices ({len(dataset.payments)} payments) "
          f"in {loaded:.1f} s")
    print(f"stripe sandbox: served {count} invoices "
          f"in {pages} pages in {elapsed:.2f} s = {count / elapsed:,.0f} records/s")


if __name__ == "__main__":
    main()
