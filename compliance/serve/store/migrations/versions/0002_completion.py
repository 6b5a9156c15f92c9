"""Each submission's 完成率 kept beside its counts (periods judged, met), so the history's trend by month reads two
numbers instead of every findings.json; submissions made before are filled in from their findings.json.

Revision ID: 0002
Revises: 0001
"""

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def completion(findings: bytes) -> tuple[int, int]:
    """(judged, met) over every organisation and year of a findings.json's ``stats.by_org``."""
    by_org = json.loads(zlib.decompress(findings))["stats"]["by_org"]
    return sum(item["judged"] for item in by_org), sum(item["met"] for item in by_org)


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("judged", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("met", sa.Integer, nullable=False, server_default="0"))
    table = sa.table("submissions", sa.column("id", sa.Integer), sa.column("findings", sa.LargeBinary),
                     sa.column("judged", sa.Integer), sa.column("met", sa.Integer))
    connection = op.get_bind()
    for row in connection.execute(sa.select(table.c.id, table.c.findings)).all():
        judged, met = completion(row.findings)
        connection.execute(table.update().where(table.c.id == row.id).values(judged=judged, met=met))
