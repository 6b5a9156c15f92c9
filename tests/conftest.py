"""For every test: openpyxl writes as the package has it write (its own XML writer, lxml or not), also when a
test module imports openpyxl before the package."""

import os

os.environ.setdefault("OPENPYXL_LXML", "False")
