"""Signed updates of the application or the models, applied atomically, rolled back on failure.

A *bundle* is one tar file: ``manifest.json`` (format, kind ``app`` or ``model``,
version, a sequence number that only moves forward, every file's path, size and
SHA-256), ``manifest.sig`` (the hub's Ed25519 signature over ``b"sidik-update/v1\\n"``
+ the manifest bytes) and the files under ``files/``. Nothing in a bundle is trusted
before the signature and every hash check out; members outside the manifest, links,
absolute or ``..`` paths are refused.

Releases live side by side under a base folder (``/opt/sidik`` for the application,
``/var/lib/sidik/models`` for models): ``releases/<version>/`` and the symlinks
``current`` and ``previous``. Applying a bundle: verify, unpack into a fresh folder,
*prepare* it (the application: its venv), *self-test* it before anything changes,
switch ``current`` with one atomic rename, then *restart* and check; if the restarted
kiosk does not come up, ``current`` goes back to ``previous`` and it restarts again.
The prepare, self-test and restart steps are injected (tests use small stand-ins).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..security.crypto import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    b64url,
    b64url_decode,
    canonical_json,
    sha256_hex,
    verify_signature,
)

FORMAT = "sidik-update/1"
SIGNING_PREFIX = b"sidik-update/v1\n"
KINDS = ("app", "model")
MAX_BUNDLE_BYTES = 512 << 20


class UpdateRefused(Exception):
    """The bundle is not applied; ``reason`` is a code, the message says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Manifest:
    kind: str
    version: str
    sequence: int
    files: tuple[tuple[str, int, str], ...]  # (path, bytes, sha256)

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            m = json.loads(raw)
            if m.get("format") != FORMAT:
                raise ValueError(f"unknown format {m.get('format')!r}")
            if m["kind"] not in KINDS:
                raise ValueError(f"unknown kind {m['kind']!r}")
            version, seq = str(m["version"]), m["sequence"]
            if not version or "/" in version or version.startswith(".") or len(version) > 64:
                raise ValueError(f"bad version {version!r}")
            if not isinstance(seq, int) or seq < 1:
                raise ValueError("sequence must be a positive integer")
            files = tuple((str(f["path"]), int(f["bytes"]), str(f["sha256"]))
                          for f in m["files"])
            for path, _, _ in files:
                _safe_path(path)
        except (KeyError, TypeError, ValueError) as exc:
            raise UpdateRefused("malformed", f"update manifest is malformed: {exc}") from None
        return cls(m["kind"], version, seq, files)


