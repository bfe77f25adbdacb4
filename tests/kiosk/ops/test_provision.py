"""``kiosk provision`` into a temporary root: keys, certificates, config, sensor password,
first roster, first officer enrolled, self-test and summary; safe to re-run; a bad request
is refused with one line before anything is written."""

import datetime as dt
import json
import os
import stat

import pytest

from kiosk.cli.app import main

OFFICER_ID = 100  # the demo roster's officer is synthetic person 100


def _cert(subject, issuer_key, issuer_name, key, ca=False):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer_name or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=30)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(obj):
    from cryptography.hazmat.primitives import serialization

    if hasattr(obj, "public_bytes") and hasattr(obj, "subject"):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def request_dir(tmp_path, capsys):
    from cryptography.hazmat.primitives.asymmetric import ec

    d = tmp_path / "req"
    assert main(["roster", "make-demo", str(d), "--people", "3"]) == 0
    capsys.readouterr()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Sidik test CA", ca_key, None, ca_key, ca=True)
    kiosk_key = ec.generate_private_key(ec.SECP256R1())
    kiosk_cert = _cert("kiosk", ca_key, ca.subject, kiosk_key)
    (d / "ca.crt").write_bytes(_pem(ca))
    (d / "kiosk.crt").write_bytes(_pem(kiosk_cert))
    (d / "kiosk.key").write_bytes(_pem(kiosk_key))
    other_key = ec.generate_private_key(ec.SECP256R1())
    (d / "other.key").write_bytes(_pem(other_key))
    (d / "selfsigned.crt").write_bytes(_pem(_cert("kiosk", kiosk_key, None, kiosk_key)))
    (d / "mqtt-password").write_text("rahasia\n")
    return d


def _write_request(d, **changes):
    from kiosk.cli.roster import demo_records

    officer = next(r["nik"] for r in demo_records(3) if r["type"] == "officer")
    hub = {"broker": "mqtts://hub.desa.example:8883", "hub_key_file": "hub_ed25519.pub",
           "ca": "ca.crt", "cert": "kiosk.crt", "key": "kiosk.key",
           "username": "kiosk-0001", "password_file": "mqtt-password"}
    hub.update(changes.pop("hub", {}))
    sections = {"device": {"village": "3201012001", **changes.pop("device", {})},
                "hub": {k: v for k, v in hub.items() if v is not None},
                "sensor": {"port": "/dev/sidik-sensor", "new_password": 31415926},
                "roster": {"file": "roster.jsonl"},
                "kiosk": {"programme": "PKH"},
                "officers": {"enrol": [officer]}}
    text = ""
    for section, values in sections.items():
        text += f"[{section}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    (d / "request.toml").write_text(text)
    return d / "request.toml", officer


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_provision_from_file_then_rerun(request_dir, tmp_path, capsys):
    request, officer = _write_request(request_dir)
    root = tmp_path / "root"
    argv = ["provision", "--file", str(request), "--root", str(root), "--sim",
            "--sim-identities", str(OFFICER_ID)]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    etc, data = root / "etc/sidik", root / "var/lib/sidik"
    assert _mode(data / "keys/device_ed25519.key") == 0o600
    assert _mode(etc / "tls/kiosk.key") == 0o600 and _mode(etc / "mqtt-password") == 0o600
    assert _mode(data) == 0o700
    from kiosk import config

    conf = config.load(etc / "kiosk.toml")
    assert conf.get("hub", "broker") == "mqtts://hub.desa.example:8883"
    assert conf.get("hub", "village") == "3201012001"
    assert conf.get("hub", "ca") == str(etc / "tls/ca.crt")
    assert conf.get("sensor", "password") == 31415926
    assert conf.get("device", "data_dir") == str(data)
    assert conf.get("kiosk", "programme") == "PKH"
    device_id = out.split("device id")[1].split()[0]
    assert device_id.startswith("SDK-") and "SIDIK KIOSK PROVISIONED\n" in out
    assert "sensor: password set" in out and "roster version 1 applied" in out
    assert "FAIL" not in out and "PASS  fingerprint matcher" in out
    assert f"officer {officer[:6]}******{officer[-4:]} enrolled" in out
    from kiosk.security.keys import DataPaths
    from kiosk.storage.store import KioskStore

    store = KioskStore.open(DataPaths.resolve(data))
    try:
        assert store.roster_version() == 1
        assert len(store.fingers(officer, _model_version())) >= 2
    finally:
        store.close()
    # Again: keys kept (same device), nothing applied twice, officer already enrolled.
    code = main(argv)
    out = capsys.readouterr().out
    assert f"device id     {device_id}" in out and "device keys kept" in out
    assert "already in force" in out


def _model_version():
    from kiosk.biometrics.fingerprint import load_matcher

    return load_matcher().version


def test_csr_mode_makes_key_and_request(request_dir, tmp_path, capsys):
    request, _ = _write_request(request_dir, hub={"cert": None, "key": None, "csr": True})
    root = tmp_path / "root"
    assert main(["provision", "--file", str(request), "--root", str(root),
                 "--skip-sensor"]) == 0
    out = capsys.readouterr().out
    from cryptography import x509

    csr = x509.load_pem_x509_csr((root / "etc/sidik/tls/kiosk.csr").read_bytes())
    device_id = out.split("device id")[1].split()[0]
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == device_id
    assert csr.is_signature_valid and "have the hub sign it" in out
    assert _mode(root / "etc/sidik/tls/kiosk.key") == 0o600


@pytest.mark.parametrize("changes, says", [
    ({"device": {"village": "32010"}}, "[device] village must be the 10-digit village code"),
    ({"hub": {"key": "other.key"}}, "is not for the key"),
    ({"hub": {"cert": "selfsigned.crt"}}, "is not signed by the CA"),
    ({"hub": {"hub_key_file": None}}, "[hub] hub_key (or hub_key_file) is required"),
    ({"hub": {"ca": None}}, "[hub] ca is required for an mqtts:// broker"),
    ({"hub": {"broker": "hub.desa:1883"}}, "[hub] broker must look like mqtts://"),
    ({"hub": {"ca": "missing.crt"}}, "file"),
])
def test_bad_request_refused_in_one_line(request_dir, tmp_path, capsys, changes, says):
    request, _ = _write_request(request_dir, **changes)
    root = tmp_path / "root"
    code = main(["provision", "--file", str(request), "--root", str(root), "--skip-sensor"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and says in err and "\n" not in err, err
    assert not (root / "var/lib/sidik").exists()  # refused before anything was written


def test_no_request_without_terminal(capsys, monkeypatch, tmp_path):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["provision", "--root", str(tmp_path)]) == 2
    assert "pass --file" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another user needs root")
def test_owner_gets_data_and_secrets(request_dir, tmp_path, capsys):
    import pwd

    request, _ = _write_request(request_dir)
    root = tmp_path / "root"
    assert main(["provision", "--file", str(request), "--root", str(root), "--skip-sensor",
                 "--owner", "nobody"]) == 0
    nobody = pwd.getpwnam("nobody").pw_uid
    data, etc = root / "var/lib/sidik", root / "etc/sidik"
    assert data.stat().st_uid == nobody
    assert (data / "keys/device_ed25519.key").stat().st_uid == nobody
    assert (etc / "tls/kiosk.key").stat().st_uid == nobody
    assert (etc / "kiosk.toml").stat().st_uid == 0  # the configuration stays root's
    assert "handed to user nobody" in capsys.readouterr().out
