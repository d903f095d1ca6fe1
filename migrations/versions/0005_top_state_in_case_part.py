"""Move the top workflow's state from the case row to case_part (key 'top').

Every use case updates the case row (its version is the optimistic lock). With the ~20 KB
state inside, SQLite rewrote the row's overflow pages on every update, and every case took a
whole page in list scans. The row is now small; the state is written only when it changed.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO case_part (case_id, part_key, state) SELECT id, 'top', state FROM \"case\""
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("state")


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE \"case\" SET state = (SELECT state FROM case_part "
        "WHERE case_part.case_id = \"case\".id AND case_part.part_key = 'top')"
    )
    op.execute("DELETE FROM case_part WHERE part_key = 'top'")
