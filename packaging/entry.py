"""PyInstaller entry point: the same `main` as the `qa-audit` command."""

from qa_audit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
