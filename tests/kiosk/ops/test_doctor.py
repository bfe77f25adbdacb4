"""``kiosk doctor`` against the simulated sensor and camera, a private mosquitto with a
test CA, the committed models and a provisioned kiosk: all PASS when healthy, and each
injected fault (sensor unplugged, wrong baud, broker down, wrong CA, model hash wrong,
disk nearly full, a hung check) a FAIL with its fix. The support bundle is scanned for
every secret, NIK and template the kiosk holds."""

from __future__ import annotations

import base64
import json
import random
import shutil
import tarfile
import time
from collections import namedtuple

import numpy as np
import pytest

from hw_sim.sensor.simulator import SensorSimulator
from kiosk import config
from kiosk.cli.app import main
from kiosk.clock import FixedClock
from kiosk.ops import doctor as D
from kiosk.ops import doctor_bundle
from kiosk.ops.doctor_probes import CHECKS, Context
from kiosk.roster.updates import build_update, import_update, recipient_record
from kiosk.security.crypto import Ed25519PrivateKey, public_key_bytes
from kiosk.security.keys import DataPaths, provision
from kiosk.storage.store import KioskStore
from tests.kiosk.reporting.mqtt_fixtures import CA, Broker

NIKS = {"3201015501900001": "Ani Suryani", "3201011203850002": "Budi Santoso"}
OFFICER_NIK = "3201010101700005"
TEMPLATE = random.Random(9).randbytes(512)
MQTT_PASSWORD = "kiosk-secret"
SENSOR_PASSWORD = 0x5EC2E7AB


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    """A provisioned kiosk with a roster, an enrolled template, events and health reports."""
    root = tmp_path_factory.mktemp("kiosk")
    paths = DataPaths.resolve(root / "data")
    hub_key = Ed25519PrivateKey.generate()
    identity = provision(paths, hub_public_key=public_key_bytes(hub_key))
    store = KioskStore.open(paths)
    records = [recipient_record(nik, name, [("PKH", "2025-Q1", True)])
               for nik, name in NIKS.items()]
    records.append({"type": "officer", "op": "upsert", "officer_id": "OFF-1",
                    "nik": OFFICER_NIK, "name": "Eko Prasetyo", "active": True})
    envelope, chunks = build_update(records, version=1, hub_key=hub_key, nik_ref_key=b"k" * 32)
    import_update(store, envelope, chunks, hub_key.public_key())
    with store.db.write() as conn:
        conn.execute("INSERT INTO templates (nik, finger, matcher, blob, quality, event_id) "
                     "VALUES (?, 1, 'test', ?, 0.9, 'e')", (next(iter(NIKS)), TEMPLATE))
    for i in range(3):
        store.record("test_decision", decision="accepted", reason="match", n=i)
    for component in ("sensor", "camera", "matcher"):
        store.health.report(component, True, last="captured")
    store.close()
    return paths, identity.device_id


@pytest.fixture(scope="module")
def pki(tmp_path_factory, kiosk):
    ca = CA(tmp_path_factory.mktemp("pki"), "sidik-test-ca")
    cert, key = ca.issue(kiosk[1])  # the broker's ACL: the certificate's name is the device
    return ca, cert, key


@pytest.fixture(scope="module")
def broker(tmp_path_factory, pki):
    b = Broker(tmp_path_factory.mktemp("broker"), pki[0])
    b.start()
    yield b
    b.stop()


@pytest.fixture
def sim():
    with SensorSimulator() as s:
        yield s


def hub_section(broker, pki) -> dict:
    ca, cert, key = pki
    return {"broker": broker.tls_url, "village": "V3201012001", "ca": str(ca.path),
            "cert": cert, "key": key}


@pytest.fixture
def make_ctx(kiosk, broker, pki, sim):
    def make(sensor=None, hub=None, **kw) -> Context:
        raw = {"sensor": {"port": sim.url, **(sensor or {})}, "camera": {"backend": "sim"},
               "hub": {**hub_section(broker, pki), **(hub or {})}}
        raw["hub"] = {k: v for k, v in raw["hub"].items() if v is not None}  # None: not set
        conf = config.Config(None, config.check(raw))
        frame = np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8)
        kw.setdefault("clock", FixedClock(wall=time.time_ns(), synced=True))
        return Context(conf, kiosk[0], camera_source=frame, step_timeout_s=2.0, **kw)

    return make


