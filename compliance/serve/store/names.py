"""What the serve layer and the command line share with the district's store, in a module of the standard library
only: the guard reads these names on every request, with or without a store, and ``compliance --help`` must not
import SQLAlchemy to show the options."""

from __future__ import annotations

from compliance.errors import InputError

UNIT_COOKIE = "compliance_unit"  # a unit's browser, let in by its link (separate from the admin's session)
UNIT_KEY = "compliance.unit"  # the request scope's key for the unit asking (absent: the admin)
_PARTS = ("sqlalchemy", "alembic", "mako")


def open_store(target: str):
    """The store at ``target`` (a path or a database URL), migrated; a clear message when the district's
    components (the ``district`` extra) are not installed."""
    try:
        from compliance.serve.store.store import Store
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _PARTS:
            raise
        raise InputError(f"--store 需要数据库组件 {exc.name}，尚未安装：请运行 "
                         "python3 -m pip install -c requirements/lock.txt \"compliance[district]\"",
                         column="--store") from None
    return Store(target)
