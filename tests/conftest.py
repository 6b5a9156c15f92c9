"""Set before any test module imports openpyxl (several import it before compliance, which sets it too): openpyxl
writes through the standard library's XML, as it does without lxml — python-docx brings lxml along."""

import os

os.environ.setdefault("OPENPYXL_LXML", "False")
