"""Verification scenarios against the simulated sensor, with the stand-in matcher."""

import contextlib

from core_fixtures import ANI, ANI_ID, BUDI, CITRA, PERIOD, STRANGER_ID, approve, deny

from kiosk.runtime.capture import Hand
from kiosk.security.chain import verify_chain
from kiosk.security.receipts import verify_receipt


def chain_ok(store):
    return verify_chain(list(store.event_rows()), store.identity.public_key,
                        store.identity.device_id).ok


def test_genuine_recipient_accepted(kiosk):
    result, flow = kiosk.verify(ANI, Hand(ANI_ID))
    assert (result.outcome, result.reason) == ("accepted", "matched"), flow.to_dict()
    ev = kiosk.event(result)
    assert ev["modality"] == "fingerprint" and ev["score"] >= ev["threshold"]
    assert ev["nik_ref"] and ANI not in kiosk.store.db.query(
        "SELECT body FROM events WHERE event_id = ?", (result.event_id,))[0][0].decode()
    assert ev["model"] == kiosk.matcher.version and ev["time"]["synced"] is True
    receipt = verify_receipt(result.receipt, kiosk.store.identity.public_key, nik=ANI)
    assert (receipt.event_id, receipt.programme, receipt.period) == (result.event_id, "PKH",
                                                                      PERIOD)
    assert kiosk.store.claim(ANI, "PKH", PERIOD).event_id == result.event_id
    assert chain_ok(kiosk.store)


def test_impostor_rejected_and_officer_denies(kiosk):
    """Ani's fingers on Budi's NIK: no finger rung matches, the officer denies."""
    result, flow = kiosk.verify(BUDI, Hand(ANI_ID), ask_officer=deny("impostor_suspected"))
    assert (result.outcome, result.reason) == ("rejected", "officer_denied"), flow.to_dict()
    ev = kiosk.event(result)
    assert [(r["rung"], r["status"], r["reason"]) for r in ev["ladder"]] == [
        ("finger:1", "exhausted", "no_match"), ("finger:6", "exhausted", "no_match"),
        ("face", "skipped", "no_face_template"), ("officer", "used", "deny")]
    assert ev["officer"]["officer_id"] == "OFF-1"
    assert ev["officer"]["reason"] == "impostor_suspected"
    recipient = [a for a in ev["attempts"] if a["p"] == "recipient"]
    assert len(recipient) == 6
    assert all(a["s"] < kiosk.matcher.verify_threshold for a in recipient)
    assert kiosk.store.claim(BUDI, "PKH", PERIOD) is None and result.receipt is None


def test_ineligible_rejected_before_capture(kiosk):
    result, _ = kiosk.verify(CITRA, Hand(ANI_ID))
    assert (result.outcome, result.reason) == ("rejected", "deceased")
    assert "meninggal" in result.pesan
    assert "request_capture" not in kiosk.last.trace
    assert kiosk.event(result)["attempts"] == []
    result, _ = kiosk.verify("3201010101700099", Hand(ANI_ID))  # valid NIK, not in roster
    assert (result.outcome, result.reason) == ("rejected", "not_in_roster")
    assert "request_capture" not in kiosk.last.trace


def test_second_claim_refused_also_after_reopen(kiosk, kiosk_paths, clock):
    from kiosk.storage.store import KioskStore

    first, _ = kiosk.verify(ANI, Hand(ANI_ID))
    assert first.outcome == "accepted"
    second, _ = kiosk.verify(ANI, Hand(ANI_ID))
    assert (second.outcome, second.reason) == ("rejected", "already_claimed")
    assert "request_capture" not in kiosk.last.trace
    kiosk.store.close()
    kiosk.store = KioskStore.open(kiosk_paths, clock=clock)
    third, _ = kiosk.verify(ANI, Hand(ANI_ID))
    assert (third.outcome, third.reason) == ("rejected", "already_claimed")
    # Another programme in the same period is a separate claim.
    other, _ = kiosk.verify(ANI, Hand(ANI_ID), programme="BPNT", period="2025-06")
    assert other.outcome == "accepted"
    assert chain_ok(kiosk.store)