def by_name(results) -> dict[str, D.Result]:
    return {r.name: r for r in results}


def test_healthy_simulated_kiosk_passes_every_check(make_ctx):
    results = D.run_checks(CHECKS, make_ctx())
    assert {r.name: r.status for r in results if r.status != D.PASS} == {}
    names = [r.name for r in results]
    for expected in ("sensor handshake", "sensor image", "camera", "model files", "face models",
                     "broker DNS", "broker TCP", "broker TLS", "broker auth",
                     "broker round trip", "clock", "disk", "queue depth", "queue age",
                     "audit chain", "kiosk reports"):
        assert expected in names
    assert D.exit_code(results) == 0
    assert "4 events signed" in by_name(results)["audit chain"].detail  # roster + 3


def test_sensor_unplugged_fails_with_its_fix(make_ctx, sim):
    sim.unplug()
    start = time.monotonic()
    results = by_name(D.run_checks([CHECKS[0]], make_ctx()))
    assert time.monotonic() - start < 5
    assert results["sensor handshake"].status == D.FAIL
    assert results["sensor handshake"].detail == f"{sim.url} does not exist"
    assert "connect the sensor" in results["sensor handshake"].fix
    assert results["sensor image"].status == D.SKIP


def test_silent_sensor_fails_within_seconds(make_ctx):
    import os

    master, slave = os.openpty()  # an adapter with the module unpowered: the port, no answer
    try:
        start = time.monotonic()
        results = by_name(D.run_checks([CHECKS[0]], make_ctx(sensor={"port": os.ttyname(slave)})))
        took = time.monotonic() - start
    finally:
        os.close(master)
        os.close(slave)
    assert took < 6
    assert results["sensor handshake"].status == D.FAIL
    assert "wiring" in results["sensor handshake"].fix


def test_sensor_at_another_baud_says_which(make_ctx):
    results = by_name(D.run_checks([CHECKS[0]], make_ctx(sensor={"baud": 115200})))
    assert results["sensor handshake"].status == D.WARN  # the kiosk finds the rate itself
    assert results["sensor handshake"].fix == "set [sensor] baud = 57600 in the config"
    assert results["sensor image"].status == D.PASS


def test_sensor_image_with_a_finger_on_the_glass(make_ctx, sim):
    sim.place_synthetic(3)
    results = by_name(D.run_checks([CHECKS[0]], make_ctx()))
    assert results["sensor image"].status == D.PASS
    assert "256x288 finger image" in results["sensor image"].detail


def test_wrong_sensor_password_fails_with_its_fix(make_ctx, sim):
    sim.firmware.settings.password = SENSOR_PASSWORD
    sim.firmware.power_cycle()
    results = by_name(D.run_checks([CHECKS[0]], make_ctx()))
    assert results["sensor handshake"].status == D.FAIL
    assert "set [sensor] password" in results["sensor handshake"].fix
    results = by_name(D.run_checks([CHECKS[0]], make_ctx(sensor={"password": SENSOR_PASSWORD})))
    assert results["sensor handshake"].status == D.PASS


def _broker_check():
    return [c for c in CHECKS if c.group == "broker"]


def test_broker_down_fails_at_tcp_with_its_fix(make_ctx, broker):
    broker.stop()
    try:
        start = time.monotonic()
        results = D.run_checks(_broker_check(), make_ctx())
        assert time.monotonic() - start < 5
    finally:
        broker.start()
    r = by_name(results)
    assert r["broker DNS"].status == D.PASS
    assert r["broker TCP"].status == D.FAIL
    assert "start the broker" in r["broker TCP"].fix
    assert [r[n].status for n in ("broker TLS", "broker auth", "broker round trip")] == \
        [D.SKIP] * 3
    assert D.exit_code(results) == 1


@pytest.mark.parametrize("scheme", ["mqtts", "mqtt"])
def test_silent_broker_fails_within_seconds(make_ctx, scheme):
    import socket

    with socket.socket() as silent:  # accepts (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"{scheme}://127.0.0.1:{silent.getsockname()[1]}"
        start = time.monotonic()
        results = by_name(D.run_checks(_broker_check(), make_ctx(hub={"broker": url})))
        assert time.monotonic() - start < 6
    stage = "broker TLS" if scheme == "mqtts" else "broker auth"
    assert results["broker TCP"].status == D.PASS
    assert results[stage].status == D.FAIL and "restart it on the hub" in results[stage].fix


