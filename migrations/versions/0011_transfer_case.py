"""The transfer each case a letter from another deployment opened belongs to.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_case",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), primary_key=True),
        sa.Column("transfer_key", sa.String(100), nullable=False),
    )
    op.create_index("ix_transfer_case_transfer_key", "transfer_case", ["transfer_key"])


def downgrade() -> None:
    op.drop_index("ix_transfer_case_transfer_key", "transfer_case")
    op.drop_table("transfer_case")
