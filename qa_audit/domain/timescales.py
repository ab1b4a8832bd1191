"""Case types and the timescales delay is measured against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PUBLIC_LAW_WEEKS = 26
"""The Public Law Outline's expectation for care proceedings."""
ALLOCATION_WORKING_DAYS = 2
"""A benchmark used for allocating a case to an FCA."""


@dataclass(frozen=True)
class CaseType:
    code: str
    label: str
    law_type: str


CASE_TYPES: dict[str, CaseType] = {
    c.code: c
    for c in (
        CaseType("care_order", "Care order", "public"),
        CaseType("supervision_order", "Supervision order", "public"),
        CaseType("epo", "Emergency protection order", "public"),
        CaseType("placement_order", "Placement order", "public"),
        CaseType("child_arrangements", "Child arrangements", "private"),
        CaseType("prohibited_steps", "Prohibited steps / specific issue", "private"),
    )
}


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days (Mon-Fri) after `start` up to and including `end`; 0 if end <= start."""
    if end <= start:
        return 0
    days = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def weeks_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 7


def over_timescale(issued: dt.date | None, concluded: dt.date | None, today: dt.date) -> bool:
    """Whether public-law proceedings ran (or are running) past 26 weeks."""
    if issued is None:
        return False
    return weeks_between(issued, concluded or today) > PUBLIC_LAW_WEEKS
