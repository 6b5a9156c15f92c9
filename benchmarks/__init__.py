"""Benchmarks of the package, each a module run with ``python -m benchmarks.<name>``."""

# Every benchmark runs as a check's process does: the package imported before numpy, so that what it sets for the
# process (compliance/__init__.py: numpy's huge-page advice) holds for what is measured.
import compliance  # noqa: F401
