"""The assessment workflow: one table of allowed transitions and who may make them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from enum import StrEnum

from qa_audit.errors import TransitionNotAllowed

from .permissions import OWNER_RULE, Action, Actor, Role, Target, allowed, holds, roles_for


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
    action: Action
    """The permission that makes the step: which roles may take it, and on which records,
    is said once, in `permissions.MATRIX`."""

    @property
    def roles(self) -> frozenset[Role]:
        return roles_for(self.action)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Step.SUBMIT, Status.DRAFT, Status.SUBMITTED, Action.SUBMIT),
    Transition(Step.SUBMIT, Status.RETURNED, Status.SUBMITTED, Action.SUBMIT),
    Transition(Step.RETURN, Status.SUBMITTED, Status.RETURNED, Action.RETURN_FOR_CHANGES),
    Transition(Step.RESPOND, Status.SUBMITTED, Status.RESPONDED, Action.RESPOND),
    Transition(Step.SEND_TO_MODERATION, Status.RESPONDED, Status.MODERATION,
               Action.SEND_TO_MODERATION),
    Transition(Step.COMPLETE_MODERATION, Status.MODERATION, Status.RESPONDED, Action.MODERATE),
    Transition(Step.FINALISE, Status.RESPONDED, Status.FINALISED, Action.FINALISE),
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


@dataclass(frozen=True)
class Capabilities:
    """What one person may do with one assessment now, from the permissions and the
    workflow together: the editor enables what this says and nothing else."""

    user_id: uuid.UUID | None = None
    view: bool = False
    edit: bool = False
    submit: bool = False
    respond: bool = False
    return_for_changes: bool = False
    finalise: bool = False
    add_addendum: bool = False
    send_to_moderation: bool = False
    complete_others_actions: bool = False
    own_actions: bool = False
    export: bool = False
    read_only_reason: str = ""

    def may_mark_action(self, owner_id: uuid.UUID | None) -> bool:
        """Whether this person may mark an action of this assessment done or open again."""
        mine = owner_id is not None and owner_id == self.user_id
        return self.complete_others_actions or (mine and self.own_actions)


def may_mark_action(actor: Actor, target: Target, owner_id: uuid.UUID | None) -> bool:
    """An action's owner may mark it done or open (not while its assessment is a draft:
    only the author sees it then); otherwise the scope of COMPLETE_ACTION decides."""
    if holds(OWNER_RULE, actor, replace(target, owner_id=owner_id)):
        return True
    return allowed(actor, Action.COMPLETE_ACTION, target)


def capabilities(actor: Actor, target: Target, status: Status) -> Capabilities:
    """Capabilities of `actor` on an assessment with these facts and this status."""
    steps = set(steps_from(status, actor.role))

    def may(action: Action) -> bool:
        return allowed(actor, action, target)

    edit = may(Action.EDIT_ASSESSMENT) and status.editable
    return Capabilities(
        user_id=actor.user_id,
        view=may(Action.VIEW_ASSESSMENT),
        edit=edit,
        submit=edit and may(Action.SUBMIT) and Step.SUBMIT in steps,
        respond=may(Action.RESPOND) and Step.RESPOND in steps,
        return_for_changes=may(Action.RETURN_FOR_CHANGES) and Step.RETURN in steps,
        finalise=may(Action.FINALISE) and Step.FINALISE in steps,
        add_addendum=may(Action.ADD_ADDENDUM) and status is Status.FINALISED,
        send_to_moderation=may(Action.SEND_TO_MODERATION) and Step.SEND_TO_MODERATION in steps,
        complete_others_actions=may(Action.COMPLETE_ACTION),
        own_actions=holds(OWNER_RULE, actor, replace(target, owner_id=actor.user_id)),
        export=may(Action.EXPORT_ASSESSMENT),
        read_only_reason="" if edit else _read_only_reason(actor, target, status),
    )


def _read_only_reason(actor: Actor, target: Target, status: Status) -> str:
    if status is Status.FINALISED:
        return "Finalised: read-only. Corrections are added as addenda."
    if not allowed(actor, Action.EDIT_ASSESSMENT, target):
        return "Read-only: only the assessment's author can change its grades and text."
    return f"Read-only while '{status.label}'."


@dataclass(frozen=True)
class SessionCapabilities:
    """What one person may do with one supervision record now."""

    view: bool = False
    write_notes: bool = False  # the notes, the assessments discussed, the actions agreed
    write_reflection: bool = False  # the practitioner's reflection
    sign: bool = False
    read_only_reason: str = ""


def session_capabilities(actor: Actor, target: Target, signed_by_both: bool
                         ) -> SessionCapabilities:
    """A supervision record is written by its supervisor (notes) and its practitioner
    (reflection, `target.subject_id`); both sign; once both have, it is closed."""
    if not allowed(actor, Action.VIEW_SUPERVISION, target):
        return SessionCapabilities()
    if signed_by_both:
        return SessionCapabilities(
            view=True, read_only_reason="Signed by both: this record is closed to changes.")
    notes = allowed(actor, Action.RECORD_SUPERVISION, target)
    reflection = (target.subject_id == actor.user_id
                  and allowed(actor, Action.SIGN_SUPERVISION, target))
    return SessionCapabilities(
        view=True, write_notes=notes, write_reflection=reflection,
        sign=allowed(actor, Action.SIGN_SUPERVISION, target),
        read_only_reason="" if notes or reflection else
        "Read-only: only the session's supervisor and practitioner write this record.")
