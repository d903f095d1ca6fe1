"""Indexes for searching cases by applicant name and by transfer-out region.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_applicant_name", "case", ["applicant_name"])
    op.create_index("ix_case_transfer_out_region", "case", ["transfer_out_region"])


def downgrade() -> None:
    op.drop_index("ix_case_transfer_out_region", table_name="case")
    op.drop_index("ix_case_applicant_name", table_name="case")
