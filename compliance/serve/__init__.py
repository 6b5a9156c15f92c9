"""The page and the HTTP API (``compliance serve``): uploads into private run folders, the pipeline in a warmed
pool of worker processes, the reports served with a strict policy. Start at ``app.py``."""