def test_wrong_ca_fails_at_tls_with_its_fix(make_ctx, tmp_path):
    other = CA(tmp_path, "some-other-ca")
    r = by_name(D.run_checks(_broker_check(), make_ctx(hub={"ca": str(other.path)})))
    assert r["broker TCP"].status == D.PASS
    assert r["broker TLS"].status == D.FAIL
    assert "not trusted" in r["broker TLS"].detail
    assert "[hub] ca is not the CA that signed" in r["broker TLS"].fix


def test_missing_client_certificate_fails_auth(make_ctx):
    r = by_name(D.run_checks(_broker_check(), make_ctx(hub={"cert": None, "key": None})))
    assert r["broker auth"].status == D.FAIL
    assert "[hub] cert and key" in r["broker auth"].fix


def test_wrong_password_fails_auth(make_ctx, broker, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("not-the-password\n")
    hub = {"broker": f"mqtt://127.0.0.1:{broker.pw_port}", "username": "kiosk-1",
           "password_file": str(secret), "ca": None, "cert": None, "key": None}
    r = by_name(D.run_checks(_broker_check(), make_ctx(hub=hub)))
    assert r["broker auth"].status == D.FAIL
    assert "password_file" in r["broker auth"].fix
    secret.write_text(MQTT_PASSWORD + "\n")
    r = by_name(D.run_checks(_broker_check(), make_ctx(hub=hub)))
    assert r["broker auth"].status == D.PASS


def test_model_hash_wrong_fails_with_its_fix(make_ctx, tmp_path):
    from kiosk.biometrics.runtime import MODELS_DIR

    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    target = models / "fingerprint_minutiae_int8.tflite"
    data = bytearray(target.read_bytes())
    data[1000] ^= 0xFF
    target.write_bytes(bytes(data))
    r = by_name(D.run_checks([c for c in CHECKS if c.group == "models"],
                             make_ctx(models_dir=models)))
    assert r["model files"].status == D.FAIL
    assert "fingerprint_minutiae_int8.tflite does not match its sha256" in r["model files"].detail
    assert r["model files"].fix.startswith("restore the models")


Usage = namedtuple("Usage", "total used free")


def test_disk_nearly_full_fails_with_its_fix(make_ctx):
    def full(path):
        return Usage(16 << 30, (16 << 30) - (50 << 20), 50 << 20)

    r = by_name(D.run_checks([c for c in CHECKS if c.group == "disk"],
                             make_ctx(disk_usage=full)))
    assert r["disk"].status == D.FAIL
    assert "50 MB free" in r["disk"].detail
    assert "free space" in r["disk"].fix


def test_unsynchronised_clock_warns_and_1970_fails(make_ctx):
    check = [c for c in CHECKS if c.group == "clock"]
    r = D.run_checks(check, make_ctx(clock=FixedClock(wall=time.time_ns(), synced=False)))
    assert r[0].status == D.WARN and "timedatectl" in r[0].fix
    r = D.run_checks(check, make_ctx(clock=FixedClock(wall=10**9, synced=False)))
    assert r[0].status == D.FAIL and "1970" in r[0].detail


def _copy(kiosk, tmp_path) -> DataPaths:
    shutil.copytree(kiosk[0].data_dir, tmp_path / "data")
    return DataPaths.resolve(tmp_path / "data")


def _group(name):
    return [c for c in CHECKS if c.group == name]


def test_tampered_event_breaks_the_audit_chain(make_ctx, kiosk, tmp_path):
    paths = _copy(kiosk, tmp_path)
    ctx = make_ctx()
    ctx.paths = paths
    from kiosk.storage.db import Database

    with Database(paths.db) as db, db.write() as conn:
        conn.execute("UPDATE events SET body = CAST(replace(CAST(body AS TEXT), "
                     "'accepted', 'rejected') AS BLOB) WHERE seq = 3")
    r = D.run_checks(_group("audit"), ctx)[0]
    assert r.status == D.FAIL and "seq 3" in r.detail and "kiosk audit verify" in r.fix


def test_old_queue_and_failing_components_are_reported(make_ctx, kiosk, tmp_path):
    paths = _copy(kiosk, tmp_path)
    later = FixedClock(wall=time.time_ns() + 2 * 86400 * 10**9, synced=True)
    ctx = make_ctx(clock=later)
    ctx.paths = paths
    age = by_name(D.run_checks(_group("queue"), ctx))["queue age"]
    assert age.status == D.FAIL and "2.0 days" in age.detail
    store = KioskStore.open(paths)
    store.health.report("sensor", False, last="sensor_error")
    store.close()
    r = D.run_checks(_group("health"), ctx)[0]
    assert r.status == D.WARN and "sensor not working (sensor_error" in r.detail


def test_doctor_reads_the_database_without_changing_it(make_ctx, kiosk, tmp_path):
    import hashlib

    paths = _copy(kiosk, tmp_path)
    ctx = make_ctx()
    ctx.paths = paths
    before = hashlib.sha256(paths.db.read_bytes()).hexdigest()
    results = D.run_checks([c for c in CHECKS if c.group in ("queue", "audit", "health")], ctx)
    assert {r.status for r in results} == {D.PASS}
    assert hashlib.sha256(paths.db.read_bytes()).hexdigest() == before


def test_a_hung_check_fails_at_its_deadline():
    import threading

    release = threading.Event()

    def hangs(ctx):
        release.wait(30)
        return D.ok("sensor", "late")

    start = time.monotonic()
    results = D.run_checks([D.Check("sensor", hangs, 0.3, "replug the sensor")], None)
    release.set()
    assert time.monotonic() - start < 2
    assert results == [D.Result("sensor", D.FAIL, "no answer within 0.3 s", "replug the sensor",
                                0.3)]


def test_a_check_that_breaks_is_a_fail_not_a_traceback():
    def broken(ctx):
        raise KeyError("port")

    r = D.run_checks([D.Check("sensor", broken, 1.0, "-")], None)[0]
    assert r.status == D.FAIL and "KeyError" in r.detail and "--bundle" in r.fix


def test_skip_names_are_the_checks():
    assert tuple(c.group for c in CHECKS) == D.GROUPS


def test_queue_and_chain_verdicts():
    assert [r.status for r in D.queue_verdict(0, None, True)] == [D.PASS, D.PASS]
    assert D.queue_verdict(5, 2 * 3600, True)[1].status == D.WARN
    late = D.queue_verdict(5, 3 * 86400, False)[1]
    assert late.status == D.FAIL and "[hub] broker" in late.fix


# ---- the support bundle -------------------------------------------------------------------------
def _forbidden(paths, pki) -> dict[str, bytes]:
    """Every secret the kiosk holds, in the forms it could leak in."""
    out = {}
    for name, nik in [*((n, n) for n in NIKS), ("officer", OFFICER_NIK)]:
        out[f"NIK {name}"] = nik.encode()
    for name in (*NIKS.values(), "Eko Prasetyo"):
        out[f"name {name}"] = name.encode()
    raw_secret = paths.device_secret.read_bytes()
    for label, data in (("template", TEMPLATE), ("device secret", raw_secret)):
        out[f"{label} raw"] = data[:32]
        out[f"{label} hex"] = data[:32].hex().encode()
        out[f"{label} b64"] = base64.b64encode(data)[:40]
        out[f"{label} b64url"] = base64.urlsafe_b64encode(data).rstrip(b"=")[:40]
    key_pem = paths.device_key.read_bytes()
    out["device key body"] = key_pem.splitlines()[1]
    with open(pki[2], "rb") as fh:
        out["tls key body"] = fh.read().splitlines()[1]
    out["private key header"] = b"PRIVATE KEY"
    out["mqtt password"] = MQTT_PASSWORD.encode()
    out["sensor password"] = str(SENSOR_PASSWORD).encode()
    return out


def test_redaction_of_free_text():
    rng = random.Random(1)
    for _ in range(300):  # keys, secrets and templates in every base64 flavour
        raw = rng.randbytes(rng.choice((32, 64, 512)))
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = f"loaded {enc(raw).decode()} ok"
            assert enc(raw).decode()[:40] not in doctor_bundle.redact_text(text)
    kept = ("/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0 "
            "b6953873d28a806d569e2d190da3e5f74b071465bf2b82623df05e69e5705aff "
            "/tmp/pytest-of-root/pytest-43/test_wrong_password_fails_auth0/data "
            "event 01a222ad-a03e-7076-b6ed-3568c7a3437c device SDK-PMTXQN6IR4VTJF2C")
    assert doctor_bundle.redact_text(kept) == kept
    assert doctor_bundle.redact_text("nik 3201015501900001, mqtts://k1:pw@hub:8883 "
                                     "password = hunter2") == \
        "nik [NIK], mqtts://k1:<redacted>@hub:8883 password = <redacted>"


def _members(archive) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_bundle_holds_the_facts_and_none_of_the_secrets(kiosk, broker, pki, tmp_path):
    paths, _ = kiosk
    secret = tmp_path / "mqtt.pw"
    secret.write_text(MQTT_PASSWORD + "\n")
    raw = {"sensor": {"port": "/dev/nonexistent-sensor", "password": SENSOR_PASSWORD},
           "hub": {**hub_section(broker, pki), "password_file": str(secret), "username": "k1",
                   "broker": f"mqtts://k1:{MQTT_PASSWORD}@127.0.0.1:{broker.tls_port}"}}
    conf = config.Config(tmp_path / "kiosk.toml", config.check(raw))
    key_text = paths.device_key.read_text()
    log = (f"kiosk started for {next(iter(NIKS))}\nloaded key {key_text}\n"
           f"secret={MQTT_PASSWORD}\ntemplate {base64.b64encode(TEMPLATE).decode()}\n")
    ctx = Context(conf, paths, clock=FixedClock(wall=time.time_ns(), synced=True))
    results = D.run_checks([c for c in CHECKS if c.group not in ("sensor", "camera")], ctx)
    archive = tmp_path / "support.tar.gz"
    names = doctor_bundle.build(archive, conf=conf, report_text=D.as_text(results),
                                report_json=D.as_json(results), db_path=paths.db,
                                models_dir=ctx.models_dir, now_ms=time.time_ns() // 10**6,
                                logs=lambda: log)
    assert "logs.txt" in names and archive.stat().st_mode & 0o077 == 0
    members = _members(archive)
    blob = b"\n".join(members.values())
    forbidden = _forbidden(paths, pki)
    in_log = {label for label, needle in forbidden.items() if needle in log.encode()}
    assert {"NIK 3201015501900001", "device key body", "mqtt password",
            "template b64"} <= in_log  # the scan would see them, had they got through
    assert [label for label, needle in forbidden.items() if needle in blob] == []
    # ... and the facts a support engineer needs are there.
    chain = json.loads(members["sidik-support/chain.json"])
    assert chain["events"] >= 3 and chain["rows"]["templates"] == 1
    assert json.loads(members["sidik-support/outbox.json"])["pending"] == chain["events"]
    conf_out = json.loads(members["sidik-support/config.json"])
    assert conf_out["sensor"]["password"] == "<redacted>"
    assert conf_out["hub"]["password_file"] == str(secret)
    assert "sidik" in json.loads(members["sidik-support/versions.json"])["packages"]
    assert b"[NIK]" in members["sidik-support/logs.txt"]
    assert json.loads(members["sidik-support/report.json"])["counts"]["FAIL"] == 0


def test_cli_doctor_json_and_bundle(kiosk, tmp_path, capsys):
    paths, _ = kiosk
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[device]\ndata_dir = "{paths.data_dir}"\n'
                   '[sensor]\nport = "/dev/nonexistent-sensor"\n')
    archive = tmp_path / "b.tar.gz"
    code = main(["doctor", "--config", str(cfg), "--json", "--skip", "camera",
                 "--bundle", str(archive)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and not out["ok"]  # the sensor is not there
    status = {c["name"]: c["status"] for c in out["checks"]}
    assert status["sensor handshake"] == D.FAIL and status["camera"] == D.SKIP
    assert status["audit chain"] == D.PASS
    members = _members(archive)
    assert not any(nik.encode() in data for nik in NIKS for data in members.values())
    assert main(["doctor", "--config", str(cfg), "--skip", "sensor", "--skip", "camera",
                 "--skip", "clock"]) == 0
    text = capsys.readouterr().out
    assert "PASS  audit chain" in text and "0 FAIL" in text
