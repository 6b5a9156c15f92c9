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
# numpy asks Linux for transparent huge pages for every array of 4 MB or more (madvise). A check makes and frees
# hundreds of megabytes of such arrays, and each new one is faulted in 2 MB at a time: on the benchmark machine (a
# virtual machine, THP "madvise") such a fault took ~4 ms, and a 1M-record evaluation spent 0.8-1.0 of its
# 1.7-2.0 CPU s in the kernel, 0.15-0.25 s with ordinary pages for the same user time (numpy/numpy#31590 on why
# the advice can cost more than it saves). numpy reads this when it is imported: the command line imports the
# package first, and the processes it starts (the gate's helper, the server's workers) inherit it. A user's own
# setting wins; elsewhere than on Linux numpy gives no such advice.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
# pyarrow's allocator (mimalloc) does the same for its arenas, read when pyarrow is loaded: there the faults were
# most of the ledgers' read in the kernel (a 1M-record CSV's parse and columns, 0.2-0.75 s of kernel time against
# ~0.1 s with ordinary pages, the user time the same).
os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")

__version__ = "0.1.0"  # the one version: pyproject.toml reads it (dynamic = ["version"])
