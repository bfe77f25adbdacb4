"""``kiosk roster / enroll / verify / audit`` from the command line (simulator, stand-in)."""

import json
import sqlite3

import pytest
from core_fixtures import ANI, ANI_ID, BUDI, CITRA, EKO_ID

from kiosk.cli.app import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(kiosk_paths, finger_bank, monkeypatch):
    from kiosk.runtime import capture

    # The CLI's simulator draws the same synthetic fingers, from the test cache.
    monkeypatch.setattr(capture, "synthetic_impression", finger_bank)
    return ["--data-dir", kiosk_paths.data_dir]


SIM = ["--sim", "--matcher", "standin", "--sim-officer-identity", EKO_ID]


def test_demo_roster_import_show_and_tamper(capsys, tmp_path):
    demo, d = tmp_path / "demo", ["--data-dir", tmp_path / "data"]
    code, out, _ = run(capsys, "roster", "make-demo", demo, "--people", "3")
    assert code == 0 and "--sim-identity 1: NIK" in out
    nik = out.split("--sim-identity 1: NIK ")[1].split()[0]
    code, out, err = run(capsys, "roster", "import", demo / "roster.jsonl", *d)
    assert "provisioned new device SDK-" in out
    assert code == 1 and "untrusted" in err and "version 0 stays" in err
    code, out, _ = run(capsys, "roster", "import", demo / "roster.jsonl", "--hub-key",
                       demo / "hub_ed25519.pub", *d)
    assert code == 0 and "version 1 applied" in out
    code, out, _ = run(capsys, "roster", "show", nik, "--json", *d)
    info = json.loads(out)
    assert code == 0 and info["name"] == "Warga Demo 1" and info["fingers"] == []
    # The same file again is stale; an edited one is tampered.
    code, _, err = run(capsys, "roster", "import", demo / "roster.jsonl", *d)
    assert code == 1 and "roster rejected (stale)" in err
    run(capsys, "roster", "make-demo", demo, "--people", "3", "--version", "2")
    text = (demo / "roster.jsonl").read_text().replace("Warga Demo 2", "Warga Palsu")
    (demo / "roster.jsonl").write_text(text)
    code, _, err = run(capsys, "roster", "import", demo / "roster.jsonl", *d)
    assert code == 1 and "chunk_mismatch" in err
    code, out, _ = run(capsys, "audit", "verify", *d)
    assert code == 0 and "chain OK: 4 events" in out  # applied + 3 rejections


def test_verify_enrol_and_receipt(capsys, data):
    code, out, _ = run(capsys, "verify", "--nik", ANI, "--programme", "PKH", "--json",
                       "--sim-identity", ANI_ID, *SIM, *data)
    result = json.loads(out)
    assert code == 0 and result["outcome"] == "accepted" and result["period"] == "2025-Q1"
    code, out, _ = run(capsys, "audit", "receipt", result["receipt"], "--nik", ANI, *data)
    assert code == 0 and "receipt valid: PKH 2025-Q1" in out and "NIK matches" in out
    code, out, _ = run(capsys, "audit", "receipt", result["receipt"], "--nik", BUDI, *data)
    assert code == 1 and "other_person" in out
    code, out, _ = run(capsys, "verify", "--nik", ANI, "--programme", "PKH",
                       "--sim-identity", ANI_ID, *SIM, *data)
    assert code == 1 and "ALREADY_CLAIMED" not in out and "REJECTED (already_claimed)" in out
    # Templates are judged against the matcher that made them (the stand-in, as SIM says).
    code, out, _ = run(capsys, "roster", "show", ANI, "--matcher", "standin", *data)
    assert "claimed PKH 2025-Q1" in out and "right index [ok]" in out


def test_officer_decision_without_terminal_is_a_referral(capsys, data):
    code, out, _ = run(capsys, "verify", "--nik", BUDI, "--programme", "PKH", "--json",
                       "--sim-identity", ANI_ID, "--attempts", "1", *SIM, *data)
    result = json.loads(out)
    assert code == 1 and (result["outcome"], result["reason"]) == ("referred",
                                                                   "officer_referred")
    code, out, _ = run(capsys, "verify", "--nik", BUDI, "--programme", "PKH", "--json",
                       "--sim-identity", ANI_ID, "--attempts", "1", *SIM, *data,
                       "--officer-decision", "approve", "--officer-reason",
                       "identity_confirmed_ktp", "--officer-note", "KTP asli dicek")
    result = json.loads(out)
    assert code == 0 and (result["outcome"], result["reason"]) == ("accepted",
                                                                   "officer_approved")


