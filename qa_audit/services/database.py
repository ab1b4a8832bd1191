"""The open database as the app and the command line hold it.

`Store` and its units of work belong to the store layer (`qa_audit.store.database`); it is
named here so that the UI, which may not import `qa_audit.store`, can open and hand on a
database without reaching below the services.
"""

from __future__ import annotations

from qa_audit.store.database import Store

__all__ = ["Store"]
