"""Scope indexes of assessments also cover case, id and the themes aggregate's columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW = {
    "ix_assessment_team_date": ["team_id", "assessed_on", "status", "framework_version_id",
                                "case_id", "id"],
    "ix_assessment_region_date": ["region_id", "assessed_on", "status", "team_id",
                                  "framework_version_id", "case_id", "id"],
    "ix_assessment_author_date": ["author_id", "assessed_on", "status", "case_id", "id"],
    "ix_assessment_subject_date": ["subject_id", "assessed_on", "status", "case_id", "id"],
}
OLD = {
    "ix_assessment_team_date": ["team_id", "assessed_on", "status"],
    "ix_assessment_region_date": ["region_id", "assessed_on", "status"],
    "ix_assessment_author_date": ["author_id", "assessed_on", "status"],
    "ix_assessment_subject_date": ["subject_id", "assessed_on", "status"],
}


def _replace(indexes: dict[str, list[str]]) -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns)


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    _replace(OLD)