def test_usage_errors(capsys, data):
    code, _, err = run(capsys, "verify", "--nik", "12345", "--programme", "PKH", *SIM, *data)
    assert code == 2 and "nik_length" in err and "16 angka" in err
    code, _, err = run(capsys, "verify", "--nik", ANI, "--programme", "XYZ", *SIM, *data)
    assert code == 2 and "no period of XYZ" in err
    code, _, err = run(capsys, "verify", "--identify", "--programme", "PKH", *SIM, *data)
    assert code == 2 and "does not enable identification" in err
    code, out, _ = run(capsys, "verify", "--nik", CITRA, "--programme", "PKH", *SIM, *data)
    assert code == 1 and "REJECTED (deceased)" in out and "capture" not in out
    code, _, err = run(capsys, "roster", "show", "abc", *data)
    assert code == 2 and "nik_not_digits" in err


def test_audit_points_at_the_first_break(capsys, data, kiosk_paths):
    code, out, _ = run(capsys, "audit", "verify", *data)
    assert code == 0 and "chain OK" in out
    conn = sqlite3.connect(kiosk_paths.db)
    body = conn.execute("SELECT body FROM events WHERE seq = 3").fetchone()[0]
    conn.execute("UPDATE events SET body = ? WHERE seq = 3",
                 (body.replace(b'"enrolled"', b'"flagged"', 1),))
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "audit", "verify", *data)
    assert code == 1 and "chain BROKEN at seq 3" in out and "hash_mismatch" in out
    code, out, _ = run(capsys, "audit", "verify", "--json", *data)
    assert json.loads(out)["first_break"]["seq"] == 3
    code, out, _ = run(capsys, "audit", "events", "--last", "3", *data)
    assert code == 0 and "enrolment" in out


def test_damaged_database_and_missing_keys(capsys, data, kiosk_paths):
    import shutil

    for suffix in ("-wal", "-shm"):
        kiosk_paths.db.with_name(kiosk_paths.db.name + suffix).unlink(missing_ok=True)
    kiosk_paths.db.write_bytes(b"garbage" * 1000)
    code, _, err = run(capsys, "roster", "show", ANI, *data)
    assert code == 6 and "damaged" in err and "db_corrupt" in err
    code, _, err = run(capsys, "audit", "verify", *data)
    assert code == 6
    shutil.rmtree(kiosk_paths.key_dir)
    code, _, err = run(capsys, "roster", "show", ANI, *data)
    assert code == 1 and "device keys" in err and "missing" in err


def test_enroll_cli(capsys, data):
    from core_fixtures import DEWI, STRANGER_ID

    code, out, _ = run(capsys, "enroll", "--nik", DEWI, "--sim-identity", STRANGER_ID, *SIM,
                       *data, "--missing", "0:amputasi")
    assert code == 0 and "ENROLLED" in out, out
    code, out, _ = run(capsys, "roster", "show", DEWI, "--json", *data)
    info = json.loads(out)
    assert len(info["fingers"]) == 2 and info["exceptions"][0]["kind"] == "missing"
    code, out, _ = run(capsys, "enroll", "--nik", "3201010101700099", *SIM, *data)
    assert code == 1 and "not_in_roster" in out


def test_bad_officer_reason_is_a_usage_error(capsys, data):
    code, _, err = run(capsys, "verify", "--nik", ANI, "--programme", "PKH", *SIM, *data,
                       "--officer-decision", "approve", "--officer-reason", "because")
    assert code == 2 and "identity_confirmed_ktp" in err


def test_cli_enrols_and_verifies_with_the_real_matcher(capsys, tmp_path, finger_bank,
                                                       monkeypatch, model_matcher):
    """No --matcher: the TFLite model does the work, and says so."""
    from kiosk.runtime import capture

    monkeypatch.setattr(capture, "synthetic_impression", finger_bank)
    monkeypatch.delenv("SIDIK_MATCHER", raising=False)
    demo, d = tmp_path / "demo", ["--data-dir", tmp_path / "data"]
    code, out, _ = run(capsys, "roster", "make-demo", demo, "--people", "3")
    people = {int(line.split("--sim-identity ")[1].split(":")[0]):
              line.split("NIK ")[1].split()[0]
              for line in out.splitlines() if "NIK" in line}
    import re

    officer = re.search(r"--sim-officer-identity (\d+)", out).group(1)
    code, out, _ = run(capsys, "roster", "import", demo / "roster.jsonl", "--hub-key",
                       demo / "hub_ed25519.pub", *d)
    assert code == 0, out
    from kiosk.cli.roster import demo_records

    officer_nik = next(r["nik"] for r in demo_records(3) if r["type"] == "officer")
    code, out, err = run(capsys, "enroll", "--nik", officer_nik, "--sim", "--sim-identity",
                         officer, *d)  # the device's first officer
    assert code == 0 and f"matcher {model_matcher.version} (load_matcher)" in out, (out, err)
    nik = people[1]
    code, out, err = run(capsys, "enroll", "--nik", nik, "--sim", "--sim-identity", 1,
                         "--sim-officer-identity", officer, *d)
    assert code == 0, (out, err)
    code, out, err = run(capsys, "verify", "--nik", nik, "--programme", "PKH", "--json",
                         "--sim", "--sim-identity", 1, *d)
    result = json.loads(out)
    assert code == 0 and result["outcome"] == "accepted", result
    assert "stand-in" not in err
