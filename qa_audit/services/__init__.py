"""Use cases: one function or class per thing a user does.

Each call takes the acting user, checks permissions, runs in one transaction (a unit
of work) and writes the audit log. Results are plain frozen dataclasses, never ORM
objects, so callers (the UI, the CLI, reports) never hold a database session.
"""
