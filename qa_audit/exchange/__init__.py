"""Offline exchange: the one-writer record format, applying records, signed and encrypted
bundles (and, later, sync with the team store)."""
