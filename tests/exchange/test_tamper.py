"""Bundles that must be refused whole, with nothing written: a flipped byte, a replayed
older bundle, a bundle signed by someone else, one for another recipient, a changed
manifest, an unknown schema, a framework snapshot that does not match its hash."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile

import pytest

from qa_audit.errors import BundleRejected
from qa_audit.exchange import bundle as bundle_format
from qa_audit.exchange import keys as exchange_keys
from qa_audit.exchange.keys import AccountKeys
from qa_audit.exchange.records import collect
from qa_audit.services import assessments, bundles, frameworks
from qa_audit.services.database import Store
from tests.conftest import FIXTURES, PASSWORD

from .conftest import events, table_hash


def _keys(store: Store, actor, username: str) -> AccountKeys:
    with store.unit_of_work() as session:
        return exchange_keys.account_keys(session, actor.user_id, username, PASSWORD)


def _submitted(pair) -> uuid.UUID:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    return aid


def _send(pair, name: str) -> bytes:
    out = pair.folder / name
    bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", out)
    return out.read_bytes()


def _refused(pair, data: bytes, match: str, **options) -> None:
    path = pair.folder / "suspect.qab"
    path.write_bytes(data)
    before = table_hash(pair.home)
    refusals = events(pair.home, "bundle_refused")
    with pytest.raises(BundleRejected, match=match):
        bundles.import_bundle(pair.home, pair.fca, PASSWORD, path, trust_sender=True,
                              **options)
    assert table_hash(pair.home) == before  # nothing written...
    assert events(pair.home, "bundle_refused") == refusals + 1  # ...but the refusal logged


def _inner(pair, data: bytes) -> dict[str, bytes]:
    """Decrypt a bundle for the practitioner, as an attacker holding her key could not;
    used to build altered bundles that are correctly encrypted."""
    me = _keys(pair.home, pair.fca, "fca")
    envelope, sealed = bundle_format._split(data)
    import base64

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    box = json.loads(envelope)
    eph = base64.b64decode(box["ephemeral"])
    shared = me.exchange.exchange(X25519PublicKey.from_public_bytes(eph))
    key = bundle_format._wrap_key(shared, eph, me.public.exchange)
    inner = AESGCM(key).decrypt(base64.b64decode(box["nonce"]), sealed, envelope)
    zf = zipfile.ZipFile(io.BytesIO(inner))
    return {n: zf.read(n) for n in zf.namelist()}


def _reseal(pair, files: dict[str, bytes]) -> bytes:
    """Encrypt altered contents to the practitioner again (anyone may: her key is public)."""
    me = _keys(pair.home, pair.fca, "fca").public
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    eph = X25519PrivateKey.generate()
    eph_pub = bundle_format._raw(eph.public_key())
    import base64
    import os

    nonce = os.urandom(12)
    envelope = json.dumps({"format": bundle_format.FORMAT, "recipient": str(me.user_id),
                           "recipient_name": "fca", "ephemeral": base64.b64encode(eph_pub)
                           .decode(), "nonce": base64.b64encode(nonce).decode()},
                          sort_keys=True).encode()
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    shared = eph.exchange(X25519PublicKey.from_public_bytes(me.exchange))
    sealed = AESGCM(bundle_format._wrap_key(shared, eph_pub, me.exchange)).encrypt(
        nonce, bundle_format._zip(files, compress=True), envelope)
    return bundle_format.MAGIC + len(envelope).to_bytes(4, "big") + envelope + sealed


@pytest.fixture
def trusted(pair):
    """The practitioner has imported one bundle from the supervisor (so knows his keys)."""
    _submitted(pair)
    first = pair.folder / "first.qab"
    first.write_bytes(_send(pair, "first-out.qab"))
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, first, trust_sender=True)
    return pair


@pytest.mark.parametrize("where", [0.05, 0.3, 0.5, 0.7, 0.95, -1])
def test_one_flipped_byte_is_refused(trusted, where) -> None:
    _submitted(trusted)
    data = bytearray(_send(trusted, "b.qab"))
    at = len(data) - 1 if where == -1 else int(len(data) * where)
    data[at] ^= 0x01
    _refused(trusted, bytes(data), "damaged|altered|not a qa_audit bundle|envelope")


def test_replayed_older_bundle_is_refused(trusted) -> None:
    _submitted(trusted)
    older = _send(trusted, "older.qab")
    _submitted(trusted)
    newer = trusted.folder / "newer.qab"
    newer.write_bytes(_send(trusted, "newer-out.qab"))
    bundles.import_bundle(trusted.home, trusted.fca, PASSWORD, newer)
    _refused(trusted, older, "older than one already imported")


def test_bundle_signed_by_someone_else_is_refused(trusted) -> None:
    """Another supervisor makes a bundle in the first supervisor's name."""
    w = trusted.world
    aid = _submitted(trusted)
    other = _keys(w.store, w.supervisor2, "sup2")
    forged = AccountKeys(trusted.sup.user_id, "sup", other.signing, other.exchange)
    fca_keys = _keys(trusted.home, trusted.fca, "fca").public
    with w.store.reading() as session:
        payload = collect(session, trusted.sup, _fca_actor(trusted), {}, [aid])
    data = bundle_format.pack(payload, forged, fca_keys, 99)
    _refused(trusted, data, "someone else made it")


