"""The assessment workflow: one table of allowed transitions and who may make them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qa_audit.errors import TransitionNotAllowed

from .permissions import Role


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESPONDED = "responded"
    MODERATION = "moderation"
    FINALISED = "finalised"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "With practitioner",
            "returned": "Returned for changes",
            "responded": "Practitioner responded",
            "moderation": "In moderation",
            "finalised": "Finalised",
        }[self.value]

    @property
    def editable(self) -> bool:
        """Whether the author may still change grades and text."""
        return self in (Status.DRAFT, Status.RETURNED)


class Step(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    RESPOND = "respond"
    SEND_TO_MODERATION = "send_to_moderation"
    COMPLETE_MODERATION = "complete_moderation"
    FINALISE = "finalise"


@dataclass(frozen=True)
class Transition:
    step: Step
    source: Status
    target: Status
    roles: frozenset[Role]
    """Roles that may make the step (scope — own team, own assessment — is checked too)."""


_SUP = frozenset({Role.SUPERVISOR})
_FCA = frozenset({Role.FCA})
TRANSITIONS: tuple[Transition, ...] = (
    Transition(Step.SUBMIT, Status.DRAFT, Status.SUBMITTED, _SUP),
    Transition(Step.SUBMIT, Status.RETURNED, Status.SUBMITTED, _SUP),
    Transition(Step.RETURN, Status.SUBMITTED, Status.RETURNED, _FCA),
    Transition(Step.RESPOND, Status.SUBMITTED, Status.RESPONDED, _FCA),
    Transition(
        Step.SEND_TO_MODERATION,
        Status.RESPONDED,
        Status.MODERATION,
        frozenset({Role.SUPERVISOR, Role.QUALITY_LEAD}),
    ),
    Transition(
        Step.COMPLETE_MODERATION,
        Status.MODERATION,
        Status.RESPONDED,
        frozenset({Role.QUALITY_LEAD}),
    ),
    Transition(Step.FINALISE, Status.RESPONDED, Status.FINALISED, _SUP),
)


def transition(step: Step, current: Status, role: Role) -> Status:
    """The status after `step`, or `TransitionNotAllowed` saying why not."""
    for t in TRANSITIONS:
        if t.step is step and t.source is current:
            if role not in t.roles:
                allowed = " or ".join(r.label for r in sorted(t.roles))
                raise TransitionNotAllowed(
                    f"Only a {allowed} can {step.value.replace('_', ' ')} an assessment."
                )
            return t.target
    raise TransitionNotAllowed(
        f"An assessment that is '{current.label}' cannot be "
        f"{_PAST[step]}; allowed from: {', '.join(s.label for s in sources(step))}."
    )


def sources(step: Step) -> list[Status]:
    return [t.source for t in TRANSITIONS if t.step is step]


def steps_from(current: Status, role: Role) -> list[Step]:
    """The steps this role can take from this status, in table order."""
    return [t.step for t in TRANSITIONS if t.source is current and role in t.roles]


_PAST = {
    Step.SUBMIT: "submitted",
    Step.RETURN: "returned",
    Step.RESPOND: "responded to",
    Step.SEND_TO_MODERATION: "sent to moderation",
    Step.COMPLETE_MODERATION: "taken out of moderation",
    Step.FINALISE: "finalised",
}
