"""Every table that holds case content has row-level security on the team store: a new
table of an assessment's or a supervision record's parts cannot be forgotten."""

from __future__ import annotations

from sqlmodel import SQLModel

import qa_audit.store.tables  # noqa: F401  (the tables, registered on the metadata)
from qa_audit.store.policies import CASE_CONTENT_TABLES


def test_every_table_of_an_assessments_or_sessions_parts_is_secured() -> None:
    parts = {t.name for t in SQLModel.metadata.sorted_tables
             if {"assessment_id", "session_id"} & set(t.columns.keys())
             and not t.name.startswith("exchange_")}
    assert "response_comment" in parts  # the newest: the practitioner's comments
    assert parts <= set(CASE_CONTENT_TABLES), parts - set(CASE_CONTENT_TABLES)
