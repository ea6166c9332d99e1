"""The notification cap cannot be raised past Salesforce's own 100 per message, and a cap
that makes no sense is refused as a settings error, not a 500."""

from __future__ import annotations

import pytest

from tests.webhooks.test_salesforce_outbound_auth import configure, message, post, stored  # noqa: F401

pytestmark = pytest.mark.store


def test_a_cap_set_above_100_still_refuses_101_notifications(hooked, db, configure):  # noqa: F811
    configure(outbound_max_notifications=5000)
    response = post(hooked, message(notifications=101))
    assert response.status_code == 400 and b"more than 100 notifications" in response.data
    assert stored(db) == 0
    assert post(hooked, message(notifications=100)).status_code == 200
    assert stored(db) == 100


@pytest.mark.parametrize("cap", [0, "many"])
def test_a_senseless_cap_is_a_settings_fault(hooked, db, configure, cap):  # noqa: F811
    configure(outbound_max_notifications=cap)
    response = post(hooked, message(notifications=1))
    assert response.status_code == 403 and b"Fault" in response.data
    assert stored(db) == 0