def _fca_actor(pair):
    from qa_audit.services.accounts import actor_for
    from qa_audit.store.tables import User

    with pair.office.reading() as session:
        return actor_for(session, session.get(User, pair.fca.user_id))


def test_bundle_for_another_recipient_is_refused(trusted) -> None:
    w = trusted.world
    aid = _submitted(trusted)
    sup_keys = _keys(w.store, trusted.sup, "sup")
    someone = _keys(w.store, w.fca2, "fca2").public
    with w.store.reading() as session:
        payload = collect(session, trusted.sup, _fca_actor(trusted), {}, [aid])
    data = bundle_format.pack(payload, sup_keys, someone, 50)
    _refused(trusted, data, "for another person")


def test_changed_records_file_is_refused(trusted) -> None:
    _submitted(trusted)
    files = _inner(trusted, _send(trusted, "b.qab"))
    records = json.loads(files["records/assessment.json"])
    records[0]["ratings"][0]["grade"] = "O"  # a better grade, slipped in
    files["records/assessment.json"] = json.dumps(records).encode()
    _refused(trusted, _reseal(trusted, files), "does not match its hash")


def test_changed_manifest_is_refused(trusted) -> None:
    _submitted(trusted)
    files = _inner(trusted, _send(trusted, "b.qab"))
    manifest = json.loads(files["manifest.json"])
    manifest["seq"] = 1000
    files["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=1).encode()
    _refused(trusted, _reseal(trusted, files), "signature does not match")


def test_unknown_schema_version_is_refused(trusted, monkeypatch) -> None:
    aid = _submitted(trusted)
    sup_keys = _keys(trusted.office, trusted.sup, "sup")
    fca_keys = _keys(trusted.home, trusted.fca, "fca").public
    with trusted.office.reading() as session:
        payload = collect(session, trusted.sup, _fca_actor(trusted), {}, [aid])
    monkeypatch.setattr(bundle_format, "SCHEMA", "qa-audit/exchange@99")
    data = bundle_format.pack(payload, sup_keys, fca_keys, 77)
    monkeypatch.undo()
    _refused(trusted, data, "schema this version does not know")


def test_framework_the_receiver_lacks_travels_inside(trusted) -> None:
    """A framework imported at the office after the laptop's copy was made: its snapshot
    comes with the assessment, and the laptop stores it."""
    w = trusted.world
    text = (FIXTURES / "mini.yaml").read_text().replace('version: "1"', 'version: "2"')
    fv = _import_text(w.store, w.admin, text, "mini2.yaml").version
    from qa_audit.domain.framework import AssessmentKind

    aid = assessments.create_assessment(w.store, trusted.sup, AssessmentKind.CASE_AUDIT, fv.id,
                                        trusted.fca.user_id, case_id=w.case_id)
    w.complete(aid)
    assessments.submit(w.store, trusted.sup, aid)
    assert fv.sha256 not in {v.sha256 for v in frameworks.list_versions(trusted.home)}
    path = trusted.folder / "fw.qab"
    path.write_bytes(_send(trusted, "fw-out.qab"))
    preview = bundles.preview_bundle(trusted.home, trusted.fca, PASSWORD, path)
    assert preview.counts["framework"].get("new") == 1  # mini 2; mini 1 is here already
    bundles.import_bundle(trusted.home, trusted.fca, PASSWORD, path)
    assert fv.sha256 in {v.sha256 for v in frameworks.list_versions(trusted.home)}
    assert assessments.get_assessment(trusted.home, trusted.fca, aid).status == "submitted"


def test_framework_snapshot_not_matching_its_hash_is_refused(trusted) -> None:
    """Signed by the real sender, but the snapshot was changed before signing: refused."""
    aid = _submitted(trusted)
    sup_keys = _keys(trusted.office, trusted.sup, "sup")
    fca_keys = _keys(trusted.home, trusted.fca, "fca").public
    with trusted.office.reading() as session:
        payload = collect(session, trusted.sup, _fca_actor(trusted), {}, [aid])
    snapshot = json.loads(payload.records["framework"][0]["fields"]["snapshot"])
    snapshot["title"] = "Something else"
    payload.records["framework"][0]["fields"]["snapshot"] = json.dumps(snapshot)
    data = bundle_format.pack(payload, sup_keys, fca_keys, 60)
    _refused(trusted, data, "does not match its hash")


def test_same_framework_version_with_other_content_is_refused(trusted) -> None:
    """The laptop holds mini 3 with other content than the office's mini 3."""
    w = trusted.world
    base = (FIXTURES / "mini.yaml").read_text().replace('version: "1"', 'version: "3"')
    _import_text(trusted.home, _laptop_admin(trusted),
                 base.replace("Mini standards", "Other standards"), "x.yaml")
    fv = _import_text(w.store, w.admin, base, "mini3.yaml").version
    from qa_audit.domain.framework import AssessmentKind

    aid = assessments.create_assessment(w.store, trusted.sup, AssessmentKind.CASE_AUDIT, fv.id,
                                        trusted.fca.user_id, case_id=w.case_id)
    w.complete(aid)
    assessments.submit(w.store, trusted.sup, aid)
    _refused(trusted, _send(trusted, "b.qab"), "stored here with other content")


def _import_text(store, actor, text: str, name: str):
    from qa_audit.domain.loader import parse_framework

    return frameworks.import_framework(store, actor, parse_framework(text, name))


def _laptop_admin(pair):
    from qa_audit.services import accounts

    return accounts.sign_in(pair.home, "admin", PASSWORD)


def test_records_outside_the_recipients_scope_are_refused(trusted) -> None:
    """A bundle (signed by the real supervisor) carrying a draft the practitioner may not
    see is refused whole."""
    w = trusted.world
    draft = w.new_audit()
    sup_keys = _keys(w.store, trusted.sup, "sup")
    fca_keys = _keys(trusted.home, trusted.fca, "fca").public
    with w.store.reading() as session:
        payload = collect(session, trusted.sup, trusted.sup, {}, [draft])
    assert payload.count("assessment") == 1
    data = bundle_format.pack(payload, sup_keys, fca_keys, 70)
    _refused(trusted, data, "you may not see")


def test_wrong_password_opens_nothing(trusted) -> None:
    from qa_audit.errors import WrongPassword

    _submitted(trusted)
    path = trusted.folder / "b.qab"
    path.write_bytes(_send(trusted, "b-out.qab"))
    before = table_hash(trusted.home)
    with pytest.raises(WrongPassword):
        bundles.import_bundle(trusted.home, trusted.fca, "not the password", path)
    assert table_hash(trusted.home) == before


def test_not_a_bundle_and_a_folder_are_told_clearly(trusted, tmp_path) -> None:
    from qa_audit.errors import InvalidInput

    _refused(trusted, b"PK\x03\x04 not a bundle", "damaged or not a qa_audit bundle")
    with pytest.raises(InvalidInput, match="is a folder"):
        bundles.import_bundle(trusted.home, trusted.fca, PASSWORD, tmp_path)




def test_a_response_to_someone_elses_assessment_is_ignored(trusted) -> None:
    """The practitioner (signing honestly with her own key) sends a 'response' of hers to
    another practitioner's assessment: the supervisor's copy does not take it."""
    from sqlalchemy import text

    from qa_audit.domain.permissions import Role
    from qa_audit.exchange.records import RESPONSE, USER, Payload, encode
    from qa_audit.services import accounts
    from qa_audit.store.tables import User

    w = trusted.world
    other = accounts.add_user(w.store, w.admin, "fca3", "Omar Ali", Role.FCA, PASSWORD,
                              w.team_id)
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, trusted.sup, aid)
    with w.store.unit_of_work() as session:  # the audit is about the other practitioner
        session.connection().execute(text("UPDATE assessment SET subject_id = :s WHERE id = :a"),
                                     {"s": other.id.hex, "a": aid.hex})
    payload = Payload()
    with trusted.home.reading() as session:
        me = session.get(User, trusted.fca.user_id)
        payload.records["person"] = [{"fields": encode(USER, me.model_dump())}]
    payload.records["response"] = [{"fields": encode(RESPONSE, {
        "id": uuid.uuid4(), "assessment_id": aid, "fca_id": trusted.fca.user_id,
        "reflection": "Not mine to write", "agreement": "agree", "reasons": "",
        "change_request": "", "signed_at": None, "updated_at": dt.datetime.now(dt.UTC),
        "row_version": 1})}]
    fca_keys = _keys(trusted.home, trusted.fca, "fca")
    sup_keys = _keys(w.store, trusted.sup, "sup").public
    path = trusted.folder / "forged.qab"
    path.write_bytes(bundle_format.pack(payload, fca_keys, sup_keys, 5))
    preview = bundles.preview_bundle(w.store, trusted.sup, PASSWORD, path)
    assert preview.counts["response"] == {"ignored": 1}
    assert any("only its practitioner" in i for i in preview.ignored)


