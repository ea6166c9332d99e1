"""The README's console screenshots, taken from a real `revhub demo` in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the demo in a temporary REVHUB_HOME on a free port, signs in as its admin user through
the sign-in form, and saves small PNGs of the overview, the outbox queue and a record page.
Debian's chromium is driven through Playwright's ``executable_path`` (never a downloaded browser).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("REVHUB_CHROMIUM", "/usr/bin/chromium")
PAGES = (("overview", "/"), ("outbox", "/outbox"), ("record", None))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit(f"the demo did not answer at {url} within {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--companies", type=int, default=8)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="revhub-shots-"))
    port = free_port()
    env = {**os.environ, "REVHUB_HOME": str(home), "REVHUB_PORT": str(port), "REVHUB_HOST": "127.0.0.1"}
    env.pop("REVHUB_DATABASE_URL", None)
    demo = subprocess.Popen([str(Path(sys.executable).with_name("revhub")), "demo", "--companies", str(args.companies)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        time.sleep(10)  # the first sync and drains settle
        password = (home / "demo_admin_password").read_text().strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1440, "height": 800}, device_scale_factor=1)
            page.goto(f"{url}/login")
            page.fill("input[name=name]", "admin")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            for name, path in PAGES:
                if path is None:  # the first invoice found by search
                    page.goto(f"{url}/search?q=INV")
                    page.locator("a[href^='/records/invoice/']").first.click()
                else:
                    page.goto(f"{url}{path}")
                page.wait_for_load_state("networkidle")
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"{target} ({target.stat().st_size // 1024} KB)")
            browser.close()
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=30)


if __name__ == "__main__":
    main()
