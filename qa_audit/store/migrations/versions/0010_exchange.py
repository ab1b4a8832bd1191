"""Offline exchange: public keys, per-peer high-water marks, known versions, bundles seen

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from qa_audit.store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_key",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("signing_public", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("exchange_public", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sealed_private", sa.Text(), nullable=True),
        sa.Column("trusted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "exchange_peer",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("sent_seq", sa.Integer(), nullable=False),
        sa.Column("received_seq", sa.Integer(), nullable=False),
        sa.Column("last_exchange_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("peer_id"),
    )
    op.create_table(
        "exchange_known",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "record_id"),
    )
    op.create_table(
        "exchange_bundle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for name in ("exchange_bundle", "exchange_known", "exchange_peer", "exchange_key"):
        op.drop_table(name)
