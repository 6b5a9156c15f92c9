"""The ``compliance`` command: a thin click layer (``commands``) in Chinese (``chinese``). ``run`` is the command
line as a process (``main`` and a quick exit)."""

from compliance.cli.commands import main, run

__all__ = ["main", "run"]
