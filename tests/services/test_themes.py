from __future__ import annotations

import pytest

from qa_audit.errors import PermissionDenied
from qa_audit.services.themes import grade_distribution


def test_distribution_counts_submitted_work_by_quarter(world) -> None:
    aid = world.finalised_audit()
    world.new_audit()  # a draft: not counted
    dist = grade_distribution(world.store, world.ql, "mini-standards")
    counts = {(c.standard_id, c.grade): c.count for c in dist.counts}
    assert counts == {("seen", "G"): 1, ("care-plan", "RI"): 1, ("sgo", "N/A"): 1}
    import datetime as dt

    today = dt.date.today()
    assert {c.quarter for c in dist.counts} == {f"{today.year}-Q{(today.month + 2) // 3}"}
    shares = dist.shares()
    assert all(abs(sum(v.values()) - 1.0) < 1e-9 for v in shares.values())
    assert not any(key[0] == "sgo" for key in shares)  # N/A only: no share
    assert aid


def test_fca_cannot_read_themes(world) -> None:
    with pytest.raises(PermissionDenied):
        grade_distribution(world.store, world.fca, "mini-standards")
