"""Single sign-on link and must-change-password: a staff account may be linked to one subject of
the OIDC provider; an administrator's password reset makes the next password sign-in change it;
a session remembers how it was signed in (password or sso).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("sso_subject", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_index("ix_user_sso_subject", "user", ["sso_subject"], unique=True)
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=16), nullable=False, server_default="password")
        )


def downgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("method")
    op.drop_index("ix_user_sso_subject", table_name="user")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("sso_subject")
