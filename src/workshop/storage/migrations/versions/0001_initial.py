"""Initial schema: sessions, prompts, participants, answers.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from workshop.storage.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("template_slug", sa.String(100), nullable=False, server_default=""),
        sa.Column("facilitator_key_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("current_position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("answering_open", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("results_visible", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("prompt_count", sa.Integer, nullable=False),
        sa.Column("participant_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("code", name="uq_sessions_code"),
    )
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("results_mode", sa.String(12), nullable=False, server_default="live"),
        sa.Column("config", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name="pk_prompts"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            ondelete="CASCADE",
            name="fk_prompts_session_id_sessions",
        ),
        sa.UniqueConstraint("session_id", "position", name="uq_prompts_session_id_position"),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            ondelete="CASCADE",
            name="fk_participants_session_id_sessions",
        ),
        sa.UniqueConstraint(
            "session_id", "token_hash", name="uq_participants_session_id_token_hash"
        ),
        sa.UniqueConstraint("session_id", "number", name="uq_participants_session_id_number"),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("prompt_id", sa.Integer, nullable=False),
        sa.Column("participant_id", sa.Integer, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("answered_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            ondelete="CASCADE",
            name="fk_answers_session_id_sessions",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            ondelete="CASCADE",
            name="fk_answers_prompt_id_prompts",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            ondelete="CASCADE",
            name="fk_answers_participant_id_participants",
        ),
        sa.UniqueConstraint(
            "prompt_id", "participant_id", name="uq_answers_prompt_id_participant_id"
        ),
    )
    op.create_index("ix_answers_session_id", "answers", ["session_id"])


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_table("participants")
    op.drop_table("prompts")
    op.drop_table("sessions")
