"""The domain's scope rules as SQL: the one translator every visibility query goes through.

`domain/permissions.py` writes each scope once, as data (`SCOPE_RULES`). Here each kind
of record says which of its columns hold the facts those rules test (`Facts`), and
`rule_sql` turns a rule into a condition. The acting person's own values come in as
bound values for the app's queries (`visible`), or as SQL expressions for the team
store's row-level security policies (`policy`), so both read the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from qa_audit.domain.permissions import (
    OWNER_RULE,
    SCOPE_RULES,
    Action,
    Actor,
    Every,
    Fact,
    NotDraft,
    Own,
    Role,
    Rule,
    Same,
    roles_for,
    scope_of,
)
from qa_audit.domain.workflow import Status

from .tables import ActionItem, Assessment, Case, OrgUnit, SupervisionSession, User


class Kind(StrEnum):
    """The kinds of record that scope rules are applied to."""

    ASSESSMENT = "assessment"
    ACTION = "action"
    SUPERVISION_SESSION = "supervision_session"
    CASE = "case"
    PERSON = "person"
    TEAM = "team"


@dataclass(frozen=True)
class Facts:
    """Where a kind of record keeps each fact (None: the record has no such fact, and a
    rule comparing it is false); `draft` is the condition that the record is a draft
    (None: it has no workflow and is never one)."""

    team: Any = None
    region: Any = None
    author: Any = None
    subject: Any = None
    owner: Any = None
    draft: ColumnElement[bool] | None = None

    def column(self, fact: Fact) -> Any:
        return {
            Fact.TEAM: self.team,
            Fact.REGION: self.region,
            Fact.AUTHOR: self.author,
            Fact.SUBJECT: self.subject,
            Fact.OWNER: self.owner,
        }[fact]


def _region_of(team_column: Any) -> Any:
    """The region of the team in `team_column`, read from the organisation."""
    unit = aliased(OrgUnit)
    return (select(col(unit.region_id)).where(col(unit.id) == team_column)
            .correlate_except(unit).scalar_subquery())


def facts(kind: Kind) -> Facts:
    if kind is Kind.ASSESSMENT:
        return Facts(team=col(Assessment.team_id), region=col(Assessment.region_id),
                     author=col(Assessment.author_id), subject=col(Assessment.subject_id),
                     draft=col(Assessment.status) == Status.DRAFT.value)
    if kind is Kind.ACTION:  # its own facts only; the record it belongs to is asked apart
        drafts = select(col(Assessment.id)).where(col(Assessment.status) == Status.DRAFT.value)
        return Facts(owner=col(ActionItem.owner_id),
                     draft=and_(col(ActionItem.assessment_id).is_not(None),  # never NULL
                                col(ActionItem.assessment_id).in_(drafts)))
    if kind is Kind.SUPERVISION_SESSION:
        return Facts(team=col(SupervisionSession.team_id),
                     region=_region_of(col(SupervisionSession.team_id)),
                     author=col(SupervisionSession.supervisor_id),
                     subject=col(SupervisionSession.fca_id))
    if kind is Kind.CASE:
        return Facts(team=col(Case.team_id), region=_region_of(col(Case.team_id)),
                     subject=col(Case.fca_id))
    if kind is Kind.PERSON:
        return Facts(team=col(User.team_id), region=_region_of(col(User.team_id)),
                     subject=col(User.id))
    return Facts(team=col(OrgUnit.id), region=col(OrgUnit.region_id))


def rule_sql(rule: Rule, where: Facts, own: Mapping[Own, Any]) -> ColumnElement[bool]:
    """`rule` as a condition on the record's columns, with the actor's values from `own`."""
    if isinstance(rule, Same):
        column, value = where.column(rule.fact), own.get(rule.own)
        if column is None or value is None:
            return false()
        return column == value  # type: ignore[no-any-return]
    if isinstance(rule, NotDraft):
        return true() if where.draft is None else not_(where.draft)
    if isinstance(rule, Every):
        return and_(true(), *(rule_sql(part, where, own) for part in rule.parts))
    raise TypeError(f"not a scope rule: {rule!r}")


def own_values(actor: Actor) -> dict[Own, Any]:
    return {Own.USER: actor.user_id, Own.TEAM: actor.team_id, Own.REGION: actor.region_id}


def visible(actor: Actor, action: Action, kind: Kind) -> ColumnElement[bool]:
    """Records of `kind` on which `actor` may take `action`, as a SQL condition."""
    scope = scope_of(actor.role, action)
    if scope is None:
        return false()
    return rule_sql(SCOPE_RULES[scope], facts(kind), own_values(actor))


def policy(action: Action, kind: Kind, role: Any, own: Mapping[Own, Any]
           ) -> ColumnElement[bool]:
    """The condition for any person, whose role and own values are SQL expressions (the
    team store's row-level security): one branch per role the matrix gives `action`."""
    branches = []
    for r in sorted(roles_for(action)):
        scope = scope_of(r, action)
        assert scope is not None
        branches.append(and_(role == Role(r).value, rule_sql(SCOPE_RULES[scope], facts(kind),
                                                              own)))
    return or_(false(), *branches)


def assessments_visible(actor: Actor, action: Action = Action.VIEW_ASSESSMENT) -> Any:
    """The ids of the assessments on which `actor` may take `action`, as a subquery."""
    return select(col(Assessment.id)).where(visible(actor, action, Kind.ASSESSMENT))


def sessions_visible(actor: Actor) -> Any:
    return select(col(SupervisionSession.id)).where(
        visible(actor, Action.VIEW_SUPERVISION, Kind.SUPERVISION_SESSION))


def actions_visible(actor: Actor) -> ColumnElement[bool]:
    """Actions the actor may see: those of an assessment or a supervision record they may
    see (an action belongs to one or the other), and those they own (`OWNER_RULE`)."""
    return or_(col(ActionItem.assessment_id).in_(assessments_visible(actor)),
               col(ActionItem.session_id).in_(sessions_visible(actor)),
               rule_sql(OWNER_RULE, facts(Kind.ACTION), own_values(actor)))
