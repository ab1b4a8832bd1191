"""Every document kind in every profile, read back with poppler (pdftotext, pdffonts):
long text of any length in any field exports, every font is embedded, the DRAFT mark is
not in the text layer, the page header says where the document stands and whom it is for,
and the metadata carries the title and the language."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.reports.model import Profile
from qa_audit.services import assessments, replies, supervision
from qa_audit.services.assessments import Agreement, Narrative
from qa_audit.services.documents import DocumentKind, PdfRequest, render_pdf

TODAY = dt.date.today()
# About 600 words of ordinary prose (the reflection that broke the period summary had 580),
# a 5,000-character word (an unbroken string in an action broke the assessment summary),
# Arabic beside English and an emoji.
PROSE = " ".join(f"Sentence {n} of a long reflection about the visit and the plan."
                 for n in range(60))
WORD = "x" * 5000
LONG = f"{PROSE} {WORD} عمران خان — Fatima 👶🏽 end-of-field"


def _pdf(data: bytes, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) of every font pdffonts lists."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


@pytest.fixture
def long_everywhere(world):
    """An assessment, a session and their summaries with LONG in every free-text field."""
    store, sup, fca = world.store, world.supervisor, world.fca
    aid = world.new_audit()
    assessments.set_context(store, sup, aid, "setting", "Home visit")
    assessments.set_context(store, sup, aid, "notes", LONG)
    assessments.save_rating(store, sup, aid, "seen", grade="G", evidence=LONG, commentary=LONG)
    assessments.save_rating(store, sup, aid, "care-plan", grade="RI", evidence=LONG)
    assessments.save_rating(store, sup, aid, "sgo", grade=NOT_APPLICABLE)
    for narrative in Narrative:
        assessments.set_narrative(store, sup, aid, narrative, LONG)
    for _ in range(2):
        assessments.add_action(store, sup, aid, LONG, owner_id=fca.user_id,
                               due_on=TODAY + dt.timedelta(days=5))
    draft = world.new_audit()  # stays a draft, one standard graded
    assessments.save_rating(store, sup, draft, "seen", grade="G", evidence="Seen")
    assessments.submit(store, sup, aid)
    assessments.respond(store, fca, aid, LONG, Agreement.DISAGREE, LONG)
    replies.reply_to_response(store, sup, aid, LONG)
    sid = supervision.create_session(store, sup, fca.user_id)
    supervision.save_notes(store, sup, sid, {s: LONG for s in supervision.STAGES})
    supervision.set_assessments(store, sup, sid, [aid])
    supervision.add_action(store, sup, sid, LONG)
    supervision.save_fca_reflection(store, fca, sid, LONG)
    return world, aid, draft, sid


def _requests(world, aid, sid) -> list[PdfRequest]:
    first, last = TODAY - dt.timedelta(days=40), TODAY + dt.timedelta(days=40)
    out = []
    for profile in Profile:
        out += [PdfRequest(DocumentKind.ASSESSMENT, aid, profile),
                PdfRequest(DocumentKind.SESSION, sid, profile),
                PdfRequest(DocumentKind.PERIOD, world.fca.user_id, profile, date_from=first,
                           date_to=last),
                PdfRequest(DocumentKind.TEAM, world.team_id, profile, date_from=first,
                           date_to=last)]
    return out


@pytest.mark.slow
def test_every_kind_and_profile_exports_long_text_with_every_font_embedded(
        long_everywhere, tmp_path) -> None:
    world, aid, _, sid = long_everywhere
    for n, request in enumerate(_requests(world, aid, sid)):
        actor = world.fca if request.profile is Profile.PRACTITIONER else world.supervisor
        if request.kind is DocumentKind.TEAM:
            actor = world.supervisor  # a practitioner has no team summary
        pdf = _pdf(render_pdf(world.store, actor, request), tmp_path, f"{n}.pdf")
        label = f"{request.kind.value}/{request.profile.value}"
        fonts = _fonts(pdf)
        assert fonts and all(embedded == "yes" for _, embedded in fonts), (label, fonts)
        assert not any("Helvetica" in name for name, _ in fonts), label
        text = _text(pdf)
        flat = " ".join(text.split())
        assert "FT" not in [w for w in text.split()], label  # no watermark letters
        assert request.profile.label.split(":")[0] in flat, label
        assert request.profile.purpose.split(";")[0].rstrip(".") in flat, label  # for whom
        if request.profile is Profile.PSEUDONYMISED and request.kind is not DocumentKind.TEAM:
            assert "may still identify people" in flat, label
        pages = len(PdfReader(pdf).pages)
        assert f"Page {pages} of {pages}" in flat, label
        meta = PdfReader(pdf).metadata
        assert meta is not None and meta.title, label
        assert "/Lang" in PdfReader(pdf).trailer["/Root"], label
        if request.kind is not DocumentKind.TEAM:
            # Each long word is all there, wrapped (and continued past page breaks): the
            # runs of x add up to 5,000 per field printed, give or take a lone x left at
            # the foot of a page.
            fields = flat.count("end-of-field")
            runs = sum(len(r) for r in re.findall("x{2,}", "".join(text.split())))
            assert fields and 5000 * fields - 10 * fields <= runs <= 5000 * fields, label
            assert "Sentence 59 of a long reflection" in flat, label
            assert "end-of-field" in flat, label
            assert "👶🏽" in text, label


def test_a_draft_says_draft_and_an_assessment_with_the_practitioner_says_so(
        long_everywhere, tmp_path) -> None:
    world, aid, draft, _ = long_everywhere
    draft_text = _text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, draft)), tmp_path, "draft.pdf"))
    pages = draft_text.split("\f")[:-1]
    assert all("DRAFT" in page for page in pages)  # at the top of every page, as text
    flat = " ".join(draft_text.split())
    # two of three standards not graded: no overall judgement as if it were settled
    assert "Not settled: 2 standards not graded yet" in flat
    assert "Good (G)" in flat  # the one grade given is shown
    with_fca = " ".join(_text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid)), tmp_path, "fca.pdf")).split())
    # (responded: now with the supervisor for sign-off)
    assert "DRAFT" not in with_fca and "Awaiting the supervisor's sign-off" in with_fca
    fresh = world.new_audit()
    world.complete(fresh)
    assessments.submit(world.store, world.supervisor, fresh)
    submitted = " ".join(_text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, fresh)), tmp_path, "sub.pdf")).split())
    assert "DRAFT" not in submitted and "Awaiting practitioner response" in submitted


def test_a_disagreement_is_resolved_on_paper(long_everywhere, tmp_path) -> None:
    world, aid, _, _ = long_everywhere
    replies.reply_to_response(world.store, world.supervisor, aid,
                              "We will look at the plan again together.")
    assessments.finalise(world.store, world.supervisor, aid)
    assessments.add_addendum(world.store, world.supervisor, aid, "Corrected the date.")
    flat = " ".join(_text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid)), tmp_path, "a.pdf")).split())
    assert "Agreement: Disagrees" in flat and "Reasons:" in flat
    assert "The supervisor's reply We will look at the plan again together." in flat
    assert "Replied by Sam Supervisor" in flat
    assert "Addenda Sam Supervisor, " in flat and "Corrected the date." in flat
    assert "What signing means." in flat
    assert "DRAFT" not in flat and "Finalised" in flat


def test_the_reply_is_the_supervisors_and_only_for_a_disagreement(world) -> None:
    from qa_audit.errors import InvalidInput, PermissionDenied

    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    with pytest.raises(InvalidInput):  # nothing to reply to yet
        replies.reply_to_response(world.store, world.supervisor, aid, "Thanks")
    assessments.respond(world.store, world.fca, aid, "Fine", Agreement.AGREE)
    with pytest.raises(InvalidInput):  # the practitioner agreed
        replies.reply_to_response(world.store, world.supervisor, aid, "Thanks")
    other = world.new_audit()
    world.complete(other)
    assessments.submit(world.store, world.supervisor, other)
    assessments.respond(world.store, world.fca, other, "No", Agreement.PARTLY, "Too harsh")
    with pytest.raises(PermissionDenied):
        replies.reply_to_response(world.store, world.fca, other, "I reply to myself")
    with pytest.raises(InvalidInput):
        replies.reply_to_response(world.store, world.supervisor, other, "   ")
    assert replies.get_reply(world.store, world.fca, other) is None
    replies.reply_to_response(world.store, world.supervisor, other, "Let us talk")
    replies.reply_to_response(world.store, world.supervisor, other, "Let us talk on Monday")
    reply = replies.get_reply(world.store, world.fca, other)
    assert reply is not None and reply.text == "Let us talk on Monday"
    assert reply.author_name == "Sam Supervisor"
    assessments.finalise(world.store, world.supervisor, other)
    with pytest.raises(InvalidInput):  # finalised: read-only
        replies.reply_to_response(world.store, world.supervisor, other, "Later")


def test_a_moderation_outcome_is_printed_when_there_is_one(world, tmp_path) -> None:
    # (moderation is recorded by its own feature; the row is written here as it stores it)
    from qa_audit.store.tables import Moderation

    aid = world.new_audit()  # responded, not yet finalised
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.respond(world.store, world.fca, aid, "Fine", Agreement.AGREE)
    before = " ".join(_text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid)), tmp_path, "before.pdf")).split())
    assert "Moderation" not in before
    with world.store.unit_of_work() as session:
        session.add(Moderation(assessment_id=aid, moderator_id=world.ql.user_id,
                               agreement=0.75, outcome="confirmed",
                               notes="Second reading agrees with the care plan grade.",
                               submitted_at=dt.datetime.now(dt.UTC)))
    after = " ".join(_text(_pdf(render_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid)), tmp_path, "after.pdf")).split())
    assert "Moderation Confirmed (" in after
    assert "Agreement with the moderator's grades: 75%." in after
    assert "Second reading agrees with the care plan grade." in after
