"""Trust: the Slack workspaces and Entra ID tenants the network believes, the Enterprise
Grid organisation of a Slack identity, and tombstones of erased members.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("network") as batch:
        batch.add_column(
            sa.Column("slack_workspaces", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("teams_tenants", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("teams_tenant", sa.String(length=255), nullable=True))
    with op.batch_alter_table("identities") as batch:
        batch.add_column(
            sa.Column("enterprise", sa.String(length=255), nullable=False, server_default="")
        )
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
        sa.UniqueConstraint("email_hash", name=op.f("uq_tombstones_email_hash")),
    )
    op.create_table(
        "tombstone_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_tombstone_key_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone_key")),
    )


def downgrade() -> None:
    op.drop_table("tombstone_key")
    op.drop_table("tombstones")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("enterprise")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("teams_tenant")
    with op.batch_alter_table("network") as batch:
        batch.drop_column("teams_tenants")
        batch.drop_column("slack_workspaces")
