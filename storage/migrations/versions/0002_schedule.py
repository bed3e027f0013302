"""The schedule: reminder moments handled per round, the last morning's reminder, and
deliveries whose last attempt may have reached the platform.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(
            sa.Column("reminders_done", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "remind_last_morning", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("uncertain")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("remind_last_morning")
        batch.drop_column("reminders_done")
