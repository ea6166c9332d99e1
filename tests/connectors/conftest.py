"""The integration fixtures (real sandboxes on loopback, the hub's store) for connector tests."""

from tests.integration.conftest import hub, sandboxes, vault  # noqa: F401  (pytest fixtures)
