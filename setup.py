"""Only what pyproject.toml cannot say: the top-level `resources/` folder (icons, fonts and
their licences, style sheet, .desktop file) is installed as package data of
`qa_audit.resources`, so `importlib.resources` finds it in a wheel as in the source tree."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildWithResources(build_py):
    """Copies `resources/` into the built `qa_audit/resources/` package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads resources/ where it is
            return
        target = Path(self.build_lib) / "qa_audit" / "resources"
        shutil.copytree(RESOURCES, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithResources})
