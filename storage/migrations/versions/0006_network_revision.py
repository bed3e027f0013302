"""Network revision: a token that changes with every change to the pillars, topics and
pillar channels, so each process can keep the pillars between requests.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "network_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_network_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_revision")),
    )
    # A database with pillars gets its first token now; an empty one stays empty (an
    # import needs it so) and gets one with its first pillar.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM pillars")):
        op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("network_revision")
