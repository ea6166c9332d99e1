"""The PO desk shows each PO's ledger: ordered, invoiced, paid, remaining, expiry."""

import pytest

from tests.console.signin import signed_in
from tests.console.test_po_desk import submit  # noqa: F401  (the fixture)

pytestmark = pytest.mark.store


def test_a_po_page_shows_its_ledger(app, submit):  # noqa: F811
    po_id = submit()
    page = signed_in(app, "vic", "viewer").get(f"/purchase-orders/{po_id}").data.decode()
    ledger = page[page.index('id="po-ledger"'):]
    ledger = ledger[:ledger.index("</section>")]
    assert "Ordered</dt><dd>¥2,205,000" in ledger or "2,205,000" in ledger.split("Invoiced")[0]
    assert "Expires</dt><dd>2027-11-30" in ledger
