"""Who may do what: a role x action matrix (data), plus the scope each role works in.

The matrix says whether a role may ever do an action; `Scope` says on which records:
supervisors work on their team's assessments, FCAs only on assessments about
themselves once submitted, quality leads read their region, admins manage the system
but never read case content.
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

    @property
    def label(self) -> str:
        return {
            "supervisor": "supervisor",
            "fca": "practitioner (FCA)",
            "quality_lead": "quality lead",
            "admin": "administrator",
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
    """On which records a permitted action applies."""

    ALL = "all"  # not tied to case content (system administration, frameworks)
    TEAM = "team"  # assessments of the actor's team
    AUTHOR = "author"  # assessments the actor wrote, in their team
    SUBJECT = "subject"  # assessments about the actor, once submitted
    REGION = "region"  # assessments in the actor's region, once submitted


A, R = Action, Role
MATRIX: dict[Role, dict[Action, Scope]] = {
    R.SUPERVISOR: {
        A.VIEW_ASSESSMENT: Scope.TEAM,
        A.CREATE_ASSESSMENT: Scope.TEAM,
        A.DRAW_CASE_SAMPLE: Scope.TEAM,
        A.EDIT_ASSESSMENT: Scope.AUTHOR,
        A.SUBMIT: Scope.AUTHOR,
        A.FINALISE: Scope.AUTHOR,
        A.ADD_ADDENDUM: Scope.TEAM,
        A.COMPLETE_ACTION: Scope.TEAM,
        A.RECORD_SUPERVISION: Scope.TEAM,
        A.SIGN_SUPERVISION: Scope.TEAM,
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
        A.SIGN_SUPERVISION: Scope.SUBJECT,
        A.EXPORT_ASSESSMENT: Scope.SUBJECT,
        A.VIEW_FRAMEWORKS: Scope.ALL,
    },
    R.QUALITY_LEAD: {
        A.VIEW_ASSESSMENT: Scope.REGION,
        A.MODERATE: Scope.REGION,
        A.DRAW_CASE_SAMPLE: Scope.REGION,
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
        A.MANAGE_TEAMS: Scope.ALL,
        A.MANAGE_CASES: Scope.ALL,
        A.VIEW_AUDIT_LOG: Scope.ALL,
        A.RUN_RETENTION: Scope.ALL,
        A.BACKUP_RESTORE: Scope.ALL,
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


def scope_of(role: Role, action: Action) -> Scope | None:
    return MATRIX[role].get(action)


def allowed(actor: Actor, action: Action, target: Target | None = None) -> bool:
    """Whether `actor` may do `action` on `target` (None: the action in general)."""
    scope = scope_of(actor.role, action)
    if scope is None:
        return False
    if target is None or scope is Scope.ALL:
        return True
    if scope is Scope.TEAM:
        return target.team_id is not None and target.team_id == actor.team_id
    if scope is Scope.AUTHOR:
        return target.author_id == actor.user_id and target.team_id == actor.team_id
    if scope is Scope.SUBJECT:
        return target.subject_id == actor.user_id and not target.draft
    # Scope.REGION
    return target.region_id is not None and target.region_id == actor.region_id and not target.draft


def check(actor: Actor, action: Action, target: Target | None = None) -> None:
    """Raise `PermissionDenied` with a message the user understands."""
    if allowed(actor, action, target):
        return
    what = action.value.replace("_", " ")
    if scope_of(actor.role, action) is None:
        raise PermissionDenied(f"A {actor.role.label} cannot {what}.")
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
}
