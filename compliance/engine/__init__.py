"""Stage 2, the engine: every rule of the catalogue judged through its kind (``kinds/``, one module each) over
the records, as whole-column counts; locally or per partition on a dask cluster."""
