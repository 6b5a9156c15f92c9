"""Stage 3, findings: the judgements as one frozen table (``table``), marked by waivers and a baseline, and the
documented finding dicts every output reads (``view``)."""
