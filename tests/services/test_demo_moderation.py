"""The demo's moderation records follow the workflow: drawn by a quality lead with a
recorded seed, scored blind, submitted before any outcome, and only undecided moderations
of unfinalised audits hold them 'In moderation'."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import col

from qa_audit.domain.workflow import Status
from qa_audit.resources import shipped_frameworks
from qa_audit.services.demo import generate_demo
from qa_audit.store.tables import Assessment, Moderation, SampleDraw, User


def test_demo_moderation_follows_the_workflow(store) -> None:
    summary = generate_demo(store, assessments=600, seed=11, frameworks=shipped_frameworks())
    with store.reading() as session:
        draws = session.execute(select(SampleDraw)).scalars().all()
        rows = session.execute(select(Moderation, Assessment).join(
            Assessment, col(Assessment.id) == col(Moderation.assessment_id))).all()
        leads = {u.id for u in session.execute(select(User).where(
            col(User.role) == "quality_lead")).scalars()}
        held = session.execute(select(Assessment.id).where(
            col(Assessment.status) == Status.MODERATION.value)).scalars().all()
    assert draws and all(d.kind == "moderation" and d.drawn_by in leads for d in draws)
    picked = {aid for d in draws for aid in json.loads(d.picked)}
    assert rows and {str(m.assessment_id) for m, _ in rows} == picked
    for m, a in rows:
        assert m.sample_id in {d.id for d in draws}
        assert m.moderator_id in leads and a.region_id is not None
        assert a.kind == "case_audit"
        if m.outcome:
            assert m.submitted_at is not None and m.decided_at is not None
            assert a.status != Status.MODERATION.value  # out of moderation once decided
        if a.status == Status.MODERATION.value:
            assert not m.outcome
    assert {m.assessment_id for m, a in rows if a.status == Status.MODERATION.value} == set(
        held)  # nothing sits in moderation without a moderation record
    stages = summary.moderation
    assert stages["drawn"] == len(rows)
    assert 0 < stages["decided"] <= stages["scored"] < stages["drawn"]
    assert summary.by_status.get("moderation", 0) == len(held)