def test_commit_converts_a_racing_second_claim(kiosk):
    """Two flows pass eligibility before either commits: the store refuses the second."""
    from kiosk.flows.decisions import Decision

    d = Decision("verification", "accepted", "matched", nik=ANI, programme="PKH",
                 period=PERIOD, modality="fingerprint")
    a = kiosk.store.commit(d)
    b = kiosk.store.commit(d)
    assert a.outcome == "accepted" and (b.outcome, b.reason) == ("rejected", "already_claimed")
    assert b.receipt is None
    assert kiosk.store.event(b.event_id)["detail"]["earlier_event"] == a.event_id


def test_worn_finger_then_other_finger(kiosk):
    hand = Hand(ANI_ID, conditions={1: "faint"})
    result, _ = kiosk.verify(ANI, hand)
    assert result.outcome == "accepted", kiosk.last.trace
    ev = kiosk.event(result)
    assert ev["finger"] == 6 and ev["ladder"][0] == {"rung": "finger:1", "status": "exhausted",
                                                      "reason": "poor_quality"}
    guidance = {p.guidance for p in kiosk.shown if getattr(p, "guidance", None)}
    assert guidance & {"press_harder", "moisten", "clean_or_dry", "centre_finger"}
    assert any(p.code == "next_finger" for p in kiosk.shown if p.kind == "prompt")


def test_worn_fingers_then_officer_override_audited(kiosk):
    hand = Hand(ANI_ID, condition="faint")
    result, _ = kiosk.verify(ANI, hand, ask_officer=approve("worn_fingerprints", "KTP dicek"))
    assert (result.outcome, result.reason) == ("accepted", "officer_approved")
    ev = kiosk.event(result)
    assert ev["modality"] == "officer"
    assert ev["officer"]["officer_id"] == "OFF-1" and ev["officer"]["reason"] == \
        "worn_fingerprints" and ev["officer"]["note"] == "KTP dicek"
    assert ev["officer"]["score"] >= kiosk.matcher.verify_threshold
    assert [r["status"] for r in ev["ladder"]] == ["exhausted", "exhausted", "skipped", "used"]
    assert result.receipt and kiosk.store.claim(ANI, "PKH", PERIOD)


def test_officer_cannot_authenticate_then_referred(kiosk):
    """A stranger at the officer rung: nobody signs; the person is referred, not dropped."""
    result, _ = kiosk.verify(ANI, Hand(ANI_ID, condition="faint"), officer=Hand(ANI_ID),
                             ask_officer=approve())
    assert (result.outcome, result.reason) == ("referred", "officer_auth_failed")
    assert "kantor desa" in result.pesan
    assert kiosk.store.claim(ANI, "PKH", PERIOD) is None


def test_identify_by_finger(kiosk):
    result, _ = kiosk.verify(None, Hand(ANI_ID), identify=True)
    assert result.outcome == "accepted" and result.name == "Ani Suryani"
    assert kiosk.event(result)["modality"] == "fingerprint_1n"


def test_identify_fails_then_nik(kiosk):
    """An unknown finger is not identified; the person types the NIK and goes on."""
    asked = []

    def ask_nik(req):
        asked.append(req.reason)
        return BUDI

    result, _ = kiosk.verify(None, Hand(STRANGER_ID), identify=True, ask_nik=ask_nik,
                             ask_officer=deny())
    assert asked == ["identify_failed"]
    assert kiosk.event(result)["detail"]["identify"] is False
    assert result.outcome in ("accepted", "rejected")


