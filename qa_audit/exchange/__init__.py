"""Offline exchange: one record format for bundles now and sync with the team store later.

- `records`: the format (JSON records with row versions and their one writer, framework
  snapshots named by hash) and `collect`, which reads what two people may both see through
  the domain's scope rules (`store.scope.visible`), changed since a peer last had it;
- `apply`: `plan_payload` (the preview: every record's decision, conflicts listed) and
  `execute` (the writes, in the caller's transaction), with the versions exchanged with
  each peer kept in `exchange_known` as the base for the next conflict check;
- `bundle`: records as a signed (Ed25519), encrypted (X25519 + HKDF + AES-GCM) file;
- `keys`: each account's bundle keys (sealed by its password) and others' public keys.

A sync with the team store is the same two steps each way: `collect` this person's scope
from A with A's known versions for B, `plan_payload` + `execute` into B in one transaction,
then back; the per-peer high-water marks (`exchange_peer`, `exchange_known`) make it
idempotent and resumable (a sync killed mid-way committed nothing, or all of one side).
"""
