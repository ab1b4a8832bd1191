"""The supervisor's reply to a practitioner who did not fully agree: recorded before the
assessment is finalised, printed with the practitioner's reasons, so that a disagreement
is resolved on paper."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import select

from qa_audit.domain.permissions import Action, Actor, allowed, check
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, NotFound
from qa_audit.store.database import Store
from qa_audit.store.tables import Assessment, Response, ResponseReply, User

from . import audit_log
from .assessments import target_of

MAX_LENGTH = 20_000


@dataclass(frozen=True)
class ReplyInfo:
    text: str
    author_id: uuid.UUID
    author_name: str
    written_at: dt.datetime


def may_reply(actor: Actor, row: Assessment, response: Response | None) -> bool:
    """The supervisor who may finalise, once the practitioner has signed a response that
    does not fully agree, and until the assessment is finalised."""
    return (Status(row.status) is Status.RESPONDED and response is not None
            and response.signed_at is not None and response.agreement != "agree"
            and allowed(actor, Action.FINALISE, target_of(row)))


def reply_to_response(store: Store, actor: Actor, assessment_id: uuid.UUID, text: str) -> None:
    """Record (or replace) the supervisor's reply to the practitioner's reasons."""
    text = text.strip()
    if not text:
        raise InvalidInput("Write your reply to the practitioner's reasons.")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"The reply is longer than {MAX_LENGTH:,} characters: shorten it.")
    with store.unit_of_work() as session:
        row = session.get(Assessment, assessment_id)
        if row is None:
            raise NotFound("That assessment does not exist.")
        check(actor, Action.FINALISE, target_of(row))
        response = session.exec(select(Response).where(
            Response.assessment_id == assessment_id)).first()
        if not may_reply(actor, row, response):
            raise InvalidInput("A reply is for a signed response that does not fully agree, "
                               "before the assessment is finalised.")
        reply = session.get(ResponseReply, assessment_id)
        if reply is None:
            session.add(ResponseReply(assessment_id=assessment_id, author_id=actor.user_id,
                                      text=text))
        else:
            reply.text, reply.author_id = text, actor.user_id
            reply.written_at = dt.datetime.now(dt.UTC)  # (the mapper counts the version)
        audit_log.record(session, actor, "reply_to_response", "assessment", assessment_id)


def get_reply(store: Store, actor: Actor, assessment_id: uuid.UUID) -> ReplyInfo | None:
    """The reply, if one was written (for anyone who may see the assessment)."""
    with store.reading() as session:
        row = session.get(Assessment, assessment_id)
        if row is None:
            raise NotFound("That assessment does not exist.")
        check(actor, Action.VIEW_ASSESSMENT, target_of(row))
        reply = session.get(ResponseReply, assessment_id)
        if reply is None:
            return None
        author = session.get(User, reply.author_id)
        return ReplyInfo(reply.text, reply.author_id, author.display_name if author else "",
                         reply.written_at)


def reply_allowed(store: Store, actor: Actor, assessment_id: uuid.UUID) -> bool:
    """Whether `actor` may write the reply now (the editor enables its box by this)."""
    with store.reading() as session:
        row = session.get(Assessment, assessment_id)
        if row is None:
            return False
        response = session.exec(select(Response).where(
            Response.assessment_id == assessment_id)).first()
        return may_reply(actor, row, response)
