"""The practitioner's comment under each standard's feedback: a part of her response.

Same writer and workflow as the response (`assessments.save_response`): the FCA the
assessment is about writes it while the assessment is with her; signing the response
freezes it. Each comment keeps its own version (two standards' comments never refuse each
other) and every change also moves the response's, so the response travels and is checked
for conflicts as one record with its comments.
"""

from __future__ import annotations

import uuid

from sqlmodel import select

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, ReadOnly
from qa_audit.store.database import Store
from qa_audit.store.errors import check_version
from qa_audit.store.tables import ResponseComment
from qa_audit.store.types import utcnow

from . import audit_log
from .assessments import _load, _response, target_of
from .frameworks import get_framework
from .read_models import RESPONSE, Versions, comment_key

MAX_LENGTH = 5_000
"""A comment is short: the whole-assessment reflection is the place for more."""


def save_comment(
    store: Store, actor: Actor, assessment_id: uuid.UUID, standard_id: str, text: str,
    *, seen: int | None = None,
) -> Versions:
    """Save (or clear, with empty text) the practitioner's comment under one standard.

    `seen` is the comment's row_version the FCA's copy was drawn from (0: there was none);
    a comment changed since is not overwritten (`StaleRecord`). Returns the new versions of
    the comment and of the response."""
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"A comment on a standard is at most {MAX_LENGTH:,} characters "
                           f"(this one has {len(text):,}); put more in your reflection.")
    with store.unit_of_work() as session:
        row = _load(session, assessment_id, for_update=True)
        check(actor, Action.RESPOND, target_of(row))
        if Status(row.status) is not Status.SUBMITTED:
            raise ReadOnly("Your comments can only be changed while the assessment is with "
                           "you, before you sign your response.")
        framework = get_framework(store, row.framework_version_id)
        if not framework.has_standard(standard_id):
            raise InvalidInput(f"'{standard_id}' is not a standard of {framework.title}.")
        comment = session.exec(select(ResponseComment).where(
            ResponseComment.assessment_id == row.id,
            ResponseComment.standard_id == standard_id)).first()
        response = _response(session, row, actor)  # (a new one is written once, at flush)
        if response.signed_at is not None:  # (signing moves the status on: belt and braces)
            raise ReadOnly("Your response is signed: its comments cannot change.")
        check_version(comment.row_version if comment else 0, seen,
                      "your comment on this standard")
        if comment is None:
            comment = ResponseComment(assessment_id=row.id, standard_id=standard_id,
                                      fca_id=actor.user_id)
        comment.text = text
        comment.updated_at = response.updated_at = utcnow()  # the response moves on too
        session.add(comment)
        audit_log.record(session, actor, "comment", "response", response.id)
        session.flush()
        return {comment_key(standard_id): comment.row_version, RESPONSE: response.row_version}
