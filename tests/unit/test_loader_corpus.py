"""Malformed framework files: each problem is named with its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_audit.domain.loader import load_framework, parse_framework, validate_files
from qa_audit.errors import FrameworkError

CORPUS = Path(__file__).parent / "framework_corpus"


def _expectations() -> list[tuple[str, str, str]]:
    rows = []
    for line in (CORPUS / "expected.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, where, text = (part.strip() for part in line.split("|"))
            rows.append((name, where, text))
    return rows


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(n for n, _, _ in _expectations()) == sorted(
        p.name for p in CORPUS.glob("*.yaml"))
    assert len(_expectations()) >= 20


@pytest.mark.parametrize(("name", "where", "text"), _expectations())
def test_problem_is_located(name: str, where: str, text: str) -> None:
    path = CORPUS / name
    with pytest.raises(FrameworkError) as err:
        load_framework(path)
    lines = [str(p) for p in err.value.problems]
    assert any(line.startswith(f"{path}:{where}:") and text in line for line in lines), lines


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("schema: qa-audit/framework@1\ntitle: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(FrameworkError, match=r"latin1.yaml:2:11: file is not UTF-8"):
        load_framework(path)


def test_all_files_are_checked_not_just_the_first() -> None:
    problems = validate_files([CORPUS / "01-unknown-top-key.yaml",
                               CORPUS / "14-bad-law-type.yaml"])
    assert {p.file.rsplit("/", 1)[-1] for p in problems} == {
        "01-unknown-top-key.yaml", "14-bad-law-type.yaml"}


def test_several_problems_in_one_file_are_all_reported() -> None:
    text = (CORPUS / "09-duplicate-grade-code.yaml").read_text().replace(
        "law_type: public", "law_type: family")
    with pytest.raises(FrameworkError) as err:
        parse_framework(text, "two.yaml")
    assert len(err.value.problems) == 2


def test_validate_command_exit_codes(capsys) -> None:
    from qa_audit.cli import main

    standards = sorted((Path(__file__).parents[2] / "standards").glob("*.yaml"))
    assert main(["validate", *map(str, standards)]) == 0
    assert main(["validate", str(standards[0]), str(CORPUS / "20-bad-id.yaml")]) == 1
    assert "20-bad-id.yaml:2:5:" in capsys.readouterr().err
