"""Ratings carry a copy of their assessment's scope facts (kept by the team store's server)

On the team store a rating's row-level security was a look-up of its assessment for every
rating read (a semi-join per rating in a themes aggregate). The server now keeps the
assessment's team, region, subject and status on each rating (triggers in
`store/policies.py`), and the covering grade index carries them, so the policy is a
comparison checked from the index. A local file gets the (empty, unused) columns too:
one schema on both backends.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("scope_team_id", "scope_region_id", "scope_subject_id", "scope_status")


def upgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_team_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_region_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_subject_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scope_status", sa.String(), nullable=True))
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
    op.drop_index("ix_rating_assessment_grade", table_name="rating")
    op.create_index("ix_rating_assessment_grade", "rating",
                    ["assessment_id", "standard_id", "grade"],
                    postgresql_include=list(COLUMNS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_rating_assessment_grade", table_name="rating")
        op.create_index("ix_rating_assessment_grade", "rating",
                        ["assessment_id", "standard_id", "grade"])
    with op.batch_alter_table("rating", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
