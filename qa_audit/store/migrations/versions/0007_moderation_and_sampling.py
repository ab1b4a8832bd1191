"""Moderation is blind until submitted; reproducible sample draws; indexes for themes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import qa_audit.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sample_draw",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("drawn_by", sa.Uuid(), nullable=False),
        sa.Column("drawn_at", qa_audit.store.types.UTCDateTime(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("picked", sa.Text(), nullable=False),
        sa.Column("region_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["drawn_by"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["region_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["org_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sample_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("overall_grade", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.add_column(sa.Column("submitted_at", qa_audit.store.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("decided_at", qa_audit.store.types.UTCDateTime(),
                                      nullable=True))
        batch_op.create_foreign_key("fk_moderation_sample", "sample_draw", ["sample_id"],
                                    ["id"])
        batch_op.create_index("ix_moderation_sample_id", ["sample_id"])
        batch_op.create_index("ix_moderation_moderator",
                              ["moderator_id", "submitted_at", "assessment_id"])
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index("ix_case_timescales", ["id", "law_type", "case_type", "issued_on",
                                                     "allocated_on", "concluded_on"])
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.create_index("ix_action_assessment_status_due",
                              ["assessment_id", "status", "due_on"])


def downgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_index("ix_action_assessment_status_due")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_timescales")
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_moderator")
        batch_op.drop_index("ix_moderation_sample_id")
        batch_op.drop_constraint("fk_moderation_sample", type_="foreignkey")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("overall_grade")
        batch_op.drop_column("sample_id")
    op.drop_table("sample_draw")
