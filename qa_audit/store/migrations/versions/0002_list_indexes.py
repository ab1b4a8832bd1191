"""Indexes for lists read newest first within a team, region or author

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_team_status_date")
        batch_op.drop_index("ix_assessment_author_status")
        batch_op.drop_index("ix_assessment_region_id")
        batch_op.drop_index("ix_assessment_status")
        batch_op.drop_index("ix_assessment_subject_status")
        batch_op.create_index("ix_assessment_subject_date", ["subject_id", "assessed_on", "status"])
        batch_op.create_index("ix_assessment_team_date", ["team_id", "assessed_on", "status"])
        batch_op.create_index("ix_assessment_region_date", ["region_id", "assessed_on", "status"])
        batch_op.create_index("ix_assessment_author_date", ["author_id", "assessed_on", "status"])


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_author_date")
        batch_op.drop_index("ix_assessment_region_date")
        batch_op.drop_index("ix_assessment_team_date")
        batch_op.drop_index("ix_assessment_subject_date")
        batch_op.create_index("ix_assessment_subject_status", ["subject_id", "status"])
        batch_op.create_index("ix_assessment_status", ["status"])
        batch_op.create_index("ix_assessment_region_id", ["region_id"])
        batch_op.create_index("ix_assessment_author_status", ["author_id", "status"])
        batch_op.create_index("ix_assessment_team_status_date",
                              ["team_id", "status", "assessed_on"])
