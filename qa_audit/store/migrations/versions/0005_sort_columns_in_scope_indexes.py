"""Team and region scope indexes also hold the columns the assessment list sorts by

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SORTED_BY = ["subject_id", "author_id", "kind", "overall_grade", "updated_at"]
OLD = {
    "ix_assessment_team_date": ["team_id", "assessed_on", "status", "framework_version_id",
                                "case_id", "id"],
    "ix_assessment_region_date": ["region_id", "assessed_on", "status", "team_id",
                                  "framework_version_id", "case_id", "id"],
}
NEW = {name: [*columns, *SORTED_BY] for name, columns in OLD.items()}


def _replace(indexes: dict[str, list[str]]) -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns)


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    _replace(OLD)
