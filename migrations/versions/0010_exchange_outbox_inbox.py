"""Letters between deployments: the outbox (with sender leases), the inbox and relay receipts.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("transfer_key", sa.String(100), nullable=False),
        sa.Column("from_region", sa.String(6), nullable=False),
        sa.Column("to_region", sa.String(6), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("endpoint", sa.String(300), nullable=False),
        sa.Column("peer", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox_message", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_message_transfer_key", "outbox_message", ["transfer_key"])
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("from_region", sa.String(6), nullable=False),
        sa.Column("to_region", sa.String(6), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("transfer_key", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_inbox_message_transfer_key", "inbox_message", ["transfer_key"])
    op.create_table(
        "relay_receipt",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("relay_receipt")
    op.drop_index("ix_inbox_message_transfer_key", table_name="inbox_message")
    op.drop_table("inbox_message")
    op.drop_index("ix_outbox_message_transfer_key", table_name="outbox_message")
    op.drop_index("ix_outbox_due", table_name="outbox_message")
    op.drop_table("outbox_message")
