"""`qa-audit sync` as a person runs it: making the copy, syncing, conflicts, bad input,
and a sync killed with SIGKILL again and again (then a clean one: nothing lost, nothing
twice). On the tests' own PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.services import assessments, sync
from qa_audit.services.assessments import Narrative
from tests.conftest import PASSWORD

from .sync_helpers import as_person, complete, content_rows, new_audit, open_copy, team_url

pytestmark = pytest.mark.postgresql_only


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["sync", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def signed(monkeypatch):
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)


def test_make_then_sync_then_settle_a_conflict(world, tmp_path: Path, capsys, signed) -> None:
    url = team_url(world)
    aid = new_audit(world.store, world, world.supervisor)
    complete(world.store, world.supervisor, aid)
    copy = tmp_path / "copy.db"
    code, out, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup")
    assert code == 0, err
    assert "Your own copy of" in out and "1 assessment" in out
    assert "Recovery key" in err and PASSWORD not in out + err
    code, out, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup")
    assert code == 0 and "pushed nothing; pulled nothing" in out
    # The default place: one file per team store and person.
    code, out, _ = _run(capsys, "--team-db", url, "--user", "sup")
    assert code == 0 and str(sync.default_copy_path(url, "sup")) in out

    with open_copy(copy, "sup") as (local, me):
        assessments.set_narrative(local, me, aid, Narrative.STRENGTHS, "mine, offline")
    with as_person(world, "sup") as (team, me):
        assessments.set_narrative(team, me, aid, Narrative.STRENGTHS, "theirs, online")
    code, out, _ = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup")
    assert code == 0 and "1 conflict(s) to settle" in out and str(aid) in out
    assert "mine, offline" in out and "theirs, online" in out
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup",
                        "--keep-mine")
    assert code == 1 and "--resolve ID" in err
    code, out, _ = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup",
                        "--resolve", str(aid), "--take-theirs")
    assert code == 0 and "team store's version taken" in out and "conflict(s)" not in out
    with open_copy(copy, "sup") as (local, me):
        assert assessments.get_assessment(local, me, aid).strengths == "theirs, online"


def test_bad_input_is_one_clear_line_and_writes_nothing(world, tmp_path: Path, capsys,
                                                        signed, monkeypatch) -> None:
    url = team_url(world)
    copy = tmp_path / "copy.db"
    # The team store cannot be reached (no server behind that socket folder).
    gone = url.split("?")[0] + "?host=" + str(tmp_path / "no-server-here")
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", gone, "--user", "sup")
    assert code == 1 and "cannot be reached" in err and len(err.strip().splitlines()) == 1
    # A wrong password.
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "not the password at all")
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup")
    assert code == 1 and "username or password is not right" in err
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    # A folder where the copy's file should be.
    code, _, err = _run(capsys, "--db", str(tmp_path), "--team-db", url, "--user", "sup")
    assert code == 1 and "is a folder" in err
    assert list(tmp_path.iterdir()) == []  # nothing was written by any of these
    # Someone else's copy, or a copy of another team store.
    assert _run(capsys, "--db", str(copy), "--team-db", url, "--user", "fca")[0] == 0
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "sup")
    assert code == 1 and "not your copy" in err
    other = url.replace("/t_", "/other_", 1)
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", other, "--user", "fca")
    assert code == 1 and "copy of another team store" in err
    # The wrong password on an existing copy, and a resolution of nothing.
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "not the password at all")
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "fca")
    assert code == 1 and "username or password is not right" in err
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    code, _, err = _run(capsys, "--db", str(copy), "--team-db", url, "--user", "fca",
                        "--resolve", "0f0f0f0f-0000-4000-8000-000000000000", "--keep-mine")
    assert code == 1 and "no conflict" in err


KILLS_WANTED = 50
TIME_FOR_KILLS_S = 60.0  # as many of the 50 as fit; at least KILLS_AT_LEAST whatever it takes
KILLS_AT_LEAST = 10


@pytest.mark.slow
def test_killed_again_and_again_then_a_clean_sync_loses_nothing(world, tmp_path: Path,
                                                                 capsys) -> None:
    """Each round adds work on both sides, runs `qa-audit sync` in its own process with
    small batches and kills it (SIGKILL) after a random number of batches and a random
    few milliseconds; then one clean sync. Nothing lost, nothing twice, no conflict."""
    url = team_url(world)
    copy = tmp_path / "copy.db"
    with as_person(world, "sup") as (team, sup):
        sync.create_copy(team, sup, PASSWORD, copy)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "QA_AUDIT_PASSWORD": PASSWORD, "QA_AUDIT_HOME": str(home),
           "QA_AUDIT_SYNC_BATCH": "2"}
    command = [sys.executable, "-m", "qa_audit", "sync", "--db", str(copy), "--team-db", url,
               "--user", "sup"]
    rng = random.Random(20261202)
    mine, theirs, texts = [], [], {}
    killed = finished = 0
    started = time.monotonic()
    # The copy stays open here meanwhile, as the app would hold it (SQLite: one writer at
    # a time, the sync's batches and this test's edits take turns).
    with open_copy(copy, "sup") as (local, me):
        while killed < KILLS_WANTED and (time.monotonic() - started < TIME_FOR_KILLS_S
                                         or killed < KILLS_AT_LEAST) and len(mine) < 400:
            for _ in range(2):
                aid = new_audit(local, world, me)
                assessments.save_rating(local, me, aid, "seen", grade="G", evidence="offline")
                mine.append(aid)
            edited = rng.choice(mine)
            texts[edited] = f"edit {killed} {finished}"
            assessments.set_narrative(local, me, edited, Narrative.STRENGTHS, texts[edited])
            aid = new_audit(world.store, world, world.supervisor)
            assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                                    evidence="online")
            theirs.append(aid)
            proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            assert proc.stderr is not None
            wanted, seen = rng.randint(1, 4), 0
            while seen < wanted:
                line = proc.stderr.readline()
                if not line:
                    break
                seen += line.startswith("sync: ")
            if seen == wanted and proc.poll() is None:
                time.sleep(rng.random() * 0.05)
                proc.send_signal(signal.SIGKILL)
                killed += proc.wait() == -signal.SIGKILL
            finished += proc.wait() == 0
            proc.stderr.close()
    print(f"\nsync killed with SIGKILL {killed} times mid-sync ({finished} runs finished "
          f"first) in {time.monotonic() - started:.0f} s")
    assert killed >= KILLS_AT_LEAST

    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "conflict" not in result.stdout
    with open_copy(copy, "sup") as (local, me), as_person(world, "sup") as (team, sup):
        rows, team_rows = content_rows(local), content_rows(team)
        assert rows == team_rows  # the same rows, none twice, none missing
        ids = {r[0] for r in rows["assessment"]}
        assert {str(a) for a in mine + theirs} | {str(world.case_id)} >= ids - {
            str(world.case_id)} and {str(a) for a in mine + theirs} <= ids
        assert len(rows["assessment"]) == len(mine) + len(theirs)
        # The mini framework's three standards: a rating row each, from the start.
        assert len(rows["rating"]) == 3 * (len(mine) + len(theirs))
        assert {r[2] for r in rows["rating"] if r[5] in ("offline", "online")} == {"seen"}
        for aid, text in texts.items():
            assert assessments.get_assessment(team, sup, aid).strengths == text
        assert sync.pending_conflicts(local, me) == ()
