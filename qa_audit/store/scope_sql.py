"""A permission scope as a PostgreSQL condition for row-level security policies, with the
actor taken from the server's helper functions (`current_user` -> user row).

The same meaning as `domain.permissions.allowed` on a `Target`: the condition is true on
exactly the rows whose target the actor may act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_audit.domain.permissions import Scope


@dataclass(frozen=True)
class _Actor:
    user_id: str = "qa_user_id(current_user)"
    role: str = "qa_user_role(current_user)"
    team_id: str = "qa_user_team(current_user)"
    region_id: str = "qa_user_region(current_user)"


ACTOR = _Actor()


@dataclass(frozen=True)
class TargetColumns:
    """Which columns of a table hold a permission `Target`'s facts (None: the table has
    no such fact, as `Target` leaves it None). `draft` is a SQL condition."""

    team: str | None
    region: str | None
    author: str | None
    subject: str | None
    draft: str | None


def render_scope(scope: Scope, target: TargetColumns, alias: str) -> str:
    def c(column: str | None) -> str | None:
        return None if column is None else f"{alias}.{column}"

    not_draft = "true" if target.draft is None else f"NOT ({alias}.{target.draft})"
    if scope is Scope.ALL:
        return "true"
    if scope is Scope.TEAM:
        return _eq(c(target.team), ACTOR.team_id)
    if scope is Scope.AUTHOR:
        return f"{_eq(c(target.author), ACTOR.user_id)} AND {_eq(c(target.team), ACTOR.team_id)}"
    if scope is Scope.SUBJECT:
        return f"{_eq(c(target.subject), ACTOR.user_id)} AND {not_draft}"
    return f"{_eq(c(target.region), ACTOR.region_id)} AND {not_draft}"


def _eq(column: str | None, actor_value: str) -> str:
    # A Target fact the table lacks is None, which equals no actor's value.
    return "false" if column is None else f"{column} = {actor_value}"
