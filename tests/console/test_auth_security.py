"""Security headers on every response, the session cookie's flags, no inline script or style in
any template, and the vendored front-end files matching their manifest and package.json."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.signin import PASSWORD, csrf, ensure_user, sign_in

pytestmark = pytest.mark.store

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "revhub" / "console" / "templates"
VENDOR = ROOT / "revhub" / "console" / "static" / "vendor"


@pytest.mark.parametrize("path", ["/login", "/", "/healthz", "/api/purchase-orders/x", "/no-such-page",
                                  "/static/app.css"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app, db):
    ensure_user(db, "dana", "viewer")
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        page = client.get("/login", base_url=base).data
        # Over https Flask-WTF also wants a same-origin Referer (a browser sends it: same-origin policy).
        form = {"csrf_token": csrf(page), "name": "dana", "password": PASSWORD}
        response = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"}, data=form)
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("revhub_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure
    assert "Strict-Transport-Security" in response.headers


def test_a_signed_in_page_is_not_cached(app, db):
    client = app.test_client()
    sign_in(client, db)
    assert client.get("/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_inline_script_style_or_event_handlers(template):
    text = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "inline <style>"
    assert not re.search(r"\sstyle\s*=", text), "style= attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "on*= event handler"
    assert "javascript:" not in text


def test_the_vendored_files_match_their_manifest_and_package_json():
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert {e["package"] for e in manifest} == set(wanted) == {"htmx.org", "chart.js", "axe-core"}
    for entry in manifest:
        data = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{entry['file']} was edited by hand"
        assert entry["version"] == wanted[entry["package"]] == locked[f"node_modules/{entry['package']}"]["version"]
    assert sorted(p.name for p in VENDOR.iterdir()) == sorted([e["file"] for e in manifest] + ["manifest.json"])


def test_base_layout_loads_htmx_from_the_vendored_copy(app, db):
    client = app.test_client()
    sign_in(client, db)
    page = client.get("/").get_data(as_text=True)
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in page
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
