"""The domain's scope rules as PostgreSQL row-level security conditions.

The same rules (`domain.permissions.SCOPE_RULES`, by the matrix) and the same translator
(`store.scope.rule_sql`) as the app's own queries; only the actor differs: here the
person's own values come from the server's helper functions applied to `current_user`
(`qa_own(current_user, ...)`), so one policy per role's group serves every login of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from qa_audit.domain.permissions import (
    OWNER_RULE,
    SCOPE_RULES,
    Action,
    Every,
    Own,
    Role,
    Rule,
    Same,
    Scope,
    roles_for,
    scope_of,
)
from qa_audit.domain.workflow import Status

from .scope import Facts, Kind, facts, rule_sql
from .tables import ActionItem, Rating

CURRENT_USER: ColumnElement[str] = literal_column("current_user")


def _once(function: Any, *args: Any) -> Any:
    """`(SELECT f(current_user, ...))`: an uncorrelated subquery, which PostgreSQL evaluates
    once per statement (an InitPlan) instead of once per row, and which an index scan
    can compare with."""
    return select(function(CURRENT_USER, *(literal(a) for a in args))).scalar_subquery()


def own_values(role: Role) -> dict[Own, Any]:
    """The connected person's own values for the policy of `role`'s group: NULL unless
    their account holds that role (`qa_own`), so a login never gets another role's rows
    through its group (a rule comparing NULL is false)."""
    return {own: _once(func.qa_own, role.value, own.value) for own in Own}


def _role_guard(role: Role) -> Any:
    """The connected person's account holds `role`: needed by rules that compare none of
    their own values (every record out of draft)."""
    return _once(func.qa_has_role, role.value)


def _compares_own(rule: Rule) -> bool:
    if isinstance(rule, Same):
        return True
    return isinstance(rule, Every) and any(_compares_own(part) for part in rule.parts)


TABLE: dict[Kind, str] = {
    Kind.ASSESSMENT: "assessment",
    Kind.ACTION: "action_item",
    Kind.SUPERVISION_SESSION: "supervision_session",
    Kind.CASE: "case_file",
}


def policy_facts(kind: Kind) -> Facts:
    """`scope.facts`, except where a fact is read from another secured table: inside a
    policy such a subquery would itself be filtered by the reader's own policies (an FCA
    sees no drafts, so no action would look like a draft's), so it is asked of a
    SECURITY DEFINER function instead."""
    where = facts(kind)
    if kind is Kind.ACTION:
        return dataclasses.replace(
            where, draft=func.qa_assessment_is_draft(col(ActionItem.assessment_id)).is_(True))
    return where


def _rule(rule: Rule, where: Facts, role: Role) -> ColumnElement[bool]:
    cond = rule_sql(rule, where, own_values(role))
    return cond if _compares_own(rule) else and_(_role_guard(role), cond)


def copied_facts() -> Facts:
    """An assessment's facts as the team store's server copies them onto each of its
    ratings (`Rating.scope_*`, kept by triggers): the same rule, read from the rating's
    own row. The author is not copied (reading a rating never depends on it): a rule on
    it is false here."""
    return Facts(team=col(Rating.scope_team_id), region=col(Rating.scope_region_id),
                 subject=col(Rating.scope_subject_id),
                 draft=col(Rating.scope_status) == Status.DRAFT.value)


def condition(actions: Iterable[Action], kind: Kind, role: Role,
              where: Facts | None = None) -> ColumnElement[bool] | None:
    """Rows of `kind` on which a person of `role` (connected under that role's group) may
    take any of `actions`: that role's scope rule for each, on the row; None if the
    matrix gives the role none of them.

    One policy per role's group (not one for everyone with a branch per role): the server
    applies only the connected login's group's policies, so the planner sees a plain
    comparison it can estimate and use an index for."""
    scopes: dict[Scope, None] = {}  # the role's scopes once each, in order
    for action in actions:
        if role in roles_for(action):
            scope = scope_of(role, action)
            assert scope is not None
            scopes[scope] = None
    if not scopes:
        return None
    where = where or policy_facts(kind)
    return or_(false(), *(_rule(SCOPE_RULES[scope], where, role) for scope in scopes))


def any_role_condition(actions: Iterable[Action], kind: Kind) -> ColumnElement[bool]:
    """Rows of `kind` on which the connected person, whatever their role, may take any of
    `actions` (each role's condition holds only for an account of that role)."""
    return or_(false(), *(c for role in Role
                          if (c := condition(actions, kind, role)) is not None))


def owner_condition(kind: Kind, role: Role) -> ColumnElement[bool]:
    """An action's owner's own rule (`OWNER_RULE`), for an owner of any role."""
    return _rule(OWNER_RULE, policy_facts(kind), role)


def render(condition: ColumnElement[bool]) -> str:
    """SQL text for a policy (constants inlined: a policy has no bound parameters)."""
    compiled = condition.compile(dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
                                 compile_kwargs={"literal_binds": True})
    return str(compiled)
