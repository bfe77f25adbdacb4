"""Signed roster updates: applied whole or not at all; tampered, stale, truncated refused."""

import logging

import pytest
from core_fixtures import ANI, BUDI, CITRA, DEWI, PERIOD, roster_records

from kiosk.roster.eligibility import decide
from kiosk.roster.updates import (
    RosterAssembler,
    RosterRejected,
    import_file,
    import_update,
    read_update_file,
    recipient_record,
    write_update_file,
)
from kiosk.security.chain import verify_chain
from kiosk.storage.store import KioskStore


def _reasons(store):
    import json
    return [json.loads(r[2]).get("reason") for r in store.event_rows()
            if json.loads(r[2])["type"] == "roster_rejected"]


def test_snapshot_applied(store):
    assert store.roster_version() == 1
    assert store.recipient(ANI).name == "Ani Suryani"
    assert {(e.programme, e.period) for e in store.entitlements(ANI)} == {
        ("PKH", PERIOD), ("BPNT", "2025-06")}
    assert [o.officer_id for o in store.officers()] == ["OFF-1", "OFF-2"]
    assert store.latest_period("PKH") == PERIOD
    assert store.nik_ref(ANI)[1].startswith("hub:")
    rows = list(store.event_rows())
    assert verify_chain(rows, store.identity.public_key, store.identity.device_id).ok


def test_tampered_roster_rejected_old_stays(store, hub, tmp_path, caplog):
    gita = recipient_record("3201010303900007", "Gita", [("PKH", PERIOD, True)])
    records = [*roster_records(), gita]
    envelope, chunks = hub.update(records, 2, chunk_size=3)
    path = tmp_path / "r.jsonl"
    # A changed record inside a chunk: its hash no longer matches the signed manifest.
    write_update_file(path, envelope,
                      [chunks[0].replace(b"Ani Suryani", b"Ani Palsu"), *chunks[1:]])
    with caplog.at_level(logging.WARNING), pytest.raises(RosterRejected) as exc:
        import_file(store, path, hub.public)
    assert exc.value.reason == "chunk_mismatch"
    assert "rejected (chunk_mismatch)" in caplog.text and "version 1 stays" in caplog.text
    # A changed manifest (a higher version): the signature fails.
    write_update_file(path, envelope.replace(b'"version":2', b'"version":3'), chunks)
    with pytest.raises(RosterRejected) as exc:
        import_file(store, path, hub.public)
    assert exc.value.reason == "bad_signature"
    # Signed by someone else.
    from core_fixtures import Hub
    other = Hub()
    envelope2, chunks2 = other.update(records, 2)
    with pytest.raises(RosterRejected) as exc:
        import_update(store, envelope2, chunks2, hub.public)
    assert exc.value.reason == "bad_signature"
    assert store.roster_version() == 1 and store.recipient(ANI).name == "Ani Suryani"
    assert store.recipient("3201010303900007") is None
    assert _reasons(store) == ["chunk_mismatch", "bad_signature", "bad_signature"]


def test_truncated_roster_rejected(store, hub, tmp_path):
    envelope, chunks = hub.update(roster_records(), 2, chunk_size=2)
    path = tmp_path / "r.jsonl"
    write_update_file(path, envelope, chunks)
    whole = path.read_bytes()
    for cut in (len(whole) - 1 - len(chunks[-1]), len(whole) - 30, len(envelope) - 5):
        path.write_bytes(whole[:cut])
        with pytest.raises(RosterRejected) as exc:
            import_file(store, path, hub.public)
        assert exc.value.reason in ("truncated", "chunk_mismatch", "malformed")
    path.write_bytes(b"")
    with pytest.raises(RosterRejected):
        import_file(store, path, hub.public)
    assert store.roster_version() == 1
    path.write_bytes(whole)
    assert import_file(store, path, hub.public) == 2