def test_records_that_do_not_fit_are_refused_whole(trusted) -> None:
    """Signed by the real supervisor, but an action names an owner that is neither here
    nor in the bundle: the write fails part-way and nothing of it stays."""
    w = trusted.world
    aid = w.new_audit()
    assessments.add_action(w.store, trusted.sup, aid, "A first action")
    w.complete(aid)
    assessments.submit(w.store, trusted.sup, aid)
    sup_keys = _keys(w.store, trusted.sup, "sup")
    fca_keys = _keys(trusted.home, trusted.fca, "fca").public
    with w.store.reading() as session:
        payload = collect(session, trusted.sup, _fca_actor(trusted), {}, [aid])
    payload.records["assessment"][0]["actions"][0]["owner_id"] = str(uuid.uuid4())
    _refused(trusted, bundle_format.pack(payload, sup_keys, fca_keys, 40),
             "do not fit this database")


def test_a_failed_write_of_the_bundle_file_records_nothing_as_sent(pair, monkeypatch) -> None:
    """The disk fills while the bundle is written: no file, and nothing counts as sent
    (the next bundle carries everything again)."""
    import errno
    import os

    from qa_audit.errors import InvalidInput

    _submitted(pair)
    before = table_hash(pair.office)

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(InvalidInput, match="No space left"):
        bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", pair.folder / "b.qab")
    monkeypatch.undo()
    assert not list(pair.folder.iterdir())  # no file, no temporary file left
    assert table_hash(pair.office) == before  # no sequence, no versions marked as sent
    result = bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca",
                                   pair.folder / "b.qab")
    assert result.seq == 1 and result.counts["assessment"] == 1
