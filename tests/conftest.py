"""For every test: openpyxl writes as the package has it write (its own XML writer, lxml or not), also when a
test module imports openpyxl before the package; and nothing a command froze outlives its test."""

import gc
import os

import pytest

os.environ.setdefault("OPENPYXL_LXML", "False")


@pytest.fixture(autouse=True)
def _nothing_frozen_after():
    """A command run in this process (``CliRunner``) freezes what its stages made (``gc.freeze``, as the command
    line does: its process ends with the run). Here the process goes on: each later roster read's
    ``gc.get_freeze_count()`` would walk every object frozen so far — the long fuzz profile's roster property took
    9.7 min after the whole-command property, 43 s alone. Unfrozen after each test (a constant-time move)."""
    yield
    gc.unfreeze()
