"""The practitioner's comment under each standard's feedback

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

import sqlmodel

import qa_audit.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("standard_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fca_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", qa_audit.store.types.UTCDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fca_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_response_comment_standard", "response_comment",
                    ["assessment_id", "standard_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_response_comment_standard", table_name="response_comment")
    op.drop_table("response_comment")
