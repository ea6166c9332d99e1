"""The books of tests/recon serve the report pages too."""

from tests.recon.conftest import books  # noqa: F401  (a fixture)
