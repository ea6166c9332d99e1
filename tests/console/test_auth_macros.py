"""The shared template macros other console pages build on (templates/_macros.html)."""

from __future__ import annotations

import pytest
from flask import render_template_string

pytestmark = pytest.mark.store


def _render(app, source: str, **context) -> str:
    with app.test_request_context("/"):
        return render_template_string('{% import "_macros.html" as ui %}' + source, **context)


@pytest.mark.parametrize("status, tone, icon", [("dead", "bad", "✕"), ("failed", "bad", "✕"),
                                                ("pending", "warn", "!"), ("retrying", "warn", "!"),
                                                ("processed", "ok", "✓"), ("whatever", "idle", "–")])
def test_a_status_badge_says_its_status_in_words_and_an_icon_not_only_colour(app, status, tone, icon):
    html = _render(app, "{{ ui.status_badge(s) }}", s=status)
    assert f'class="badge badge-{tone}"' in html and f'aria-hidden="true">{icon}</span>{status}' in html


def test_a_badge_escapes_what_it_shows(app):
    html = _render(app, "{{ ui.status_badge(s) }}", s="<img src=x onerror=alert(1)>")
    assert "<img" not in html and "&lt;img" in html


def test_pagination_links_and_disabled_ends(app):
    html = _render(app, "{{ ui.pagination(next_url='/q?page=2', summary='1–50 of 120', csv_url='/q.csv') }}")
    assert 'href="/q?page=2" rel="next"' in html and 'aria-disabled="true">← Previous' in html
    assert "1–50 of 120" in html and 'href="/q.csv" download' in html


def test_a_field_shows_its_error_beside_it(app):
    html = _render(app, "{{ ui.field('reason', 'Reason', errors) }}", errors={"reason": "reason: required"})
    assert 'aria-invalid="true" aria-describedby="f-reason-error"' in html
    assert '<p class="field-error" id="f-reason-error">reason: required</p>' in html


def test_an_action_button_is_a_csrf_protected_post_form(app):
    html = _render(app, "{{ ui.action_button('/outbox/7/retry', 'Retry', name='why', value='x') }}")
    assert 'method="post" action="/outbox/7/retry"' in html and 'name="csrf_token"' in html
    assert '<input type="hidden" name="why" value="x">' in html
