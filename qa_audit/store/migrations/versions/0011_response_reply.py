"""The supervisor's reply to the practitioner's reasons for not fully agreeing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

import qa_audit.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_reply",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", qa_audit.store.types.UTCDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("assessment_id"),
    )


def downgrade() -> None:
    op.drop_table("response_reply")
