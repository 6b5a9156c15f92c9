"""The store's tables as the newest migration leaves them (SQLAlchemy Core). The migrations under ``migrations/``
make them; this module is what the code reads and writes through, and never creates a table itself.

Times are ISO 8601 text in UTC (``2024-12-31T08:00:00Z``): the same on SQLite and PostgreSQL, sortable as text.
Blobs (uploaded files, findings.json, the report pages) are zlib-compressed.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, LargeBinary, MetaData, String, Table

metadata = MetaData()

links = Table(
    "links", metadata,
    Column("id", Integer, primary_key=True),
    Column("org", String(200), nullable=False, index=True),  # the roster's name of the unit
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token; the token is not kept
    Column("issued_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

files = Table(
    "files", metadata,
    Column("sha256", String(64), primary_key=True),  # content-addressed: a re-upload costs nothing
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary),  # None once --keep-days deleted it (what was found about it is kept)
    Column("stored_at", String(32), nullable=False),
    Column("deleted_at", String(32)),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("org", String(200), nullable=False, index=True),  # the unit that submitted (its scope's top)
    Column("link_id", Integer, ForeignKey("links.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("as_of", String(10), nullable=False),
    Column("period", String(32), nullable=False),
    Column("exit_code", Integer, nullable=False),
    Column("violation", Integer, nullable=False),
    Column("due", Integer, nullable=False),
    Column("unverifiable", Integer, nullable=False),
    Column("waived", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("findings", LargeBinary, nullable=False),  # findings.json as the check wrote it
    Column("judged", Integer, nullable=False, server_default="0"),  # 完成率 = met ÷ judged (migration 0002)
    Column("met", Integer, nullable=False, server_default="0"),
)

submission_files = Table(
    "submission_files", metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("field", String(16), nullable=False),  # ledgers, roster, layout, waivers
    Column("name", String(1000), nullable=False),  # as uploaded
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False, index=True),
)

reports = Table(
    "reports", metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("path", String(500), primary_key=True),  # index.html, orgs/….html, findings.xlsx
    Column("content", LargeBinary, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),  # 管理员, or the unit's name
    Column("action", String(32), nullable=False),  # submit, download, refused, link, revoke, expire
    Column("subject", String(1000), nullable=False),
    Column("address", String(64), nullable=False),
)
