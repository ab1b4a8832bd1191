"""Who may do what: a role x action matrix (data), plus the scope each role works in.

The matrix says whether a role may ever do an action; `Scope` says on which records:
supervisors work on their team's assessments, FCAs only on assessments about
themselves once submitted, quality leads read their region, heads of service read every
region (themes and assessments, out of draft) without editing anything, admins manage the
system but never read case content.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from qa_audit.errors import PermissionDenied


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    FCA = "fca"
    QUALITY_LEAD = "quality_lead"
    ADMIN = "admin"
    HEAD_OF_SERVICE = "head_of_service"

    @property
    def label(self) -> str:
        return {
            "supervisor": "supervisor",
            "fca": "practitioner (FCA)",
            "quality_lead": "quality lead",
            "admin": "administrator",
            "head_of_service": "head of service",
        }[self.value]


class Action(StrEnum):
    VIEW_ASSESSMENT = "view_assessment"
    CREATE_ASSESSMENT = "create_assessment"
    EDIT_ASSESSMENT = "edit_assessment"
    SUBMIT = "submit"
    RETURN_FOR_CHANGES = "return_for_changes"
    RESPOND = "respond"
    FINALISE = "finalise"
    ADD_ADDENDUM = "add_addendum"
    MODERATE = "moderate"
    DRAW_CASE_SAMPLE = "draw_case_sample"
    COMPLETE_ACTION = "complete_action"
    RECORD_SUPERVISION = "record_supervision"
    SIGN_SUPERVISION = "sign_supervision"
    SEND_TO_MODERATION = "send_to_moderation"
    VIEW_SUPERVISION = "view_supervision"
    LIST_PEOPLE = "list_people"
    EXPORT_ASSESSMENT = "export_assessment"
    EXPORT_DATA = "export_data"
    VIEW_THEMES = "view_themes"
    VIEW_FRAMEWORKS = "view_frameworks"
    IMPORT_FRAMEWORK = "import_framework"
    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"
    MANAGE_CASES = "manage_cases"
    VIEW_AUDIT_LOG = "view_audit_log"
    RUN_RETENTION = "run_retention"
    BACKUP_RESTORE = "backup_restore"


class Scope(StrEnum):
    """On which records a permitted action applies (the rule of each is `SCOPE_RULES`)."""

    ALL = "all"  # not tied to case content (system administration, frameworks)
    TEAM = "team"  # records of the actor's team
    AUTHOR = "author"  # records the actor wrote, in their team
    SUBJECT = "subject"  # records about the actor, once out of draft
    REGION = "region"  # records in the actor's region, once out of draft
    SERVICE = "service"  # records in every region, once out of draft


class Fact(StrEnum):
    """What a record tells about itself that a scope rule can test. Each kind of record
    says which of its columns hold these (`store/scope.py`); a fact a record does not have
    is unknown, and a comparison with an unknown fact is false."""

    TEAM = "team"  # the team the record belongs to
    REGION = "region"  # the region of that team
    AUTHOR = "author"  # who wrote it (an assessment's author, a session's supervisor)
    SUBJECT = "subject"  # whom it is about (the practitioner)
    OWNER = "owner"  # who must do it (an action's owner)


class Own(StrEnum):
    """What the acting person brings to a rule."""

    USER = "user"
    TEAM = "team"
    REGION = "region"


@dataclass(frozen=True)
class Same:
    """The record's `fact` is the actor's `own` (both known)."""

    fact: Fact
    own: Own


@dataclass(frozen=True)
class NotDraft:
    """The record is out of draft (one that has no status never was one)."""


@dataclass(frozen=True)
class Every:
    """All of the parts hold (none: always true)."""

    parts: tuple[Rule, ...]


Rule = Same | NotDraft | Every

SCOPE_RULES: dict[Scope, Rule] = {
    Scope.ALL: Every(()),
    Scope.TEAM: Same(Fact.TEAM, Own.TEAM),
    Scope.AUTHOR: Every((Same(Fact.AUTHOR, Own.USER), Same(Fact.TEAM, Own.TEAM))),
    Scope.SUBJECT: Every((Same(Fact.SUBJECT, Own.USER), NotDraft())),
    Scope.REGION: Every((Same(Fact.REGION, Own.REGION), NotDraft())),
    Scope.SERVICE: NotDraft(),
}
"""The one written form of each scope: evaluated here for a single record, translated to
SQL for lists (`store/scope.py`) and to the team store's row-level security policies."""

OWNER_RULE: Rule = Every((Same(Fact.OWNER, Own.USER), NotDraft()))
"""An action's owner sees it and may mark it done or open, besides whoever the action's
record allows, once its assessment is out of draft (only the author sees a draft)."""