def test_corrupt_template_skipped(kiosk):
    (blob,) = kiosk.store.db.query("SELECT blob FROM templates WHERE nik = ? AND finger = 1",
                                   (ANI,))[0]
    damaged = bytes(blob[:20]) + bytes([blob[20] ^ 1]) + bytes(blob[21:])
    kiosk.store.db.conn.execute("UPDATE templates SET blob = ? WHERE nik = ? AND finger = 1",
                                (damaged, ANI))
    result, _ = kiosk.verify(ANI, Hand(ANI_ID))
    ev = kiosk.event(result)
    assert {"rung": "finger:1", "status": "skipped", "reason": "template_corrupt"} in ev["ladder"]
    assert result.outcome == "accepted" and ev["finger"] == 6


def test_malformed_nik_asks_again(kiosk):
    typed = iter(["3201", ANI])
    result, _ = kiosk.verify("32010155019", Hand(ANI_ID), ask_nik=lambda _r: next(typed))
    assert result.outcome == "accepted"
    assert [p.code for p in kiosk.shown if p.kind == "prompt"][:2] == ["nik_length",
                                                                       "nik_length"]


def test_disk_full_shows_error_and_records_nothing(kiosk, monkeypatch):
    """The commit fails as on a full SD card (SQLITE_FULL; see test_store_faults.py for the
    real thing): the person is told nothing was recorded, and nothing was."""
    count = kiosk.store.event_count()
    write = kiosk.store.db.write

    def full():
        conn = kiosk.store.db.conn
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        with write() as c:
            c.execute("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
            c.execute("INSERT INTO filler VALUES (randomblob(1000000))")
            yield c

    monkeypatch.setattr(kiosk.store.db, "write", contextlib.contextmanager(full))
    result, flow = kiosk.verify(ANI, Hand(ANI_ID))
    assert (result.outcome, result.reason) == ("error", "storage_error")
    assert "BELUM tercatat" in result.pesan and "disk_full" in result.message
    assert flow.state == "failed" and result.receipt is None
    monkeypatch.undo()
    assert kiosk.store.claim(ANI, "PKH", PERIOD) is None
    assert kiosk.store.event_count() == count
    assert chain_ok(kiosk.store)


def test_cancel_is_recorded(kiosk):
    from kiosk.flows.actions import Cancel, RecordLoaded, Start
    from kiosk.flows.verify import VerifyFlow

    flow = VerifyFlow(kiosk.matcher)
    flow.step(Start(ANI, "PKH", PERIOD))
    actions = flow.step(RecordLoaded(kiosk.store.subject(ANI, "PKH", PERIOD,
                                                         kiosk.matcher.version)))
    assert actions[-1].kind == "request_capture"
    (commit,) = flow.step(Cancel("person"))
    assert commit.decision.outcome == "cancelled"


def test_unenrolled_recipient_goes_to_the_officer(kiosk):
    from core_fixtures import DEWI

    result, _ = kiosk.verify(DEWI, Hand(ANI_ID), programme="BPNT", period="2025-06",
                             ask_officer=approve("identity_confirmed_ktp"))
    assert (result.outcome, result.reason) == ("accepted", "officer_approved")
    ev = kiosk.event(result)
    assert ev["ladder"][:2] == [{"rung": "finger", "status": "skipped", "reason": "not_enrolled"},
                                {"rung": "face", "status": "skipped",
                                 "reason": "no_face_template"}]
    assert not [a for a in ev["attempts"] if a["p"] == "recipient"]


def test_officer_revoked_by_the_hub_cannot_sign(kiosk):
    from kiosk.reporting.outbox import Outbox

    outbox = Outbox(kiosk.store.path)
    outbox.revoke("officer", "OFF-1", "left the post", "cmd-1")
    outbox.close()
    assert "OFF-1" not in [o.officer_id for o in kiosk.store.officers()]
    result, _ = kiosk.verify(ANI, Hand(ANI_ID, condition="faint"), ask_officer=approve())
    assert result.outcome == "referred", result
    assert kiosk.store.claim(ANI, "PKH", PERIOD) is None
