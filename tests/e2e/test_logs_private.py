"""After a whole scenario, the logs hold no names, case references, case text or passwords."""

from __future__ import annotations

import csv
from pathlib import Path

from qa_audit.cli import main
from qa_audit.config import log_dir
from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store
from qa_audit.services.demo import DEMO_PASSWORD

SECRET_TEXT = "The child said she is frightened of the man at her father's flat"


def test_logs_hold_no_personal_or_case_data(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--assessments", "80", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    supervisor = out.split("Sign in as any of: ")[1].split(",")[0]
    monkeypatch.setenv("QA_AUDIT_PASSWORD", DEMO_PASSWORD)
    assert main(["--db", str(db), "export", "csv", "--out", str(tmp_path / "csv"),
                 "--user", supervisor]) == 0
    with (tmp_path / "csv" / "assessments.csv").open(encoding="utf-8-sig") as fh:
        fh.readline()  # the marking line
        rows = list(csv.DictReader(fh))
    names = {r["practitioner"] for r in rows} | {r["author"] for r in rows}
    references = {r["case_reference"] for r in rows if r["case_reference"]}
    assert main(["--db", str(db), "export", "pdf", "--assessment", rows[0]["assessment_id"],
                 "--out", str(tmp_path / "a.pdf"), "--user", supervisor]) == 0
    assert main(["--db", str(db), "users", "list", "--user", "wrong.user"]) == 1
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "not-the-password-at-all")
    assert main(["--db", str(db), "users", "list", "--user", supervisor]) == 1
    store = Store.open(db)
    actor = accounts.sign_in(store, supervisor, DEMO_PASSWORD)
    from qa_audit.domain.framework import AssessmentKind
    from qa_audit.domain.permissions import Role
    from qa_audit.services import frameworks

    fca = next(u for u in accounts.list_users(store, actor, Role.FCA) if u.team_id == actor.team_id)
    version = next(v for v in frameworks.latest_versions(store)
                   if AssessmentKind.PRACTICE_OBSERVATION in
                   frameworks.get_framework(store, v.id).applies_to)
    aid = assessments.create_assessment(store, actor, AssessmentKind.PRACTICE_OBSERVATION,
                                        version.id, fca.id)
    standard = next(iter(assessments.get_assessment(store, actor, aid).ratings))
    assessments.save_rating(store, actor, aid, standard, evidence=SECRET_TEXT)
    store.close()
    logs = "".join(p.read_text("utf-8") for p in log_dir().glob("*"))
    assert "sign_in" in logs  # the log is written at all
    for needle in [*names, *references, SECRET_TEXT, DEMO_PASSWORD, "not-the-password"]:
        assert needle not in logs, needle
