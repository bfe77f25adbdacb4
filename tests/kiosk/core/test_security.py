"""Device keys, the event chain and receipts."""

import os
import stat

import pytest

from kiosk.security.chain import verify_chain
from kiosk.security.events import genesis_hash, seal
from kiosk.security.keys import (
    DataPaths,
    KeyFileError,
    NotProvisioned,
    load_device_secret,
    load_identity,
    provision,
    trust_hub_key,
)
from kiosk.security.receipts import (
    InvalidReceipt,
    base45_decode,
    base45_encode,
    issue_receipt,
    verify_receipt,
)
from kiosk.security.uuid7 import uuid7


@pytest.fixture
def paths(tmp_path):
    return DataPaths.resolve(tmp_path / "data")


def test_provision_creates_private_files_once(paths):
    with pytest.raises(NotProvisioned):
        load_identity(paths)
    ident = provision(paths)
    assert stat.S_IMODE(os.stat(paths.device_key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.device_secret).st_mode) == 0o600
    assert load_identity(paths).device_id == ident.device_id
    assert len(load_device_secret(paths)) == 32
    with pytest.raises(KeyFileError, match="already provisioned"):
        provision(paths)
    os.chmod(paths.device_key, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_identity(paths)


def test_hub_key_trust_on_first_use(paths):
    from kiosk.security.crypto import Ed25519PrivateKey, public_key_bytes

    a = public_key_bytes(Ed25519PrivateKey.generate())
    b = public_key_bytes(Ed25519PrivateKey.generate())
    provision(paths, hub_public_key=a)
    trust_hub_key(paths, a)
    with pytest.raises(KeyFileError, match="different hub key"):
        trust_hub_key(paths, b)


def _chain(ident, n):
    prev, rows = genesis_hash(ident.device_id), []
    for seq in range(1, n + 1):
        ev = seal({"decision": "accepted", "n": seq}, identity=ident, seq=seq, prev_hash=prev,
                  event_id=str(uuid7()))
        rows.append([ev.seq, ev.event_id, ev.body, ev.signature, ev.hash])
        prev = ev.hash
    return rows


def test_chain_verifies_and_locates_tampering(paths):
    ident = provision(paths)
    rows = _chain(ident, 6)
    report = verify_chain(rows, ident.public_key, ident.device_id)
    assert report.ok and report.count == 6 and report.last_seq == 6

    edited = [list(r) for r in rows]
    edited[3][2] = edited[3][2].replace(b'"accepted"', b'"rejected"')
    r = verify_chain(edited, ident.public_key, ident.device_id)
    assert r.first_break.seq == 4 and r.first_break.reason == "hash_mismatch" and r.count == 3

    # Re-hashing the edit does not help: the signature fails.
    from kiosk.security.crypto import sha256_hex
    edited[3][4] = sha256_hex(edited[3][2])
    assert verify_chain(edited, ident.public_key, ident.device_id).first_break.reason == \
        "bad_signature"

    removed = rows[:2] + rows[3:]
    assert verify_chain(removed, ident.public_key, ident.device_id).first_break.reason == "gap"

    # A re-signed replacement by another key, or a spliced chain, is caught too.
    other = provision(DataPaths.resolve(paths.data_dir / "other"))
    forged = _chain(other, 6)
    assert verify_chain(forged, ident.public_key, ident.device_id).first_break.seq == 1
    mixed = rows[:3] + [list(r) for r in _chain(ident, 6)[3:]]
    r = verify_chain(mixed, ident.public_key, ident.device_id)
    assert r.first_break.seq == 4 and r.first_break.reason == "broken_link"


def test_base45_round_trip():
    for data in (b"", b"\x00", b"AB", bytes(range(256)), b"\xff\xff\xff"):
        assert base45_decode(base45_encode(data)) == data
    assert base45_encode(b"AB") == "BB8"  # RFC 9285 example
    with pytest.raises(ValueError):
        base45_decode("GGW")  # 65535 < value: out of range


def test_receipt_verifies_and_forgery_does_not(paths):
    ident = provision(paths)
    event = str(uuid7())
    token = issue_receipt(ident, event_id=event, nik="3201014501900001", programme="PKH",
                          period="2025-Q1")
    assert token.startswith("SR1:") and len(token) < 200
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    r = verify_receipt(token, ident.public_key, nik="3201014501900001")
    assert (r.event_id, r.programme, r.period) == (event, "PKH", "2025-Q1")
    with pytest.raises(InvalidReceipt) as exc:
        verify_receipt(token, ident.public_key, nik="3201014501900002")
    assert exc.value.reason == "other_person"
    # Change the programme inside the token: the signature no longer fits.
    raw = base45_decode(token[4:])
    forged = "SR1:" + base45_encode(raw.replace(b"PKH", b"PKX"))
    with pytest.raises(InvalidReceipt) as exc:
        verify_receipt(forged, ident.public_key)
    assert exc.value.reason == "bad_signature"
    other = provision(DataPaths.resolve(paths.data_dir / "other"))
    with pytest.raises(InvalidReceipt) as exc:
        verify_receipt(token, other.public_key)
    assert exc.value.reason == "unknown_device"
    for junk in ("", "SR1:", "SR1:!!", "XYZ", token[:-3]):
        with pytest.raises(InvalidReceipt):
            verify_receipt(junk, ident.public_key)
