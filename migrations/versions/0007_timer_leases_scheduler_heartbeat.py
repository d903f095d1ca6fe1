"""Timer leases (claimed_by, lease_until) and the scheduler heartbeat table.

Any number of scheduler processes share the due timers: each claims some under a row lock
and writes a lease; a crashed claimer's timers are taken over once the lease has passed.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("poll_seconds", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeat")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
