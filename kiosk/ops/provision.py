"""Provisioning: a bare Pi with Sidik installed becomes this village's kiosk.

From a request (a TOML file for fleets, or answers typed by the technician): the
device key pair and secret, trust in the hub's key, the broker's CA and this kiosk's
client certificate (installed, or a key and CSR generated for the hub to sign), the
MQTT password file, ``/etc/sidik/kiosk.toml``, the sensor's own password, the first
signed roster, then a self-test. Everything lands under ``root`` (``/`` on a device, a
temporary folder in tests). Re-running keeps what exists: keys are never replaced.

A request file::

    [device]
    village = "3201012001"
    [hub]
    broker = "mqtts://hub.desa.example:8883"
    hub_key = "<base64url of the hub's Ed25519 public key>"   # or hub_key_file = "..."
    ca = "ca.crt"
    cert = "kiosk.crt"            # with key; or csr = true to make key + CSR here
    key = "kiosk.key"
    username = "kiosk-0001"       # optional, with password_file = "..." (its first line)
    [sensor]
    port = "/dev/sidik-sensor"
    baud = 57600
    password = 0                  # the module's password now (factory: 0)
    new_password = 31415926       # optional: set on the module and in the config
    [roster]
    file = "roster-v1.jsonl"      # optional: the first signed roster
    [kiosk]
    programme = "PKH"             # what this kiosk hands out (needed if the roster has several)
    [officers]
    enrol = ["3201010101700100"]  # first officers to enrol at the sensor afterwards

Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SCHEMA, ConfigError, Key, check
from ..security.crypto import b64url, b64url_decode

ETC = Path("etc/sidik")
DATA = Path("var/lib/sidik")


class ProvisionError(Exception):
    """The request cannot be carried out; the message says what to fix."""


@dataclass
class Request:
    village: str
    hub_key: bytes
    broker: str | None = None
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    csr: bool = False
    username: str | None = None
    password: str | None = None
    sensor_port: str | None = None
    sensor_baud: int = 57600
    sensor_password: int = 0
    sensor_new_password: int | None = None
    roster: Path | None = None
    programme: str | None = None
    officers: list[str] = field(default_factory=list)


# The request file's keys (checked by kiosk/config.py's machinery, like the config itself).
_REQUEST = {
    "device": {"village": Key(str, None)},
    "hub": {k: Key(str, None) for k in ("broker", "hub_key", "hub_key_file", "ca", "cert",
                                         "key", "username", "password_file")}
    | {"csr": Key(bool, False)},
    "sensor": {"port": Key(str, None), "baud": SCHEMA["sensor"]["baud"],
               "password": Key(int, 0, minimum=0), "new_password": Key(int, None, minimum=0)},
    "roster": {"file": Key(str, None)},
    "kiosk": {"programme": Key(str, None)},
    "officers": {"enrol": Key(list, [])},
}


def parse_request(raw: dict, base: Path, where: str = "request") -> Request:
    """Check a request (as parsed TOML); relative paths are taken from ``base``."""
    try:
        values = check(raw, where, _REQUEST)
    except ConfigError as exc:
        raise ProvisionError(str(exc)) from None
    hub, sensor = values["hub"], values["sensor"]

    def path(section, key):
        value = values[section][key]
        if value is None:
            return None
        p = (base / value).resolve()
        if not p.is_file():
            raise ProvisionError(f"{where}: [{section}] {key}: file {p} not found")
        return p

    village = values["device"]["village"]
    if village is None:
        raise ProvisionError(f"{where}: [device] village is required")
    if not (village.isdigit() and len(village) == 10):
        raise ProvisionError(f"{where}: [device] village must be the 10-digit village code "
                             f"(kode desa, e.g. 3201012001), not {village!r}")
    hub_key_text = hub["hub_key"]
    hub_key_file = path("hub", "hub_key_file")
    if hub_key_file is not None:
        hub_key_text = hub_key_file.read_text().strip()
    if not hub_key_text:
        raise ProvisionError(f"{where}: [hub] hub_key (or hub_key_file) is required: the hub's "
                             "public key, which signs rosters and commands")
    try:
        hub_key = b64url_decode(hub_key_text)
        if len(hub_key) != 32:
            raise ValueError
    except ValueError:
        raise ProvisionError(f"{where}: [hub] hub_key is not a base64url Ed25519 public key "
                             "(32 bytes)") from None
    req = Request(village=village, hub_key=hub_key,
                  broker=hub["broker"],
                  ca=path("hub", "ca"), cert=path("hub", "cert"), key=path("hub", "key"),
                  csr=hub["csr"], username=hub["username"])
    if req.broker and not req.broker.startswith(("mqtt://", "mqtts://")):
        raise ProvisionError(f"{where}: [hub] broker must look like mqtts://host:port")
    if (req.cert is None) != (req.key is None):
        raise ProvisionError(f"{where}: [hub] cert and key come together")
    if req.csr and req.cert:
        raise ProvisionError(f"{where}: [hub] give either cert + key or csr = true, not both")
    if req.broker and req.broker.startswith("mqtts://") and req.ca is None:
        raise ProvisionError(f"{where}: [hub] ca is required for an mqtts:// broker")
    password_file = path("hub", "password_file")
    if password_file is not None:
        req.password = password_file.read_text().splitlines()[0].strip()
    req.sensor_port, req.sensor_baud = sensor["port"], sensor["baud"]
    req.sensor_password, req.sensor_new_password = sensor["password"], sensor["new_password"]
    for name in ("sensor_password", "sensor_new_password"):
        value = getattr(req, name)
        if value is not None and not 0 <= value <= 0xFFFFFFFF:
            raise ProvisionError(f"{where}: [sensor] {name[7:]} must be 0..4294967295")
    req.roster = path("roster", "file")
    req.programme = values["kiosk"]["programme"]
    officers = values["officers"]["enrol"]
    from ..roster.nik import InvalidNik, validate_nik

    for nik in officers:
        try:
            validate_nik(str(nik))
        except InvalidNik as exc:
            raise ProvisionError(f"{where}: [officers] enrol: {nik!r}: {exc.message}") from None
    req.officers = [str(n) for n in officers]
    return req


def load_request(path: str | Path) -> Request:
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProvisionError(f"request file {p} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"request file {p} is not valid TOML: {exc}") from None
    return parse_request(raw, p.parent, str(p))


# ---- carrying it out ------------------------------------------------------------------------
@dataclass
class Layout:
    root: Path

    @property
    def etc(self) -> Path:
        return self.root / ETC

    @property
    def tls(self) -> Path:
        return self.etc / "tls"

    @property
    def config(self) -> Path:
        return self.etc / "kiosk.toml"

    @property
    def data(self) -> Path:
        return self.root / DATA


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with ``mode`` from the start (a key is never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def check_tls(req: Request):
    """Load and cross-check the CA, certificate and key: (ca, cert) or ProvisionError.
    Runs before anything is written, so a wrong file leaves the device untouched."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    ca = cert = None
    if req.ca:
        try:
            ca = x509.load_pem_x509_certificate(req.ca.read_bytes())
        except ValueError:
            raise ProvisionError(f"{req.ca} is not a PEM certificate (the broker's CA)") from None
    if req.cert and req.key:
        try:
            cert = x509.load_pem_x509_certificate(req.cert.read_bytes())
            key = serialization.load_pem_private_key(req.key.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise ProvisionError(f"{req.cert} / {req.key}: not a PEM certificate and an "
                                 "unencrypted PEM private key") from None
        if cert.public_key().public_numbers() != key.public_key().public_numbers():
            raise ProvisionError(f"the client certificate {req.cert} is not for the key "
                                 f"{req.key}")
        if ca is not None:
            try:
                cert.verify_directly_issued_by(ca)
            except Exception as exc:  # InvalidSignature, ValueError, TypeError
                raise ProvisionError(f"the client certificate {req.cert} is not signed by the "
                                     f"CA {req.ca} ({type(exc).__name__})") from None
    return ca, cert


def install_tls(req: Request, layout: Layout, device_id: str) -> list[str]:
    """Copy the CA and client certificate, or make a key and CSR. Lines for the summary."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca, cert = check_tls(req)
    lines = []
    if ca is not None:
        _write(layout.tls / "ca.crt", req.ca.read_bytes(), 0o644)
        lines.append(f"broker CA: {ca.subject.rfc4514_string()}")
    if cert is not None:
        _write(layout.tls / "kiosk.crt", req.cert.read_bytes(), 0o644)
        _write(layout.tls / "kiosk.key", req.key.read_bytes(), 0o600)
        fp = cert.fingerprint(hashes.SHA256()).hex()[:16]
        lines.append(f"client certificate: {cert.subject.rfc4514_string()} (sha256 {fp}...)")
    elif req.csr:
        key_path = layout.tls / "kiosk.key"
        if key_path.exists():  # a re-run keeps the key the hub may already be signing
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            _write(key_path, key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()), 0o600)
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, device_id),
                          x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME,
                                             req.village)])
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(
            key, hashes.SHA256())
        _write(layout.tls / "kiosk.csr", csr.public_bytes(serialization.Encoding.PEM), 0o644)
        lines.append(f"CSR for {device_id}: {layout.tls / 'kiosk.csr'} -> have the hub sign "
                     f"it, then install the certificate as {layout.tls / 'kiosk.crt'}")
    return lines


def config_text(req: Request, layout: Layout, has_cert: bool, password_file: bool) -> str:
    """The kiosk's configuration file for this request (paths under ``layout.root``)."""
    import json

    hub = {"broker": req.broker, "village": req.village,
           "ca": str(layout.tls / "ca.crt") if req.ca else None,
           "cert": str(layout.tls / "kiosk.crt") if has_cert or req.csr else None,
           "key": str(layout.tls / "kiosk.key") if has_cert or req.csr else None,
           "username": req.username,
           "password_file": str(layout.etc / "mqtt-password") if password_file else None}
    sensor = {"port": req.sensor_port, "baud": req.sensor_baud,
              "password": req.sensor_new_password if req.sensor_new_password is not None
              else req.sensor_password}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Written by `kiosk provision` on {stamp}. Schema: config/kiosk.example.toml.",
             "", "[device]", f"data_dir = {json.dumps(str(layout.data))}", "", "[hub]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in hub.items() if v is not None]
    lines += ["", "[sensor]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in sensor.items() if v is not None]
    if req.programme:
        lines += ["", "[kiosk]", f"programme = {json.dumps(req.programme)}"]
    return "\n".join(lines) + "\n"


def sensor_setup(req: Request, url: str) -> list[str]:
    """Handshake with the module and set its password if asked; summary lines."""
    from firmware_bridge.errors import BridgeError
    from firmware_bridge.r30x.driver import R30xSensor

    try:
        with R30xSensor(url, baud=req.sensor_baud, password=req.sensor_password,
                        timeout=3) as sensor:
            sensor.handshake()
            params = sensor.read_system_parameters()
            lines = [f"sensor: answers on {req.sensor_port or url} "
                     f"(library of {params.capacity} templates)"]
            if req.sensor_new_password is not None:
                sensor.set_password(req.sensor_new_password)
                sensor.verify_password(req.sensor_new_password)
                lines.append("sensor: password set (recorded in the config)")
            return lines
    except BridgeError as exc:
        raise ProvisionError(f"sensor on {req.sensor_port or url}: {exc}") from None


@dataclass
class Outcome:
    device_id: str
    lines: list[str]
    self_test: list[tuple[str, bool, str]]  # (check, passed, detail)

    @property
    def ok(self) -> bool:
        return all(passed for _, passed, _ in self.self_test)

    def summary(self, req: Request, layout: Layout) -> str:
        """The page a technician photographs for the records."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        out = ["=" * 64, "SIDIK KIOSK PROVISIONED" if self.ok else
               "SIDIK KIOSK PROVISIONED - SELF-TEST FAILED", "=" * 64,
               f"device id     {self.device_id}", f"village       {req.village}",
               f"broker        {req.broker or '(none yet)'}", f"config        {layout.config}",
               f"date          {stamp}", ""]
        out += [f"- {line}" for line in self.lines]
        out += ["", "self-test:"]
        out += [f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}"
                for name, passed, detail in self.self_test]
        if req.officers:
            out += ["", "first officers to enrol: " + ", ".join(
                f"{n[:6]}******{n[-4:]}" for n in req.officers)]
        return "\n".join(out)


def hand_over(layout: Layout, owner: str) -> str:
    """Give the service user what it must read (run as root): the data folder, the TLS
    key and the MQTT password; the configuration stays root's, readable by all."""
    import pwd

    try:
        entry = pwd.getpwnam(owner)
    except KeyError:
        raise ProvisionError(f"user {owner!r} does not exist (install.sh --pi creates it)") \
            from None
    for folder, _, files in os.walk(layout.data):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)
    for secret in (layout.tls / "kiosk.key", layout.etc / "mqtt-password"):
        if secret.exists():
            os.chown(secret, entry.pw_uid, entry.pw_gid)
    return f"data, TLS key and MQTT password handed to user {owner}"


def provision_device(req: Request, layout: Layout, *, sensor_url: str | None = None,
                     skip_sensor: bool = False) -> Outcome:
    """Carry out ``req`` under ``layout.root``; idempotent. Raises ProvisionError."""
    from .. import config
    from ..security.keys import (
        DataPaths,
        KeyFileError,
        is_provisioned,
        load_identity,
        provision,
        trust_hub_key,
    )

    check_tls(req)
    lines: list[str] = []
    for folder, mode in ((layout.etc, 0o755), (layout.tls, 0o750), (layout.data, 0o700)):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, mode)
    paths = DataPaths.resolve(layout.data)
    try:
        if is_provisioned(paths):
            identity = load_identity(paths)
            trust_hub_key(paths, req.hub_key)
            lines.append(f"device keys kept ({paths.key_dir}); never replaced")
        else:
            identity = provision(paths, hub_public_key=req.hub_key)
            lines.append(f"device keys created in {paths.key_dir} (private key mode 0600)")
    except KeyFileError as exc:
        raise ProvisionError(str(exc)) from None
    lines.append(f"device public key {b64url(identity.public_key.public_bytes_raw())}")
    lines += install_tls(req, layout, identity.device_id)
    if req.password is not None:
        _write(layout.etc / "mqtt-password", (req.password + "\n").encode(), 0o600)
        lines.append("MQTT password stored (mode 0600)")
    if not skip_sensor and (sensor_url or req.sensor_port):
        lines += sensor_setup(req, sensor_url or req.sensor_port)
    has_cert = (layout.tls / "kiosk.crt").exists() or req.cert is not None
    _write(layout.config, config_text(req, layout, has_cert, req.password is not None)
           .encode(), 0o644)
    try:
        config.load(layout.config)
    except config.ConfigError as exc:  # our own output: a bug, but say it plainly
        raise ProvisionError(f"the written configuration does not check: {exc}") from None
    lines.append(f"configuration written: {layout.config}")
    if req.roster is not None:
        lines.append(_import_roster(paths, req))
    return Outcome(identity.device_id, lines, self_test(layout))


