"""Ratings carry their assessment's scope facts, assessments their case's reference (copies
kept by the team store's server)

On the team store a rating's row-level security was a look-up of its assessment for every
rating read (a semi-join per rating in a themes aggregate). The server now keeps the
assessment's team, region, subject and status on each rating (triggers in
`store/policies.py`), and the covering grade index carries them, so the policy is a
comparison checked from the index. Likewise a case-reference search read every matching
case through the case's policy; the assessment now carries its case's reference. A local
file gets the (empty, unused) columns too: one schema on both backends.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("scope_team_id", "scope_region_id", "scope_subject_id", "scope_status")
# The list's scope indexes (as migration 0005 left them), now also carrying the case
# reference on PostgreSQL.
_SORTED_BY = ["subject_id", "author_id", "kind", "overall_grade", "updated_at"]
SCOPE_INDEXES = {
    "ix_assessment_team_date": ["team_id", "assessed_on", "status", "framework_version_id",
                                "case_id", "id", *_SORTED_BY],
    "ix_assessment_region_date": ["region_id", "assessed_on", "status", "team_id",
                                  "framework_version_id", "case_id", "id", *_SORTED_BY],
    "ix_assessment_author_date": ["author_id", "assessed_on", "status", "case_id", "id"],
    "ix_assessment_subject_date": ["subject_id", "assessed_on", "status", "case_id", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_team_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_region_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_subject_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_status", sa.String(), nullable=True))
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_reference", sa.String(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    # Existing ratings get their copy now (the finalised guard is for people's edits, not
    # this one-off fill by the owner); new ones get it from the server's triggers.
    # One statement over every rating: no statement timeout for this migration's transaction.
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("ALTER TABLE rating DISABLE TRIGGER USER")
    op.execute("""UPDATE rating SET scope_team_id = a.team_id, scope_region_id = a.region_id,
                      scope_subject_id = a.subject_id, scope_status = a.status
                  FROM assessment a WHERE a.id = rating.assessment_id""")
    op.execute("ALTER TABLE rating ENABLE TRIGGER USER")
    op.execute("ALTER TABLE assessment DISABLE TRIGGER USER")
    op.execute("""UPDATE assessment SET case_reference = c.reference FROM case_file c
                  WHERE c.id = assessment.case_id""")
    op.execute("ALTER TABLE assessment ENABLE TRIGGER USER")
    op.drop_index("ix_rating_assessment_grade", table_name="rating")
    op.create_index("ix_rating_assessment_grade", "rating",
                    ["assessment_id", "standard_id", "grade"],
                    postgresql_include=list(COLUMNS))
    for name, columns in SCOPE_INDEXES.items():
        op.drop_index(name, table_name="assessment")
        op.create_index(name, "assessment", columns, postgresql_include=["case_reference"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, columns in SCOPE_INDEXES.items():
            op.drop_index(name, table_name="assessment")
            op.create_index(name, "assessment", columns)
        op.drop_index("ix_rating_assessment_grade", table_name="rating")
        op.create_index("ix_rating_assessment_grade", "rating",
                        ["assessment_id", "standard_id", "grade"])
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("case_reference")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
