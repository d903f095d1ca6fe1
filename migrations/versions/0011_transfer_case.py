"""The transfer-out case a contact letter from another deployment opened, by transfer key.

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
        sa.Column("transfer_key", sa.String(100), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("transfer_case")
