"""compliance：检查学校党组织活动台账是否符合党建制度规定。

The pipeline runs one way, and the modules are named for its stages:
catalogue (rules.yaml) → ingest (files) → normalise (canonical records) → validate (data quality)
→ evaluate (rules/ kinds) → render/ (outputs); cli is a thin layer over pipeline.run_check.
"""

__version__ = "0.1.0"
