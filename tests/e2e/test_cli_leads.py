"""`qa-audit themes` and `qa-audit moderation …` give the numbers of the hand-built data set
(tests/hand_built.py) to analysts, through `qa_audit.cli.main`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hand_built import build

from qa_audit.cli import main
from qa_audit.services import moderation
from qa_audit.services.moderation import SampleRules

PASSWORD = "correct horse battery"  # the world fixture's (tests/conftest.py)


@pytest.fixture
def db(world, monkeypatch: pytest.MonkeyPatch) -> Path:
    hb = build(world)
    moderation.draw_sample(world.store, world.ql, SampleRules(), seed=3)
    mids = {m.assessment_id: m.id for m in moderation.list_moderations(world.store, world.ql)}
    for sid, grade in (("seen", "G"), ("care-plan", "I"), ("sgo", "I")):
        moderation.save_grade(world.store, world.ql, mids[hb.a2], sid, grade)
    moderation.submit(world.store, world.ql, mids[hb.a2])
    path = world.store.path
    world.store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    return path


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text("utf-8-sig").splitlines()))


def test_themes_by_team_and_standard(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "themes.csv"
    assert main(["themes", "--db", str(db), "--user", "ql", "--by", "team,standard",
                 "--from", "2025-01-01", "--to", "2025-12-31", "--framework", "mini-standards",
                 "--csv", str(out)]) == 0
    rows = _csv(out)
    assert rows[0] == ["team", "standard", "graded", "at G or better", "share", "too_few"]
    # ql still scores A1 and A5 blind, so they are left out; A2 (submitted) and A3 count:
    # seen G, RI; care plan RI, I; sgo I, G: two graded each, too few to read.
    assert rows[1:] == [["Newcastle 1", "The child is seen and heard", "2", "", "", "1"],
                        ["Newcastle 1", "The care plan is analysed", "2", "", "", "1"],
                        ["Newcastle 1", "Special guardianship support", "2", "", "", "1"]]


def test_themes_as_the_supervisor_to_stdout(db: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert main(["themes", "--db", str(db), "--user", "sup", "--by", "grade"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["framework", "grade", "graded", "good_or_better", "share", "too_few"]
    # Team 1's A1 (O, G), A2 (G, RI, I), A3 (RI, I, G): O1 G3 RI2 I2, all from 1 to 4:
    # every grade is listed, none with a number.
    assert [r[1:3] + r[5:] for r in rows[1:]] == [["O", "", "1"], ["G", "", "1"],
                                                  ["RI", "", "1"], ["I", "", "1"]]


def test_moderation_agreement_csv(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "agreement.csv"
    assert main(["moderation", "agreement", "--db", str(db), "--user", "ql",
                 "--csv", str(out)]) == 0
    rows = {r[1]: r for r in _csv(out)[1:]}
    # A2 only: seen G/G, care-plan RI/I, sgo I/I -> 2 of 3 exact, 3 of 3 within one.
    assert rows["All standards"][2:7] == ["3", "2", "0.6667", "3", "1.0"]


def test_bad_input_is_a_clear_error(db: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["themes", "--db", str(db), "--user", "ql", "--by", "practitioner"]) == 1
    assert "Group by one or more of" in capsys.readouterr().err
    assert main(["themes", "--db", str(db), "--user", "ql", "--framework", "mini-standards",
                 "--csv", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert main(["moderation", "agreement", "--db", str(db), "--user", "sup"]) == 1
    assert "cannot moderate" in capsys.readouterr().err
    assert main(["moderation", "sample", "--db", str(db), "--user", "ql", "--percent",
                 "0"]) == 1