def test_stale_and_out_of_sequence(store, hub):
    envelope, chunks = hub.update(roster_records(), 1)
    with pytest.raises(RosterRejected) as exc:
        import_update(store, envelope, chunks, hub.public)
    assert exc.value.reason == "stale"
    delta = [recipient_record(BUDI, "Budi Santoso", [("PKH", PERIOD, False, "moved")]),
             {"type": "recipient", "op": "delete", "nik": DEWI}]
    envelope, chunks = hub.update(delta, 3, kind="delta", base_version=2)
    with pytest.raises(RosterRejected) as exc:
        import_update(store, envelope, chunks, hub.public)
    assert exc.value.reason == "out_of_sequence"
    envelope, chunks = hub.update(delta, 2, kind="delta", base_version=1)
    assert import_update(store, envelope, chunks, hub.public) == 2
    assert store.recipient(DEWI) is None and store.entitlements(DEWI) == []
    assert decide(True, "PKH", PERIOD, store.entitlements(BUDI), False).code == "moved"
    assert store.recipient(ANI) is not None  # untouched by the delta
    # Replaying the same delta is stale now.
    with pytest.raises(RosterRejected) as exc:
        import_update(store, envelope, chunks, hub.public)
    assert exc.value.reason == "stale"


def test_untrusted_device_refuses(store, hub):
    envelope, chunks = hub.update(roster_records(), 5)
    with pytest.raises(RosterRejected) as exc:
        import_update(store, envelope, chunks, None)
    assert exc.value.reason == "untrusted"


def test_chunks_staged_across_restart_then_applied(store, hub, paths, clock):
    records = [recipient_record(f"32010101019{i:01d}{i:04d}", f"Warga {i}", [("PKH", PERIOD,
                                                                              True)])
               for i in range(1, 10)]
    envelope, chunks = hub.update(records, 2, chunk_size=2)
    asm = RosterAssembler(store, hub.public)
    digest = asm.offer_manifest(envelope).digest
    for i in (4, 1, 1, 3):
        asm.offer_chunk(digest, i, chunks[i])
    with pytest.raises(RosterRejected):
        asm.offer_chunk(digest, 0, chunks[0][:-2] + b"}}")
    # Restart: a new store on the same database sees the staged chunks.
    store.close()
    reopened = KioskStore.open(paths, clock=clock)
    asm = RosterAssembler(reopened, hub.public)
    assert asm.missing(digest) == [0, 2]
    with pytest.raises(RosterRejected) as exc:
        asm.apply(digest)
    assert exc.value.reason == "truncated" and reopened.roster_version() == 1
    for i in (0, 2):
        asm.offer_chunk(digest, i, chunks[i])
    assert asm.apply(digest) == 2
    assert reopened.recipient(ANI) is None  # a snapshot replaces the roster
    assert reopened.recipient("3201010101990009").name == "Warga 9"
    reopened.close()


@pytest.mark.parametrize("nik, programme, period, claimed, code", [
    (ANI, "PKH", PERIOD, False, "eligible"),
    (ANI, "PKH", PERIOD, True, "already_claimed"),
    (ANI, "PKH", "2024-Q4", False, "not_eligible_period"),
    (DEWI, "PKH", PERIOD, False, "not_in_programme"),
    (CITRA, "PKH", PERIOD, False, "deceased"),
    ("3201010101700099", "PKH", PERIOD, False, "not_in_roster"),
])
def test_eligibility_table(store, nik, programme, period, claimed, code):
    found = store.recipient(nik) is not None
    d = decide(found, programme, period, store.entitlements(nik), claimed)
    assert d.code == code and d.eligible == (code == "eligible")
    assert d.pesan and "{" not in d.pesan


def test_unknown_reason_code_gets_generic_message():
    from kiosk.roster.eligibility import Entitlement
    d = decide(True, "PKH", "p", [Entitlement("PKH", "p", False, "kode_baru")], False)
    assert d.code == "kode_baru" and "kode_baru" in d.pesan


def test_file_round_trip(tmp_path, hub):
    envelope, chunks = hub.update(roster_records(), 1, chunk_size=4)
    write_update_file(tmp_path / "r", envelope, chunks)
    assert read_update_file(tmp_path / "r") == (envelope, chunks)
