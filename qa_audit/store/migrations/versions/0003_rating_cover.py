"""Grade aggregates read ratings from a covering index by assessment

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_standard_grade")
        batch_op.create_index("ix_rating_assessment_grade",
                              ["assessment_id", "standard_id", "grade"])


def downgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_assessment_grade")
        batch_op.create_index("ix_rating_standard_grade", ["standard_id", "grade", "assessment_id"])
