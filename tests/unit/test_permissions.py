"""The full role x action matrix, cell by cell, and the scope rules."""

from __future__ import annotations

import uuid

import pytest

from qa_audit.domain.permissions import MATRIX, Action, Actor, Role, Scope, Target, allowed, check
from qa_audit.errors import PermissionDenied

A = Action
EXPECTED: dict[Role, set[Action]] = {
    Role.SUPERVISOR: {
        A.VIEW_ASSESSMENT,
        A.CREATE_ASSESSMENT,
        A.DRAW_CASE_SAMPLE,
        A.EDIT_ASSESSMENT,
        A.SUBMIT,
        A.FINALISE,
        A.ADD_ADDENDUM,
        A.COMPLETE_ACTION,
        A.RECORD_SUPERVISION,
        A.SIGN_SUPERVISION,
        A.EXPORT_ASSESSMENT,
        A.EXPORT_DATA,
        A.VIEW_THEMES,
        A.VIEW_FRAMEWORKS,
        A.MANAGE_CASES,
    },
    Role.FCA: {
        A.VIEW_ASSESSMENT,
        A.RETURN_FOR_CHANGES,
        A.RESPOND,
        A.COMPLETE_ACTION,
        A.SIGN_SUPERVISION,
        A.EXPORT_ASSESSMENT,
        A.VIEW_FRAMEWORKS,
    },
    Role.QUALITY_LEAD: {
        A.VIEW_ASSESSMENT,
        A.MODERATE,
        A.DRAW_CASE_SAMPLE,
        A.EXPORT_ASSESSMENT,
        A.EXPORT_DATA,
        A.VIEW_THEMES,
        A.VIEW_FRAMEWORKS,
        A.IMPORT_FRAMEWORK,
    },
    Role.ADMIN: {
        A.VIEW_FRAMEWORKS,
        A.IMPORT_FRAMEWORK,
        A.MANAGE_USERS,
        A.MANAGE_TEAMS,
        A.MANAGE_CASES,
        A.VIEW_AUDIT_LOG,
        A.RUN_RETENTION,
        A.BACKUP_RESTORE,
    },
}

TEAM, OTHER_TEAM = uuid.uuid4(), uuid.uuid4()
REGION, OTHER_REGION = uuid.uuid4(), uuid.uuid4()
ME, SOMEONE = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_matrix_cell(role: Role, action: Action) -> None:
    actor = Actor(ME, role, TEAM, REGION)
    assert allowed(actor, action) is (action in EXPECTED[role])
    if action not in EXPECTED[role]:
        with pytest.raises(PermissionDenied, match="cannot"):
            check(actor, action)


def test_admin_never_reads_case_content() -> None:
    assert A.VIEW_ASSESSMENT not in MATRIX[Role.ADMIN]
    assert A.EXPORT_ASSESSMENT not in MATRIX[Role.ADMIN]


CASES = [
    # scope, target, allowed?
    (Role.SUPERVISOR, A.VIEW_ASSESSMENT, Target(team_id=TEAM, draft=True), True),
    (Role.SUPERVISOR, A.VIEW_ASSESSMENT, Target(team_id=OTHER_TEAM), False),
    (Role.SUPERVISOR, A.EDIT_ASSESSMENT, Target(team_id=TEAM, author_id=ME), True),
    (Role.SUPERVISOR, A.EDIT_ASSESSMENT, Target(team_id=TEAM, author_id=SOMEONE), False),
    (Role.FCA, A.VIEW_ASSESSMENT, Target(subject_id=ME), True),
    (Role.FCA, A.VIEW_ASSESSMENT, Target(subject_id=ME, draft=True), False),
    (Role.FCA, A.VIEW_ASSESSMENT, Target(subject_id=SOMEONE, team_id=TEAM), False),
    (Role.FCA, A.RESPOND, Target(subject_id=ME), True),
    (Role.QUALITY_LEAD, A.VIEW_ASSESSMENT, Target(region_id=REGION), True),
    (Role.QUALITY_LEAD, A.VIEW_ASSESSMENT, Target(region_id=REGION, draft=True), False),
    (Role.QUALITY_LEAD, A.MODERATE, Target(region_id=OTHER_REGION), False),
    (Role.ADMIN, A.MANAGE_USERS, Target(team_id=OTHER_TEAM), True),
]


@pytest.mark.parametrize(("role", "action", "target", "expected"), CASES)
def test_scope(role: Role, action: Action, target: Target, expected: bool) -> None:
    assert allowed(Actor(ME, role, TEAM, REGION), action, target) is expected


def test_every_scope_is_used() -> None:
    used = {scope for row in MATRIX.values() for scope in row.values()}
    assert used == set(Scope)
