"""The ``compliance`` command: a thin click layer (``commands``) in Chinese (``chinese``)."""

from compliance.cli.commands import main

__all__ = ["main"]