def _safe_path(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or not p.parts or path != str(p):
        raise ValueError(f"unsafe path {path!r}")
    return p


# ---- the hub's side (and tests) ---------------------------------------------------------------
def build_bundle(out: Path, *, kind: str, version: str, sequence: int, source: Path,
                 hub_key: Ed25519PrivateKey) -> Path:
    """Sign every file under ``source`` into the bundle ``out``."""
    files = sorted(p for p in Path(source).rglob("*") if p.is_file()
                   and "__pycache__" not in p.parts)
    entries = [{"path": p.relative_to(source).as_posix(), "bytes": p.stat().st_size,
                "sha256": sha256_hex(p.read_bytes())} for p in files]
    manifest = canonical_json({"format": FORMAT, "kind": kind, "version": version,
                               "sequence": sequence, "files": entries})
    signature = b64url(hub_key.sign(SIGNING_PREFIX + manifest)).encode()
    with tarfile.open(out, "w") as tar:
        for name, data in (("manifest.json", manifest), ("manifest.sig", signature)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for p, e in zip(files, entries, strict=True):
            tar.add(p, arcname=f"files/{e['path']}", recursive=False)
    return out


# ---- checking --------------------------------------------------------------------------------
def verify_bundle(path: Path, hub_key: Ed25519PublicKey | None) -> Manifest:
    """The manifest of a bundle whose signature and files all check out."""
    if hub_key is None:
        raise UpdateRefused("untrusted", "no hub key is trusted on this device; provision it")
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise UpdateRefused("too_large", f"{path} is larger than {MAX_BUNDLE_BYTES >> 20} MB")
        with tarfile.open(path, "r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            raw = _read(tar, members, "manifest.json")
            sig = _read(tar, members, "manifest.sig")
            if not verify_signature(hub_key, b64url_decode(sig.decode()), SIGNING_PREFIX + raw):
                raise UpdateRefused("bad_signature", "the update is not signed by this "
                                                     "kiosk's hub")
            manifest = Manifest.parse(raw)
            listed = {f"files/{p}" for p, _, _ in manifest.files}
            extra = set(members) - listed - {"manifest.json", "manifest.sig"}
            if extra:
                raise UpdateRefused("unlisted_file", f"the bundle holds files its manifest "
                                                     f"does not list: {sorted(extra)[:3]}")
            for p, size, digest in manifest.files:
                data = _read(tar, members, f"files/{p}")
                if len(data) != size or sha256_hex(data) != digest:
                    raise UpdateRefused("file_mismatch", f"{p} in the bundle does not match "
                                                         "its signed hash")
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise UpdateRefused("unreadable", f"{path} is not a readable update bundle: "
                                          f"{exc}") from None
    return manifest


def _read(tar: tarfile.TarFile, members: dict, name: str) -> bytes:
    member = members.get(name)
    if member is None:
        raise UpdateRefused("incomplete", f"the bundle lacks {name}")
    if not member.isfile():
        raise UpdateRefused("unsafe_member", f"{name} in the bundle is not a plain file")
    return tar.extractfile(member).read()


# ---- releases on the device ------------------------------------------------------------------
Step = Callable[[Path], None]  # raises on failure


@dataclass
class Outcome:
    status: str  # applied | rolled_back
    version: str
    detail: str = ""


class Releases:
    def __init__(self, base: Path):
        self.base = Path(base)
        self.releases = self.base / "releases"

    def _link(self, name: str) -> Path | None:
        link = self.base / name
        return link.resolve() if link.is_symlink() else None

    @property
    def current(self) -> Path | None:
        return self._link("current")

    @property
    def previous(self) -> Path | None:
        return self._link("previous")

    def sequence(self) -> int:
        """Sequence of the bundle in force (0: none applied yet)."""
        marker = self.current and self.current / ".sidik-update.json"
        if marker and marker.is_file():
            return int(json.loads(marker.read_text())["sequence"])
        return 0

    def _point(self, name: str, target: Path) -> None:
        """Repoint a symlink atomically: a new link renamed over the old one."""
        tmp = self.base / f".{name}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, self.base / name)

    def unpack(self, bundle: Path, manifest: Manifest) -> Path:
        """Into ``releases/<version>``, through a partial folder renamed when complete."""
        target = self.releases / manifest.version
        if target.exists():
            if target == self.current:
                raise UpdateRefused("in_force", f"version {manifest.version} is already in "
                                                "force")
            shutil.rmtree(target)  # a leftover of an earlier, failed attempt
        partial = self.releases / f".{manifest.version}.partial"
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        with tarfile.open(bundle, "r:") as tar:
            for p, _, _ in manifest.files:
                dest = partial / _safe_path(p)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(f"files/{p}") as src, dest.open("wb") as out:
                    shutil.copyfileobj(src, out)
        (partial / ".sidik-update.json").write_text(json.dumps(
            {"version": manifest.version, "sequence": manifest.sequence,
             "kind": manifest.kind}))
        os.replace(partial, target)
        return target

    def switch(self, target: Path) -> None:
        if self.current is not None:
            self._point("previous", self.current)
        self._point("current", target)

    def rollback(self) -> Path:
        previous = self.previous
        if previous is None or not previous.is_dir():
            raise UpdateRefused("no_previous", "there is no previous release to go back to")
        self._point("current", previous)
        return previous


def apply_bundle(bundle: Path, releases: Releases, hub_key: Ed25519PublicKey | None, *,
                 kind: str, prepare: Step, self_test: Step,
                 restart: Callable[[], bool]) -> Outcome:
    """Verify, unpack, prepare and self-test the new release, switch, restart; roll back
    if the restarted service does not come up. Raises UpdateRefused before the switch."""
    manifest = verify_bundle(bundle, hub_key)
    if manifest.kind != kind:
        raise UpdateRefused("wrong_kind", f"this is a{'n' if manifest.kind == 'app' else ''} "
                                          f"{manifest.kind} update, not {kind}")
    if manifest.sequence <= releases.sequence():
        raise UpdateRefused("stale", f"update sequence {manifest.sequence} is not newer than "
                                     f"{releases.sequence()} in force")
    target = releases.unpack(bundle, manifest)
    for name, step in (("prepare", prepare), ("self-test", self_test)):
        try:
            step(target)
        except Exception as exc:  # the release in force is untouched
            shutil.rmtree(target, ignore_errors=True)
            raise UpdateRefused("self_test_failed" if name == "self-test" else "prepare_failed",
                                f"version {manifest.version} failed its {name}, nothing "
                                f"changed: {exc}") from None
    releases.switch(target)
    if restart():
        return Outcome("applied", manifest.version)
    back = releases.rollback()
    restart()
    return Outcome("rolled_back", manifest.version,
                   f"version {manifest.version} did not come up after the restart; back on "
                   f"{back.name}")


# ---- the real steps on a device --------------------------------------------------------------
def model_self_test(release: Path) -> None:
    """The models in ``release`` load (hashes checked) and run on a blank image."""
    import numpy as np

    from ..biometrics.fingerprint import NoUsableFingerprint, load_matcher

    matcher = load_matcher(release / "manifest.json")
    try:
        matcher.extract(np.full((288, 256), 255, np.uint8))
    except NoUsableFingerprint:
        return  # the expected, typed answer to a blank glass
    raise RuntimeError("the matcher found a fingerprint on a blank image")


def app_prepare(release: Path, current: Path | None) -> None:
    """A venv for the new release: a copy of the one in force with the new code installed
    (no network: the bundle carries the code, the copy carries the dependencies)."""
    if current is None or not (current / "venv").is_dir():
        raise RuntimeError("no release in force to take the dependencies from")
    shutil.copytree(current / "venv", release / "venv", symlinks=True)
    subprocess.run([str(release / "venv/bin/python"), "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-index", "--no-build-isolation", "-e", str(release)],
                   check=True, capture_output=True, timeout=600)


def app_self_test(release: Path) -> None:
    done = subprocess.run([str(release / "venv/bin/python"), "-m", "kiosk.ops.selftest"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {done.returncode}")


def systemd_restart(units=("sidik-kiosk.service",), settle_s: float = 20.0) -> bool:
    """Restart and watch: True once every unit stays active for ``settle_s``."""
    if subprocess.run(["systemctl", "restart", *units], capture_output=True).returncode != 0:
        return False
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        state = subprocess.run(["systemctl", "is-active", *units], capture_output=True,
                               text=True).stdout.split()
        if any(s != "active" and s != "activating" for s in state):
            return False
        time.sleep(1)
    return True
