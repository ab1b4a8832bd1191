"""The domain's scope rules as PostgreSQL row-level security conditions.

The same rules (`domain.permissions.SCOPE_RULES`, by the matrix) and the same translator
(`store.scope.rule_sql`) as the app's own queries; only the actor differs: here the
person's role and own values come from the server's helper functions applied to
`current_user` (`qa_user_role(current_user)`...), so one policy serves every login.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from qa_audit.domain.permissions import (
    OWNER_RULE,
    SCOPE_RULES,
    Action,
    Own,
    Role,
    Scope,
    roles_for,
    scope_of,
)

from .scope import Facts, Kind, facts, rule_sql
from .tables import ActionItem

CURRENT_USER: ColumnElement[str] = literal_column("current_user")


def _once(function: Any) -> Any:
    """`(SELECT f(current_user))`: an uncorrelated subquery, which PostgreSQL evaluates
    once per statement (an InitPlan) instead of once per row, and which an index scan
    can compare with."""
    return select(function(CURRENT_USER)).scalar_subquery()


ROLE = _once(func.qa_user_role)
OWN: dict[Own, Any] = {
    Own.USER: _once(func.qa_user_id),
    Own.TEAM: _once(func.qa_user_team),
    Own.REGION: _once(func.qa_user_region),
}
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


def condition(actions: Iterable[Action], kind: Kind) -> ColumnElement[bool]:
    """Rows of `kind` on which the connected person may take any of `actions`: one branch
    per role the matrix gives each action, that role's scope rule on the row."""
    where = policy_facts(kind)
    scopes: dict[tuple[Role, Scope], None] = {}  # each role's scope once, in order
    for action in actions:
        for role in sorted(roles_for(action)):
            scope = scope_of(role, action)
            assert scope is not None
            scopes[(role, scope)] = None
    return or_(false(), *(and_(ROLE == Role(role).value,  # noqa: SIM300 (column first)
                               rule_sql(SCOPE_RULES[scope], where, OWN))
                          for role, scope in scopes))


def owner_condition(kind: Kind) -> ColumnElement[bool]:
    """An action's owner's own rule (`OWNER_RULE`)."""
    return rule_sql(OWNER_RULE, policy_facts(kind), OWN)


def render(condition: ColumnElement[bool]) -> str:
    """SQL text for a policy (constants inlined: a policy has no bound parameters)."""
    compiled = condition.compile(dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
                                 compile_kwargs={"literal_binds": True})
    return str(compiled)
