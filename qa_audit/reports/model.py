"""Plain data for reports, prepared (and permission-checked) by the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

SCANNED_NOTE = (
    "Free text in this copy (evidence, commentary, notes, reflections, actions, addenda) "
    "was scanned for the names, name parts and usernames of everyone in this database and "
    "for every case reference, and they were replaced by the stand-ins used above (The "
    "practitioner, The supervisor, Another person, REF-…). It may still identify people "
    "or places the database does not know, such as a child's or a relative's name: read "
    "it before sharing.")


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

    @property
    def purpose(self) -> str:
        """Whom the copy is for and what it is for, printed under the title."""
        return {
            "practitioner": "For the practitioner's own records (appraisal, registration "
                            "portfolio); includes their own unsigned draft reflection.",
            "manager": "For the supervisor and line management.",
            "pseudonymised": "For quality work and sharing beyond the team: no names; case "
                             "references replaced by stand-ins.",
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
    practitioner_comment: str = ""  # her comment under this standard's feedback


@dataclass(frozen=True)
class ActionEntry:
    text: str
    standard: str
    owner: str
    due: dt.date | None
    status: str
    completed: dt.date | None = None


@dataclass(frozen=True)
class AddendumEntry:
    author: str
    written_at: dt.datetime
    text: str


@dataclass(frozen=True)
class TeamContext:
    """How the team's assessments against the same framework were judged in the same
    quarter (manager's copy): counts under the smallest count shown are withheld."""

    team: str
    quarter: str
    overall: tuple[tuple[str, int | None], ...]  # (grade in words, count or None: hidden)
    total: int | None  # None: hidden (domain/disclosure.py)


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
    addenda: tuple[AddendumEntry, ...] = field(default_factory=tuple)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    note: str = ""  # where the assessment stands, at the top of every page
    reply: str = ""  # the supervisor's reply to the practitioner's reasons
    reply_at: dt.datetime | None = None
    reply_by: str = ""
    moderation: str = ""  # the moderation outcome, when there is one
    team_context: TeamContext | None = None
    scanned: bool = False  # free text scanned for names (pseudonymised copies)


@dataclass(frozen=True)
class DiscussedAssessment:
    """One assessment as it appears in a session record or a period summary."""

    assessed_on: dt.date
    case_reference: str
    kind: str
    framework: str
    status: str
    overall: str
    grades: tuple[tuple[str, str], ...] = ()  # (standard title, grade in words)


@dataclass(frozen=True)
class PromptEntry:
    standard: str
    grade: str
    text: str


@dataclass(frozen=True)
class SessionReport:
    profile: Profile
    marking: str
    draft: bool
    held_on: dt.date
    supervisor: str
    practitioner: str
    notes: tuple[tuple[str, str], ...]  # (stage label, notes) in reflective-cycle order
    practitioner_reflection: str
    assessments: tuple[DiscussedAssessment, ...]
    prompts: tuple[PromptEntry, ...]
    actions: tuple[ActionEntry, ...]
    supervisor_signed: dt.datetime | None
    practitioner_signed: dt.datetime | None
    prepared_by: str
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    note: str = ""
    scanned: bool = False


@dataclass(frozen=True)
class StandardTally:
    """How often each grade was given to one standard (codes of the framework's scale)."""

    area: str
    title: str
    counts: tuple[tuple[str, int], ...]  # (grade code, count), in scale order
    not_applicable: int = 0

    @property
    def graded(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class TimePoint:
    when: dt.date
    grade_code: str
    score: float


@dataclass(frozen=True)
class FrameworkSection:
    """Everything a summary says about the assessments made against one framework."""

    framework: str
    scale: tuple[GradeBand, ...]
    standards: tuple[StandardTally, ...]
    overall: tuple[TimePoint, ...] = ()  # overall grades over time (period summary)
    quarters: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()  # quarter -> counts


@dataclass(frozen=True)
class ActionCounts:
    total: int
    done: int
    done_on_time: int
    open: int
    overdue: int


@dataclass(frozen=True)
class ReflectionEntry:
    assessed_on: dt.date
    case_reference: str
    agreement: str
    reflection: str
    reasons: str = ""  # why the practitioner did not fully agree


@dataclass(frozen=True)
class SessionEntry:
    """A supervision session held in a period, with the actions agreed in it."""

    held_on: dt.date
    supervisor: str
    signed: str
    actions: tuple[ActionEntry, ...]


@dataclass(frozen=True)
class PeriodReport:
    """One practitioner's period, as a reflective cycle."""

    profile: Profile
    marking: str
    practitioner: str
    team: str
    date_from: dt.date
    date_to: dt.date
    assessments: tuple[DiscussedAssessment, ...]
    sections: tuple[FrameworkSection, ...]
    reflections: tuple[ReflectionEntry, ...]
    strengths: tuple[tuple[str, int, int], ...]  # (standard, times at best grade, times graded)
    development: tuple[tuple[str, int, int], ...]  # (standard, times below second-best, graded)
    actions: tuple[ActionEntry, ...]
    action_counts: ActionCounts
    prepared_by: str
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    sessions: tuple[SessionEntry, ...] = ()
    scanned: bool = False


@dataclass(frozen=True)
class TeamReport:
    """A team's practice over a period: distributions and trends, never individuals."""

    profile: Profile
    marking: str
    team: str
    region: str
    date_from: dt.date
    date_to: dt.date
    status_counts: tuple[tuple[str, int], ...]
    sections: tuple[FrameworkSection, ...]
    action_counts: ActionCounts
    prepared_by: str
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # (standard, times below the second-best grade, times graded), most frequent first
    development: tuple[tuple[str, int, int], ...] = ()
    overdue: tuple[ActionEntry, ...] = ()
    scanned: bool = False
    themes: ThemesFigures | None = None
    """The Themes view's figures, when the summary is exported from there."""


# -- the Themes view's figures in the team summary (issue 17) -------------------------------
@dataclass(frozen=True)
class HeatFigure:
    """One team x standard cell: assessments graded at the second-best grade or better, of
    those graded; `too_few` when fewer than the threshold were graded."""

    good: int
    graded: int
    too_few: bool
    withheld: bool = False
    """The share is not shown (domain/disclosure.py): too few graded, or 1 to 4 on one
    side of the second-best grade."""


@dataclass(frozen=True)
class DelayFigure:
    team: str
    cases: int
    allocated: int
    allocated_late: int
    mean_allocation_days: float | None
    public_cases: int
    over_timescale: int
    mean_duration_weeks: float | None


@dataclass(frozen=True)
class ThemesFigures:
    filters: tuple[tuple[str, str], ...]
    """(filter, value) as chosen in the Themes view."""
    good_code: str
    too_few: int
    standards: tuple[str, ...]
    teams: tuple[str, ...]
    cells: tuple[tuple[HeatFigure | None, ...], ...]
    """One row per team, one cell per standard (None: nothing graded)."""
    quarters: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    """Every quarter of the period with the grades given in it, in scale order."""
    benchmark_days: int
    timescale_weeks: int
    delay: tuple[DelayFigure, ...]
    quarter_assessments: tuple[int, ...] = ()
    """Assessments in each quarter: a quarter's grades (one per standard) from fewer than
    the threshold are not drawn."""
