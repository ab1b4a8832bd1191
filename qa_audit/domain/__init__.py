"""Pure domain: frameworks, scoring, workflow and permissions. No Qt, no SQL."""
