"""compliance：检查学校党组织活动台账是否符合党建制度规定。

The pipeline runs one way, one package per stage:
config (rules.yaml, layout, limits) → intake (files → tables → records, the data-quality gate) → engine (the rule
kinds) → findings (one frozen table, waivers, baseline) → render (one module per output format); ``pipeline`` runs
the stages and ``cli`` is the thin command layer over it. ``domain``, ``errors``, ``spelling`` (one spelling for one
thing), ``frames`` and ``progress`` are shared by every stage.
"""

__version__ = "0.1.0"

import os as _os

# openpyxl writes workbooks through lxml when it is installed (python-docx, the minutes reader, brings it) and
# through the standard library otherwise — different bytes. The workbooks we write are the same bytes either way.
_os.environ.setdefault("OPENPYXL_LXML", "False")
