"""Open 督办 tasks of a transfer-out participant go to the transfer-out region's supervisors.

Before this, a transfer-out agency's supervision (`escalate_step_out`) in a deployment that
runs both sides was put in the transfer-in region. A claimed one is released: its claimer is
in the other region and can no longer open it.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE human_task
           SET region = (SELECT c.transfer_out_region FROM "case" c WHERE c.id = human_task.case_id),
               state = 'open', assignee = NULL, claimed_at = NULL
         WHERE task_spec = 'escalate_step_out'
           AND state IN ('open', 'claimed')
           AND region <> (SELECT c.transfer_out_region FROM "case" c WHERE c.id = human_task.case_id)
        """
    )


def downgrade() -> None:
    # The old placement was the defect; nothing to put back.
    pass
