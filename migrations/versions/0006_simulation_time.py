"""The simulated clock of a simulated deployment, in the database so every process shares it.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simulation_time",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("now_at", UTCDateTime(), nullable=False),
        sa.Column("moved_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("simulation_time")
