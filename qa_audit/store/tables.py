"""The tables of DESIGN.md section 4.

UUID primary keys (records travel between machines), UTC timestamps and a
`row_version` on every mutable record for optimistic locking. The version belongs to
the mapper (SQLAlchemy's `version_id_col`): every UPDATE of such a row says
`WHERE row_version = <the version loaded>` and sets the next one, so a write over a row
someone else changed meanwhile matches nothing and is refused (`StaleDataError`, shown
as `StaleRecord`). No code sets `row_version` itself. JSON values (context answers,
ticked indicators, snapshots) are stored as canonical JSON text so that SQLite and
PostgreSQL behave the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, new_id, utcnow


def _ts(nullable: bool = False) -> Column[dt.datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Versioned:
    """A record people edit: its `row_version` column is the mapper's version counter."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}  # type: ignore[attr-defined]


class OrgUnit(Versioned, SQLModel, table=True):
    __tablename__ = "org_unit"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str
    kind: str = Field(index=True)  # region | service_area | team
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    region_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    row_version: int = 1


class User(Versioned, SQLModel, table=True):
    __tablename__ = "user_account"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    role: str
    team_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    active: bool = True
    password_hash: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1


class FrameworkVersion(SQLModel, table=True):
    __tablename__ = "framework_version"
    __table_args__ = (UniqueConstraint("framework_id", "version"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    framework_id: str = Field(index=True)
    version: str
    title: str
    sha256: str
    snapshot: str = Field(sa_column=Column(Text, nullable=False))
    imported_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class Case(Versioned, SQLModel, table=True):
    __tablename__ = "case_file"
    __table_args__ = (
        # Covering index for the themes' filters (law and case type) and delay figures
        # (allocation and duration): read by case id, never the table's rows.
        Index("ix_case_timescales", "id", "law_type", "case_type", "issued_on",
              "allocated_on", "concluded_on"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    reference: str = Field(unique=True, index=True)  # pseudonymised, never a child's name
    law_type: str
    case_type: str
    issued_on: dt.date | None = None
    allocated_on: dt.date | None = None
    first_hearing_on: dt.date | None = None
    concluded_on: dt.date | None = None
    team_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    fca_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    row_version: int = 1


# Columns the assessment list sorts by that its scope indexes would not hold otherwise.
SORTED_BY = ("subject_id", "author_id", "kind", "overall_grade", "updated_at")


class Assessment(Versioned, SQLModel, table=True):
    __tablename__ = "assessment"
    __table_args__ = (
        # Lists are read newest first within a scope: these let SQLite walk the index in
        # order and stop after one page instead of sorting the whole scope. They also carry
        # the case (for case-reference search), the id and, for team and region, what the
        # themes aggregate groups and joins by: a filtered count, a page of ids and the
        # aggregate never read the wide assessment rows, whose pages an encrypted database
        # must decrypt one by one. The team and region ones (the big scopes) also hold every
        # other column the list sorts by, so sorting a region by practitioner or grade reads
        # no assessment row either (170 ms -> under 20 ms on 33,000 encrypted rows).
        # On the team store they also carry the server's copy of the case reference, so
        # that a case-reference search there is read from the index as well.
        Index("ix_assessment_team_date", "team_id", "assessed_on", "status",
              "framework_version_id", "case_id", "id", *SORTED_BY,
              postgresql_include=["case_reference"]),
        Index("ix_assessment_region_date", "region_id", "assessed_on", "status", "team_id",
              "framework_version_id", "case_id", "id", *SORTED_BY,
              postgresql_include=["case_reference"]),
        Index("ix_assessment_author_date", "author_id", "assessed_on", "status", "case_id",
              "id", postgresql_include=["case_reference"]),
        Index("ix_assessment_subject_date", "subject_id", "assessed_on", "status", "case_id",
              "id", postgresql_include=["case_reference"]),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str
    framework_version_id: uuid.UUID = Field(foreign_key="framework_version.id", index=True)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case_file.id", index=True)
    subject_id: uuid.UUID = Field(foreign_key="user_account.id")
    author_id: uuid.UUID = Field(foreign_key="user_account.id")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")
    region_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")
    status: str = "draft"  # low selectivity: served by the scope indexes below instead
    assessed_on: dt.date = Field(index=True)
    context: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    childs_voice: str = Field(default="", sa_column=Column(Text, nullable=False))
    impact_of_delay: str = Field(default="", sa_column=Column(Text, nullable=False))
    strengths: str = Field(default="", sa_column=Column(Text, nullable=False))
    areas_for_development: str = Field(default="", sa_column=Column(Text, nullable=False))
    overall_grade: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    submitted_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    finalised_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    content_hash: str | None = None
    row_version: int = 1
    # The team store's copy of its case's reference, set by the server's triggers
    # (`store/policies.py`): a case-reference search there reads the assessments alone,
    # whose own policy already decides (whoever sees an assessment may see its case),
    # instead of every matching case through the case's policy. Empty on a local file.
    case_reference: str | None = None


RATING_SCOPE_COLUMNS = ("scope_team_id", "scope_region_id", "scope_subject_id", "scope_status")


class Rating(Versioned, SQLModel, table=True):
    __tablename__ = "rating"
    __table_args__ = (
        # An index, not a table constraint, so bulk loads can drop and rebuild it.
        Index("ux_rating_assessment_standard", "assessment_id", "standard_id", unique=True),
        # Covering index for grade aggregates: the assessments in scope come from their own
        # index, then each one's grades are read from this index alone, never the table
        # (whose pages, encrypted, cost a decryption each).
        # On the team store it also carries the assessment's scope facts copied onto the
        # rating, so that a rating's row-level security is checked from this index too.
        Index("ix_rating_assessment_grade", "assessment_id", "standard_id", "grade",
              postgresql_include=list(RATING_SCOPE_COLUMNS)),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", ondelete="CASCADE")
    standard_id: str
    grade: str | None = None  # a grade code, "N/A", or None while unrated
    indicators: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False))
    commentary: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1
    # The team store's copy of its assessment's scope facts, set by the server's triggers
    # (`store/policies.py`) whatever a client writes, so that the rating's row-level
    # security is a comparison on the row itself instead of a look-up of its assessment
    # per rating. Not used (and left empty) on a local file; never exchanged.
    scope_team_id: uuid.UUID | None = None
    scope_region_id: uuid.UUID | None = None
    scope_subject_id: uuid.UUID | None = None
    scope_status: str | None = None


class ActionItem(Versioned, SQLModel, table=True):
    __tablename__ = "action_item"
    __table_args__ = (
        Index("ix_action_owner_status_due", "owner_id", "status", "due_on"),
        # Themes count open / done / overdue actions of the assessments in view.
        Index("ix_action_assessment_status_due", "assessment_id", "status", "due_on"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID | None = Field(
        default=None, foreign_key="assessment.id", index=True, ondelete="CASCADE"
    )
    session_id: uuid.UUID | None = Field(
        default=None, foreign_key="supervision_session.id", index=True, ondelete="CASCADE"
    )
    standard_id: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    due_on: dt.date | None = None
    status: str = "open"  # open | done | cancelled
    agreed: bool = False
    completed_on: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1


class Response(Versioned, SQLModel, table=True):
    __tablename__ = "response"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", unique=True, ondelete="CASCADE")
    fca_id: uuid.UUID = Field(foreign_key="user_account.id")
    reflection: str = Field(default="", sa_column=Column(Text, nullable=False))
    agreement: str = "agree"  # agree | partly | disagree
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False))
    # What the practitioner last asked the supervisor to change (returning the assessment);
    # kept apart from `reasons`, which are theirs for the response.
    change_request: str = Field(default="", sa_column=Column(Text, nullable=False,
                                                              server_default=""))
    signed_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1


class SampleDraw(SQLModel, table=True):
    """A reproducible draw (moderation sample or cases to audit): its rules, seed and picks."""

    __tablename__ = "sample_draw"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str  # moderation | case_audit
    drawn_by: uuid.UUID = Field(foreign_key="user_account.id")
    drawn_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    seed: int
    rules: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    picked: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    region_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")


class Moderation(Versioned, SQLModel, table=True):
    """A second, blind scoring of an assessment by a quality lead. Until `submitted_at` is
    set, no service shows the moderator the original grades (services/blinding.py)."""

    __tablename__ = "moderation"
    __table_args__ = (
        # The blind filter every reading service applies: "assessments this actor still
        # has to score", read from the index alone.
        Index("ix_moderation_moderator", "moderator_id", "submitted_at", "assessment_id"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", index=True, ondelete="CASCADE")
    moderator_id: uuid.UUID = Field(foreign_key="user_account.id")
    ratings: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    agreement: float | None = None
    outcome: str = ""  # "" until decided | confirmed | changed
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    sample_id: uuid.UUID | None = Field(default=None, foreign_key="sample_draw.id", index=True)
    overall_grade: str | None = None
    submitted_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    row_version: int = 1


class SupervisionSession(Versioned, SQLModel, table=True):
    __tablename__ = "supervision_session"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    supervisor_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    fca_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")
    held_on: dt.date
    what_happened: str = Field(default="", sa_column=Column(Text, nullable=False))
    reflection: str = Field(default="", sa_column=Column(Text, nullable=False))
    analysis: str = Field(default="", sa_column=Column(Text, nullable=False))
    action_plan: str = Field(default="", sa_column=Column(Text, nullable=False))
    fca_reflection: str = Field(default="", sa_column=Column(Text, nullable=False))
    supervisor_signed_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    fca_signed_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    # When the record's content (notes, reflection, assessments discussed, actions) last
    # changed; setting it is what moves row_version when only linked rows changed.
    updated_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    row_version: int = 1


class SessionAssessment(SQLModel, table=True):
    __tablename__ = "session_assessment"
    session_id: uuid.UUID = Field(
        foreign_key="supervision_session.id", primary_key=True, ondelete="CASCADE"
    )
    assessment_id: uuid.UUID = Field(
        foreign_key="assessment.id", primary_key=True, ondelete="CASCADE"
    )


class Addendum(SQLModel, table=True):
    __tablename__ = "addendum"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", index=True, ondelete="CASCADE")
    author_id: uuid.UUID = Field(foreign_key="user_account.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained. Never case content: who did what to which record."""

    __tablename__ = "audit_event"
    seq: int | None = Field(default=None, primary_key=True)
    id: uuid.UUID = Field(default_factory=new_id, unique=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    actor_id: uuid.UUID | None = None
    action: str
    entity: str
    entity_id: str = ""
    prev_hash: str
    hash: str
    signature: str = Field(default="", sa_column=Column(Text, nullable=False,
                                                          server_default=""))
    """The actor's Ed25519 signature of `hash` (base64); empty for events without a
    signing actor (the system, failed sign-ins, a database without encryption)."""


class Setting(SQLModel, table=True):
    """Per-database settings (protective marking, retention...), as JSON values."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


class ResponseReply(Versioned, SQLModel, table=True):
    """The supervisor's reply to the practitioner's reasons for not fully agreeing: its own
    record, written by the supervisor (the response itself is the practitioner's)."""

    __tablename__ = "response_reply"
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", primary_key=True,
                                     ondelete="CASCADE")
    author_id: uuid.UUID = Field(foreign_key="user_account.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    written_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1


class ResponseComment(Versioned, SQLModel, table=True):
    """The practitioner's short comment under one standard's feedback: part of her
    response (the same one writer, the same workflow: written while the assessment is with
    her, frozen when she signs). Every change also moves the response's version, so the
    response travels, and is checked for conflicts, as one record with its comments."""

    __tablename__ = "response_comment"
    __table_args__ = (
        Index("ux_response_comment_standard", "assessment_id", "standard_id", unique=True),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", ondelete="CASCADE")
    standard_id: str
    fca_id: uuid.UUID = Field(foreign_key="user_account.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    row_version: int = 1


# -- offline exchange (bundles now, sync with the team store later) ---------------------------


class ExchangeKey(SQLModel, table=True):
    """An account's public keys for signed, encrypted bundles: its Ed25519 signing key and
    its X25519 key. For an account of this database, also its private keys sealed by its
    password (until the key file holds them); for someone else's, when the person here
    confirmed its fingerprint."""

    __tablename__ = "exchange_key"
    user_id: uuid.UUID = Field(primary_key=True)
    username: str
    signing_public: str
    exchange_public: str
    sealed_private: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    trusted_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ExchangePeer(SQLModel, table=True):
    """Per peer (the other person of a bundle, or a team store): the high-water marks of
    what was exchanged with it."""

    __tablename__ = "exchange_peer"
    peer_id: uuid.UUID = Field(primary_key=True)
    sent_seq: int = 0
    received_seq: int = 0
    last_exchange_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ExchangeKnown(SQLModel, table=True):
    """The version of each record last exchanged with a peer: a record changed here and
    there since then is a conflict, never overwritten."""

    __tablename__ = "exchange_known"
    peer_id: uuid.UUID = Field(primary_key=True)
    record_id: uuid.UUID = Field(primary_key=True)
    row_version: int


class ExchangeBundle(SQLModel, table=True):
    """Bundles imported here, so that none is imported twice."""

    __tablename__ = "exchange_bundle"
    id: uuid.UUID = Field(primary_key=True)
    sender_id: uuid.UUID
    recipient_id: uuid.UUID
    seq: int
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


# -- personal copies of a team store (sync) --------------------------------------------------


class PersonalCopy(SQLModel, table=True):
    """This database is one person's own copy of a team store (one row, or none): which
    store (its address without any login), whose, and when it last synced. `team_peer_id`
    names the team store in `exchange_known`, whose versions are the base of each sync."""

    __tablename__ = "personal_copy"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    team_target: str = Field(sa_column=Column(Text, nullable=False))
    team_peer_id: uuid.UUID
    owner_id: uuid.UUID
    owner_username: str
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_synced_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SyncConflict(SQLModel, table=True):
    """A record changed in the copy and on the team store since the last sync (or a change
    of the copy the team store refused): kept apart, listed, until the person resolves it.
    No version is overwritten while it is here."""

    __tablename__ = "sync_conflict"
    record_id: uuid.UUID = Field(primary_key=True)
    kind: str
    label: str = Field(sa_column=Column(Text, nullable=False))
    mine_summary: str = Field(sa_column=Column(Text, nullable=False))
    theirs_summary: str = Field(sa_column=Column(Text, nullable=False))
    refused: bool = False  # the team store refused mine (not a change on both sides)
    found_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