def _import_roster(paths, req: Request) -> str:
    from ..roster.updates import RosterRejected, import_file
    from ..security.crypto import public_key_from_bytes
    from ..storage.store import KioskStore

    store = KioskStore.open(paths)
    try:
        if store.roster_version() > 0:
            return f"roster version {store.roster_version()} already in force; file not applied"
        version = import_file(store, req.roster, public_key_from_bytes(req.hub_key))
        return f"roster version {version} applied ({req.roster.name})"
    except RosterRejected as exc:
        raise ProvisionError(f"roster {req.roster}: rejected ({exc.reason}): {exc}") from None
    finally:
        store.close()


def self_test(layout: Layout) -> list[tuple[str, bool, str]]:
    """What must hold before the kiosk is left alone; each (name, passed, detail)."""
    from .. import config
    from ..security.chain import verify_chain
    from ..security.keys import DataPaths, load_hub_key, load_identity
    from ..storage.store import KioskStore

    results = []

    def check(name, fn):
        try:
            results.append((name, True, fn()))
        except Exception as exc:  # every failure is a line in the summary, not a crash
            results.append((name, False, str(exc) or type(exc).__name__))

    check("config", lambda: f"{config.load(layout.config).source} checks")
    paths = DataPaths.resolve(layout.data)
    check("device keys", lambda: load_identity(paths).device_id)
    check("hub key", lambda: "trusted" if load_hub_key(paths) else _fail("no hub key"))

    def chain():
        store = KioskStore.open(paths)
        try:
            rows = list(store.event_rows())
            result = verify_chain(rows, store.identity.public_key, store.identity.device_id)
            return f"{len(rows)} events, chain intact" if result.ok else _fail(str(result))
        finally:
            store.close()

    check("database and audit chain", chain)

    def matcher():
        from ..biometrics.fingerprint import load_matcher

        return f"{load_matcher().version} (model hash checked)"

    check("fingerprint matcher", matcher)
    return results


def _fail(message: str):
    raise RuntimeError(message)
