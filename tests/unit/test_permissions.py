"""The full role x action matrix, cell by cell, and the scope rules."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from qa_audit.domain.permissions import MATRIX, Action, Actor, Role, Scope, Target, allowed, check
from qa_audit.domain.workflow import Capabilities, Status, capabilities, may_mark_action
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
        A.SEND_TO_MODERATION,
        A.ADD_ADDENDUM,
        A.COMPLETE_ACTION,
        A.RECORD_SUPERVISION,
        A.VIEW_SUPERVISION,
        A.SIGN_SUPERVISION,
        A.LIST_PEOPLE,
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
        A.VIEW_SUPERVISION,
        A.SIGN_SUPERVISION,
        A.LIST_PEOPLE,
        A.EXPORT_ASSESSMENT,
        A.VIEW_FRAMEWORKS,
    },
    Role.QUALITY_LEAD: {
        A.VIEW_ASSESSMENT,
        A.MODERATE,
        A.DRAW_CASE_SAMPLE,
        A.SEND_TO_MODERATION,
        A.LIST_PEOPLE,
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
        A.LIST_PEOPLE,
        A.MANAGE_TEAMS,
        A.MANAGE_CASES,
        A.VIEW_AUDIT_LOG,
        A.RUN_RETENTION,
        A.BACKUP_RESTORE,
    },
    # DESIGN section 8 / DOMAIN: reads themes across regions; edits and moderates nothing.
    Role.HEAD_OF_SERVICE: {
        A.VIEW_ASSESSMENT,
        A.VIEW_THEMES,
        A.EXPORT_DATA,
        A.VIEW_FRAMEWORKS,
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
    # a supervision record: written by its own supervisor, seen by the team's
    (Role.SUPERVISOR, A.RECORD_SUPERVISION, Target(team_id=TEAM, author_id=ME), True),
    (Role.SUPERVISOR, A.RECORD_SUPERVISION, Target(team_id=TEAM, author_id=SOMEONE), False),
    (Role.SUPERVISOR, A.VIEW_SUPERVISION, Target(team_id=TEAM, author_id=SOMEONE), True),
    (Role.SUPERVISOR, A.SIGN_SUPERVISION, Target(team_id=TEAM, author_id=SOMEONE), False),
    (Role.FCA, A.SIGN_SUPERVISION, Target(team_id=TEAM, subject_id=ME), True),
    (Role.FCA, A.VIEW_SUPERVISION, Target(team_id=TEAM, subject_id=SOMEONE), False),
    # a head of service reads every region's records once out of draft, edits none
    (Role.HEAD_OF_SERVICE, A.VIEW_ASSESSMENT, Target(region_id=OTHER_REGION,
                                                     team_id=OTHER_TEAM), True),
    (Role.HEAD_OF_SERVICE, A.VIEW_THEMES, Target(region_id=REGION), True),
    (Role.HEAD_OF_SERVICE, A.VIEW_ASSESSMENT, Target(region_id=OTHER_REGION, draft=True),
     False),
    (Role.HEAD_OF_SERVICE, A.EDIT_ASSESSMENT, Target(region_id=REGION, author_id=ME), False),
    (Role.HEAD_OF_SERVICE, A.MODERATE, Target(region_id=REGION), False),
    # a record without a team is nobody's team record
    (Role.SUPERVISOR, A.VIEW_ASSESSMENT, Target(), False),
]


@pytest.mark.parametrize(("role", "action", "target", "expected"), CASES)
def test_scope(role: Role, action: Action, target: Target, expected: bool) -> None:
    assert allowed(Actor(ME, role, TEAM, REGION), action, target) is expected


def test_every_scope_is_used() -> None:
    used = {scope for row in MATRIX.values() for scope in row.values()}
    assert used == set(Scope)


def _caps(role: Role, status: Status, **facts: object) -> Capabilities:
    return capabilities(Actor(ME, role, TEAM, REGION), Target(**facts),  # type: ignore[arg-type]
                        status)


def test_capabilities_follow_the_written_rules() -> None:
    """What the editor enables, as DESIGN.md section 4 says: the author edits and submits
    a draft or returned assessment, the practitioner responds to a submitted one, the
    author finalises after the response; a finalised one takes addenda only."""
    own = {"team_id": TEAM, "author_id": ME, "subject_id": SOMEONE}
    about_me = {"team_id": TEAM, "author_id": SOMEONE, "subject_id": ME}
    draft = _caps(Role.SUPERVISOR, Status.DRAFT, draft=True, **own)
    assert draft.edit and draft.submit and not draft.finalise and not draft.respond
    colleague = _caps(Role.SUPERVISOR, Status.DRAFT, draft=True, team_id=TEAM,
                      author_id=SOMEONE, subject_id=SOMEONE)
    assert colleague.view and not colleague.edit and not colleague.submit
    assert "only the assessment's author" in colleague.read_only_reason
    submitted = _caps(Role.SUPERVISOR, Status.SUBMITTED, **own)
    assert not submitted.edit and not submitted.finalise
    assert "With practitioner" in submitted.read_only_reason
    assert _caps(Role.SUPERVISOR, Status.RESPONDED, **own).finalise
    finalised = _caps(Role.SUPERVISOR, Status.FINALISED, **own)
    assert finalised.add_addendum and not finalised.edit and "addenda" in (
        finalised.read_only_reason)
    fca = _caps(Role.FCA, Status.SUBMITTED, **about_me)
    assert fca.respond and fca.return_for_changes and not fca.edit and not fca.finalise
    assert not _caps(Role.FCA, Status.RESPONDED, **about_me).respond
    assert not _caps(Role.FCA, Status.DRAFT, draft=True, **about_me).view
    lead = _caps(Role.QUALITY_LEAD, Status.RESPONDED, region_id=REGION, **own)
    assert lead.view and lead.send_to_moderation and not lead.edit and not lead.finalise
    head = _caps(Role.HEAD_OF_SERVICE, Status.FINALISED, region_id=REGION, **own)
    assert head.view and not head.edit and not head.add_addendum
    assert not head.send_to_moderation and not head.finalise
    assert not _caps(Role.HEAD_OF_SERVICE, Status.DRAFT, draft=True, **own).view


def test_marking_actions_done() -> None:
    """An action's owner may mark it (not while its assessment is a draft); so may the
    practitioner the assessment is about, and the team's supervisors; nobody else."""
    about_me = Target(team_id=TEAM, author_id=SOMEONE, subject_id=ME)
    me_fca = Actor(ME, Role.FCA, TEAM, REGION)
    assert may_mark_action(me_fca, about_me, ME)
    assert may_mark_action(me_fca, about_me, SOMEONE)  # the assessment is about me
    assert not may_mark_action(me_fca, replace(about_me, draft=True), ME)
    assert not may_mark_action(me_fca, replace(about_me, subject_id=SOMEONE), SOMEONE)
    other_fca_record = Target(team_id=TEAM, author_id=SOMEONE, subject_id=SOMEONE)
    assert may_mark_action(me_fca, other_fca_record, ME)  # owner, though not the subject
    sup = Actor(ME, Role.SUPERVISOR, TEAM, REGION)
    assert may_mark_action(sup, other_fca_record, SOMEONE)
    assert not may_mark_action(sup, replace(other_fca_record, team_id=OTHER_TEAM), SOMEONE)
    lead = Actor(ME, Role.QUALITY_LEAD, TEAM, REGION)
    assert not may_mark_action(lead, replace(other_fca_record, region_id=REGION), SOMEONE)
    caps = capabilities(me_fca, about_me, Status.SUBMITTED)
    assert caps.may_mark_action(ME) and caps.may_mark_action(SOMEONE)
    theirs = capabilities(me_fca, replace(about_me, subject_id=SOMEONE), Status.SUBMITTED)
    assert theirs.may_mark_action(ME) and not theirs.may_mark_action(SOMEONE)
