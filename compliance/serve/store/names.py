"""Names the serve layer shares with the district's routes, in a module of the standard library only: the guard
reads them on every request, with or without a store, and must not import SQLAlchemy to do so."""

UNIT_COOKIE = "compliance_unit"  # a unit's browser, let in by its link (separate from the admin's session)
UNIT_KEY = "compliance.unit"  # the request scope's key for the unit asking (absent: the admin)
