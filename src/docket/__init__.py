"""Docket: a self-hosted data coordination portal."""

__version__ = "0.1.0"