A, R = Action, Role
MATRIX: dict[Role, dict[Action, Scope]] = {
    R.SUPERVISOR: {
        A.VIEW_ASSESSMENT: Scope.TEAM,
        A.CREATE_ASSESSMENT: Scope.TEAM,
        A.DRAW_CASE_SAMPLE: Scope.TEAM,
        A.EDIT_ASSESSMENT: Scope.AUTHOR,
        A.SUBMIT: Scope.AUTHOR,
        A.FINALISE: Scope.AUTHOR,
        A.SEND_TO_MODERATION: Scope.AUTHOR,
        A.ADD_ADDENDUM: Scope.TEAM,
        A.COMPLETE_ACTION: Scope.TEAM,
        A.RECORD_SUPERVISION: Scope.AUTHOR,
        A.VIEW_SUPERVISION: Scope.TEAM,
        A.SIGN_SUPERVISION: Scope.AUTHOR,
        A.LIST_PEOPLE: Scope.TEAM,
        A.EXPORT_ASSESSMENT: Scope.TEAM,
        A.EXPORT_DATA: Scope.TEAM,
        A.VIEW_THEMES: Scope.TEAM,
        A.VIEW_FRAMEWORKS: Scope.ALL,
        A.MANAGE_CASES: Scope.TEAM,
    },
    R.FCA: {
        A.VIEW_ASSESSMENT: Scope.SUBJECT,
        A.RETURN_FOR_CHANGES: Scope.SUBJECT,
        A.RESPOND: Scope.SUBJECT,
        A.COMPLETE_ACTION: Scope.SUBJECT,
        A.VIEW_SUPERVISION: Scope.SUBJECT,
        A.SIGN_SUPERVISION: Scope.SUBJECT,
        A.LIST_PEOPLE: Scope.SUBJECT,
        A.EXPORT_ASSESSMENT: Scope.SUBJECT,
        A.VIEW_FRAMEWORKS: Scope.ALL,
    },
    R.QUALITY_LEAD: {
        A.VIEW_ASSESSMENT: Scope.REGION,
        A.MODERATE: Scope.REGION,
        A.DRAW_CASE_SAMPLE: Scope.REGION,
        A.SEND_TO_MODERATION: Scope.REGION,
        A.LIST_PEOPLE: Scope.REGION,
        A.EXPORT_ASSESSMENT: Scope.REGION,
        A.EXPORT_DATA: Scope.REGION,
        A.VIEW_THEMES: Scope.REGION,
        A.VIEW_FRAMEWORKS: Scope.ALL,
        A.IMPORT_FRAMEWORK: Scope.ALL,
    },
    R.ADMIN: {
        A.VIEW_FRAMEWORKS: Scope.ALL,
        A.IMPORT_FRAMEWORK: Scope.ALL,
        A.MANAGE_USERS: Scope.ALL,
        A.LIST_PEOPLE: Scope.ALL,
        A.MANAGE_TEAMS: Scope.ALL,
        A.MANAGE_CASES: Scope.ALL,
        A.VIEW_AUDIT_LOG: Scope.ALL,
        A.RUN_RETENTION: Scope.ALL,
        A.BACKUP_RESTORE: Scope.ALL,
    },
    # Reads themes and the assessments behind them across regions; edits, moderates and
    # manages nothing (moderation is the regions' quality leads' work, and a moderator
    # must be outside the audit's line: a head of service reading every region is not).
    R.HEAD_OF_SERVICE: {
        A.VIEW_ASSESSMENT: Scope.SERVICE,
        A.VIEW_THEMES: Scope.SERVICE,
        A.EXPORT_DATA: Scope.SERVICE,
        A.VIEW_FRAMEWORKS: Scope.ALL,
    },
}
del A, R


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the domain sees them."""

    user_id: uuid.UUID
    role: Role
    team_id: uuid.UUID | None
    region_id: uuid.UUID | None
    display_name: str = ""


@dataclass(frozen=True)
class Target:
    """The facts about a record that decide whether an actor may touch it."""

    team_id: uuid.UUID | None = None
    region_id: uuid.UUID | None = None
    author_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    draft: bool = False
    owner_id: uuid.UUID | None = None


def scope_of(role: Role, action: Action) -> Scope | None:
    return MATRIX[role].get(action)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may ever take `action`."""
    return frozenset(role for role, actions in MATRIX.items() if action in actions)


def fact_of(target: Target, fact: Fact) -> uuid.UUID | None:
    return {
        Fact.TEAM: target.team_id,
        Fact.REGION: target.region_id,
        Fact.AUTHOR: target.author_id,
        Fact.SUBJECT: target.subject_id,
        Fact.OWNER: target.owner_id,
    }[fact]


def own_of(actor: Actor, own: Own) -> uuid.UUID | None:
    return {Own.USER: actor.user_id, Own.TEAM: actor.team_id, Own.REGION: actor.region_id}[own]


def holds(rule: Rule, actor: Actor, target: Target) -> bool:
    """Whether `rule` holds for one record: the same reading as its SQL translation."""
    if isinstance(rule, Same):
        mine = own_of(actor, rule.own)
        return mine is not None and fact_of(target, rule.fact) == mine
    if isinstance(rule, NotDraft):
        return not target.draft
    return all(holds(part, actor, target) for part in rule.parts)


def allowed(actor: Actor, action: Action, target: Target | None = None) -> bool:
    """Whether `actor` may do `action` on `target` (None: the action in general)."""
    scope = scope_of(actor.role, action)
    if scope is None:
        return False
    if target is None:
        return True
    return holds(SCOPE_RULES[scope], actor, target)


def check(actor: Actor, action: Action, target: Target | None = None) -> None:
    """Raise `PermissionDenied` with a message the user understands."""
    if allowed(actor, action, target):
        return
    what = action.value.replace("_", " ")
    if scope_of(actor.role, action) is None:
        article = "An" if actor.role.label[:1].lower() in "aeiou" else "A"
        raise PermissionDenied(f"{article} {actor.role.label} cannot {what}.")
    raise PermissionDenied(
        f"You cannot {what} on this record: it is outside your "
        f"{_SCOPE_WORDS[scope_of(actor.role, action) or Scope.ALL]}."
    )


_SCOPE_WORDS = {
    Scope.ALL: "access",
    Scope.TEAM: "team",
    Scope.AUTHOR: "own assessments",
    Scope.SUBJECT: "own submitted assessments",
    Scope.REGION: "region's submitted assessments",
    Scope.SERVICE: "service's submitted assessments",
}
