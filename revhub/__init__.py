"""revhub: integration hub for revenue operations."""

__version__ = "0.1.0"
