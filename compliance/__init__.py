"""compliance：检查学校党组织活动台账是否符合党建制度规定。

The pipeline runs one way, one package per stage:
config (rules.yaml, layout, limits) → intake (files → tables → records, the data-quality gate) → engine (the rule
kinds) → findings (one frozen table, waivers, baseline) → render (one module per output format); ``pipeline`` runs
the stages and ``cli`` is the thin command layer over it. ``domain``, ``errors``, ``spelling`` (one spelling for one
thing), ``frames`` and ``progress`` are shared by every stage.
"""

import os

# openpyxl writes its XML through lxml when lxml is installed (python-docx brings it) and then writes it otherwise:
# the same workbook is to be the same bytes on every machine, so it always writes it its own way
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"  # the one version: pyproject.toml reads it (dynamic = ["version"])
