"""How the console shows times (relative, with the UTC instant) and money (per currency exponent)."""

from datetime import UTC, date, datetime, timedelta

from revhub.console.formatting import money, money_text, relative_text, utc_text, when

NOW = datetime(2026, 11, 27, 17, 50, tzinfo=UTC)


def test_relative_times_use_the_largest_whole_unit_both_ways():
    assert relative_text(NOW - timedelta(minutes=3, seconds=20), NOW) == "3 min ago"
    assert relative_text(NOW - timedelta(seconds=2), NOW) == "just now"
    assert relative_text(NOW + timedelta(hours=2, minutes=5), NOW) == "in 2 h"
    assert relative_text(NOW - timedelta(days=61), NOW) == "61 d ago"
    assert relative_text(NOW - timedelta(days=800), NOW) == "2 y ago"


def test_a_time_element_carries_the_absolute_utc_instant():
    html = str(when(NOW - timedelta(minutes=3), NOW))
    assert html == ('<time datetime="2026-11-27T17:47:00+00:00" title="2026-11-27 17:47:00 UTC">'
                    "3 min ago</time>")
    assert utc_text(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05 UTC"  # naive read as UTC
    assert str(when(date(2026, 3, 1))) == '<time datetime="2026-03-01">2026-03-01</time>'
    assert "—" in str(when(None))


def test_money_respects_each_currencys_exponent():
    assert money_text(123450, "EUR") == "EUR 1,234.50"
    assert money_text(1235, "JPY") == "JPY 1,235"
    assert money_text(125, "KWD") == "KWD 0.125"
    assert money_text(-5, "usd") == "USD -0.05"
    assert money_text(None, "EUR") == "—"
    assert money_text(42, "ZZZ") == "42 ZZZ (minor units)"


def test_money_markup_escapes_a_hostile_currency():
    assert "<script>" not in str(money(1, "<script>"))
