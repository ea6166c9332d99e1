"""VAT: revhub's tax codes, per-line tax computed as Xero computes it, and each code's place in
Xero (a tax type per connection) and Stripe (a tax rate per account)."""

from revhub.tax.codes import TAX_CODES, TaxCode, TaxCodeError, tax_code
from revhub.tax.compute import Totals, line_tax, totals

__all__ = ["TAX_CODES", "TaxCode", "TaxCodeError", "Totals", "line_tax", "tax_code", "totals"]
