"""Shared fixtures: a fresh database per test, an organisation, people and a framework."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from qa_audit.config import stop_logging
from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind
from qa_audit.domain.permissions import Actor, Role
from qa_audit.services import accounts, assessments, cases, frameworks
from qa_audit.services.database import Store

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _isolated_profile(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own data, config and log dirs: never the developer's real ones."""
    home = tmp_path_factory.mktemp("profile")
    monkeypatch.setenv("QA_AUDIT_HOME", str(home))
    monkeypatch.delenv("QA_AUDIT_DB", raising=False)
    monkeypatch.delenv("QA_AUDIT_PASSWORD", raising=False)
    yield
    stop_logging()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    accounts.use_fast_hashing()


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "qa.db")
    yield s
    s.close()


@dataclass
class World:
    store: Store
    admin: Actor
    supervisor: Actor
    supervisor2: Actor
    fca: Actor
    fca2: Actor
    ql: Actor
    other_ql: Actor
    team_id: object
    team2_id: object
    framework_version_id: object
    case_id: object

    def complete(self, aid) -> None:
        """Fill in everything the mini framework needs before submission."""
        s = self.supervisor
        assessments.set_context(self.store, s, aid, "setting", "Home visit")
        assessments.save_rating(self.store, s, aid, "seen", grade="G", evidence="Seen alone")
        assessments.save_rating(self.store, s, aid, "care-plan", grade="RI",
                                evidence="Plan not tested against the parenting assessment")
        assessments.save_rating(self.store, s, aid, "sgo", grade=NOT_APPLICABLE)

    def finalised_audit(self) -> object:
        aid = self.new_audit()
        self.complete(aid)
        assessments.submit(self.store, self.supervisor, aid)
        assessments.respond(self.store, self.fca, aid, "My reflection",
                            assessments.Agreement.AGREE)
        assessments.finalise(self.store, self.supervisor, aid)
        return aid

    def new_audit(self) -> object:
        return assessments.create_assessment(
            self.store,
            self.supervisor,
            AssessmentKind.CASE_AUDIT,
            self.framework_version_id,
            self.fca.user_id,
            case_id=self.case_id,
        )


def _sign(store: Store, username: str) -> Actor:
    return accounts.sign_in(store, username, PASSWORD)


@pytest.fixture
def world(store: Store) -> World:
    admin = accounts.system_actor()
    north = accounts.add_org_unit(store, admin, "North", "region")
    south = accounts.add_org_unit(store, admin, "South", "region")
    area = accounts.add_org_unit(store, admin, "Tyne and Wear", "service_area", north.id)
    team = accounts.add_org_unit(store, admin, "Newcastle 1", "team", area.id)
    team2 = accounts.add_org_unit(store, admin, "Newcastle 2", "team", area.id)
    south_team = accounts.add_org_unit(store, admin, "Brighton", "team", south.id)
    for username, name, role, team_id in [
        ("admin", "Ada Admin", Role.ADMIN, None),
        ("sup", "Sam Supervisor", Role.SUPERVISOR, team.id),
        ("sup2", "Sol Supervisor", Role.SUPERVISOR, team2.id),
        ("fca", "Fatima Khan", Role.FCA, team.id),
        ("fca2", "Gwen Jones", Role.FCA, team2.id),
        ("ql", "Quinn Lead", Role.QUALITY_LEAD, team.id),
        ("ql-south", "Sasha Lead", Role.QUALITY_LEAD, south_team.id),
    ]:
        accounts.add_user(store, admin, username, name, role, PASSWORD, team_id)
    sup = _sign(store, "sup")
    fv = frameworks.import_framework_file(store, admin, FIXTURES / "mini.yaml").version
    case = cases.create_case(store, sup, "PL-2024-00001", "care_order", fca_id=None)
    return World(
        store,
        _sign(store, "admin"),
        sup,
        _sign(store, "sup2"),
        _sign(store, "fca"),
        _sign(store, "fca2"),
        _sign(store, "ql"),
        _sign(store, "ql-south"),
        team.id,
        team2.id,
        fv.id,
        case.id,
    )


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real, nearly full file system: a 4 MB tmpfs mounted for the test (needs root, as
    the CI container and the developers' machines here run; a non-root run says so)."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill_disk(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` until fewer than `leave` bytes are free."""
    filler = disk / "filler"
    with filler.open("ab") as fh:
        while os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > leave:
            try:
                fh.write(b"\0" * 4096)
                fh.flush()
            except OSError:
                break
    return filler
