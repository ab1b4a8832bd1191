"""Plain data for reports, prepared (and permission-checked) by the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Profile(StrEnum):
    """Whom an export is for."""

    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    PSEUDONYMISED = "pseudonymised"

    @property
    def label(self) -> str:
        return {
            "practitioner": "Practitioner copy",
            "manager": "Manager copy",
            "pseudonymised": "Pseudonymised copy: no names, case reference replaced",
        }[self.value]


@dataclass(frozen=True)
class GradeBand:
    code: str
    label: str
    score: float
    colour: str | None


@dataclass(frozen=True)
class StandardEntry:
    area: str
    title: str
    grade_code: str | None
    grade_label: str
    score: float | None
    indicators: tuple[str, ...]
    evidence: str
    commentary: str


@dataclass(frozen=True)
class ActionEntry:
    text: str
    standard: str
    owner: str
    due: dt.date | None
    status: str


@dataclass(frozen=True)
class AssessmentReport:
    title: str
    profile: Profile
    marking: str
    draft: bool
    kind: str
    status: str
    practitioner: str
    supervisor: str
    assessed_on: dt.date
    case_reference: str
    case_type: str
    law_type: str
    framework: str
    framework_hash: str
    scale: tuple[GradeBand, ...]
    overall: str
    standards: tuple[StandardEntry, ...]
    context: tuple[tuple[str, str], ...]
    childs_voice: str
    impact_of_delay: str
    strengths: str
    areas_for_development: str
    actions: tuple[ActionEntry, ...]
    reflection: str
    agreement: str
    reasons: str
    practitioner_signed: dt.datetime | None
    supervisor_signed: dt.datetime | None
    addenda: tuple[str, ...] = field(default_factory=tuple)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
