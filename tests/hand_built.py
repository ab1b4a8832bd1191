"""A small hand-built data set for the themes, moderation and sampling tests.

Every expected number in those tests is worked out by hand from this table, never from
the code's own output.

Mini framework: grades O (best), G, RI, I; standards seen, care-plan, sgo (optional).
"Good or better" = O or G (the scale's two best grades). Today is 2025-12-31.

Team 1 "Newcastle 1" (supervisor sup, practitioner fca), cases:
  C1 PL-2025-00011 care order (public), issued Mon 2025-01-06, allocated Wed 01-08
     (2 working days: on time), concluded 2025-06-30 (175 days: within 26 weeks)
  C2 PL-2025-00012 supervision order (public), issued Fri 2025-01-10, allocated Wed 01-15
     (3 working days: late), not concluded (355 days to today: over 26 weeks)
Team 2 "Newcastle 2" (supervisor sup2, practitioner fca2), case:
  C3 PR-2025-00013 child arrangements (private), issued Mon 2025-02-03, allocated Mon
     02-10 (5 working days: late)

  id  team case date        seen care-plan sgo  status     action (due, state)
  A1  1    C1   2025-02-15  O    G         N/A  finalised  2025-03-01, done
  A2  1    C1   2025-05-10  G    RI        I    responded  2025-06-01, open (overdue)
  A3  1    C2   2025-05-20  RI   I         G    submitted  2026-01-31, open
  A4  1    C2   2025-06-02  O    O         O    draft      2025-07-01 (draft: not counted)
  A5  2    C3   2025-11-01  G    G         N/A  finalised  -
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind
from qa_audit.services import assessments, cases

TODAY = dt.date(2025, 12, 31)
D = dt.date


@dataclass
class HandBuilt:
    world: object
    c1: object
    c2: object
    c3: object
    a1: object
    a2: object
    a3: object
    a4: object
    a5: object
    action_done: object


def _audit(w, sup, fca, case_id, day, grades, *, action_due=None, upto="finalised"):
    aid = assessments.create_assessment(w.store, sup, AssessmentKind.CASE_AUDIT,
                                        w.framework_version_id, fca.user_id, case_id=case_id,
                                        assessed_on=day)
    assessments.set_context(w.store, sup, aid, "setting", "Court")
    for sid, grade in zip(("seen", "care-plan", "sgo"), grades, strict=True):
        assessments.save_rating(w.store, sup, aid, sid, grade=grade,
                                evidence="" if grade == NOT_APPLICABLE else "Read the file")
    action = None
    if action_due is not None:
        action = assessments.add_action(w.store, sup, aid, "Record the child's words",
                                        due_on=action_due)
    if upto == "draft":
        return aid, action
    assessments.submit(w.store, sup, aid)
    if upto == "submitted":
        return aid, action
    assessments.respond(w.store, fca, aid, "I reflected", assessments.Agreement.AGREE)
    if upto == "responded":
        return aid, action
    assessments.finalise(w.store, sup, aid)
    return aid, action


def build(world) -> HandBuilt:
    w = world
    c1 = cases.create_case(w.store, w.supervisor, "PL-2025-00011", "care_order",
                           fca_id=w.fca.user_id, issued_on=D(2025, 1, 6),
                           allocated_on=D(2025, 1, 8), concluded_on=D(2025, 6, 30)).id
    c2 = cases.create_case(w.store, w.supervisor, "PL-2025-00012", "supervision_order",
                           fca_id=w.fca.user_id, issued_on=D(2025, 1, 10),
                           allocated_on=D(2025, 1, 15)).id
    c3 = cases.create_case(w.store, w.supervisor2, "PR-2025-00013", "child_arrangements",
                           fca_id=w.fca2.user_id, issued_on=D(2025, 2, 3),
                           allocated_on=D(2025, 2, 10)).id
    na = NOT_APPLICABLE
    a1, done = _audit(w, w.supervisor, w.fca, c1, D(2025, 2, 15), ("O", "G", na),
                      action_due=D(2025, 3, 1))
    assessments.set_action_status(w.store, w.fca, done, True)
    a2, _ = _audit(w, w.supervisor, w.fca, c1, D(2025, 5, 10), ("G", "RI", "I"),
                   action_due=D(2025, 6, 1), upto="responded")
    a3, _ = _audit(w, w.supervisor, w.fca, c2, D(2025, 5, 20), ("RI", "I", "G"),
                   action_due=D(2026, 1, 31), upto="submitted")
    a4, _ = _audit(w, w.supervisor, w.fca, c2, D(2025, 6, 2), ("O", "O", "O"),
                   action_due=D(2025, 7, 1), upto="draft")
    a5, _ = _audit(w, w.supervisor2, w.fca2, c3, D(2025, 11, 1), ("G", "G", na))
    return HandBuilt(w, c1, c2, c3, a1, a2, a3, a4, a5, done)
