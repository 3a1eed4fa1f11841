"""Moderation and privacy: hide single answers; a minimum of answers before a chart shows.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("hidden", sa.Boolean, nullable=False, server_default="0"))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("min_answers_to_show", sa.Integer, nullable=False, server_default="3")
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("min_answers_to_show")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("hidden")
