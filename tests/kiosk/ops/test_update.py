"""Signed update bundles: applied atomically after a self-test, refused when tampered,
stale or failing, and rolled back when the restarted kiosk does not come up."""

import io
import json
import shutil
import tarfile

import pytest

from kiosk.biometrics.runtime import PACKAGED_MODELS_DIR, models_dir
from kiosk.cli.app import main
from kiosk.ops import update as U
from kiosk.security.crypto import Ed25519PrivateKey

HUB = Ed25519PrivateKey.generate()


def _models(tmp_path, name="src"):
    src = tmp_path / name
    if src.exists():
        return src
    shutil.copytree(PACKAGED_MODELS_DIR, src, ignore=shutil.ignore_patterns("recipe"))
    return src


def _bundle(tmp_path, source, version="v2", sequence=2, key=HUB, kind="model"):
    return U.build_bundle(tmp_path / f"{version}-{sequence}.sidik", kind=kind, version=version,
                          sequence=sequence, source=source, hub_key=key)


def _apply(bundle, releases, restart=lambda: True, **steps):
    steps = {"prepare": lambda _t: None, "self_test": U.model_self_test, **steps}
    return U.apply_bundle(bundle, releases, HUB.public_key(), kind="model", restart=restart,
                          **steps)


def test_model_update_applied_then_next_one(tmp_path):
    releases = U.Releases(tmp_path / "models")
    outcome = _apply(_bundle(tmp_path, _models(tmp_path)), releases)
    assert (outcome.status, outcome.version) == ("applied", "v2")
    assert releases.current == (tmp_path / "models/releases/v2").resolve()
    assert releases.sequence() == 2 and releases.previous is None
    # The kiosk reads models from the release in force once one exists.
    assert models_dir({"SIDIK_MODELS_DIR": str(tmp_path / "models/current")}) == \
        tmp_path / "models/current"
    assert models_dir({"SIDIK_MODELS_DIR": str(tmp_path / "nowhere")}) == PACKAGED_MODELS_DIR
    _apply(_bundle(tmp_path, _models(tmp_path, "src3"), "v3", 3), releases)
    assert releases.current.name == "v3" and releases.previous.name == "v2"
    assert not list((tmp_path / "models/releases").glob(".*partial"))


def _retar(bundle, out, change):
    """A copy of ``bundle`` with ``change(name, data) -> data | None`` applied per member."""
    with tarfile.open(bundle) as src, tarfile.open(out, "w") as dst:
        for m in src.getmembers():
            data = change(m.name, src.extractfile(m).read())
            if data is None:
                continue
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def _extra(bundle, out):
    _retar(bundle, out, lambda n, d: d)
    with tarfile.open(out, "a") as tar:
        info = tarfile.TarInfo("files/evil.sh")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"x=1"))
    return out


@pytest.mark.parametrize("make, reason", [
    (lambda b, o: _retar(b, o, lambda n, d: d[:-1] + b"X" if n.endswith(".tflite") else d),
     "file_mismatch"),
    (lambda b, o: _retar(b, o, lambda n, d: d.replace(b'"sequence":2', b'"sequence":9')),
     "bad_signature"),
    (lambda b, o: _retar(b, o, lambda n, d: None if n == "manifest.sig" else d), "incomplete"),
    (_extra, "unlisted_file"),
    (lambda b, o: (o.write_bytes(b"not a tar file"), o)[1], "unreadable"),
])
def test_tampered_bundle_refused(tmp_path, make, reason):
    releases = U.Releases(tmp_path / "models")
    good = _bundle(tmp_path, _models(tmp_path))
    with pytest.raises(U.UpdateRefused) as exc:
        _apply(make(good, tmp_path / "bad.sidik"), releases)
    assert exc.value.reason == reason
    assert releases.current is None and not (tmp_path / "models/releases/v2").exists()


def test_other_signer_stale_and_unsafe_paths_refused(tmp_path):
    releases = U.Releases(tmp_path / "models")
    with pytest.raises(U.UpdateRefused) as exc:
        _apply(_bundle(tmp_path, _models(tmp_path, "other"), "v1", 1,
                       key=Ed25519PrivateKey.generate()), releases)
    assert exc.value.reason == "bad_signature"
    _apply(_bundle(tmp_path, _models(tmp_path), "v5", 5), releases)
    with pytest.raises(U.UpdateRefused) as exc:  # an old bundle replayed
        _apply(_bundle(tmp_path, _models(tmp_path, "old"), "v4", 4), releases)
    assert exc.value.reason == "stale" and releases.current.name == "v5"
    with pytest.raises(U.UpdateRefused) as exc:
        U.Manifest.parse(json.dumps({"format": U.FORMAT, "kind": "model", "version": "v6",
                                     "sequence": 6, "files": [{"path": "../../etc/passwd",
                                                               "bytes": 1, "sha256": ""}]})
                         .encode())
    assert exc.value.reason == "malformed"
    with pytest.raises(U.UpdateRefused) as exc:
        U.apply_bundle(_bundle(tmp_path, _models(tmp_path), "v7", 7), releases,
                       HUB.public_key(), kind="app", prepare=lambda t: None,
                       self_test=lambda t: None, restart=lambda: True)
    assert exc.value.reason == "wrong_kind"


def test_failing_release_never_switched_in(tmp_path):
    """A properly signed bundle whose model does not load fails its self-test before the
    switch: the release in force stays, the unpacked one is removed."""
    releases = U.Releases(tmp_path / "models")
    _apply(_bundle(tmp_path, _models(tmp_path)), releases)
    broken = _models(tmp_path, "broken")
    manifest = json.loads((broken / "manifest.json").read_text())
    entry = manifest["models"]["fingerprint"]
    (broken / entry["file"]).write_bytes(b"\0" * 4096)
    entry["sha256"] = U.sha256_hex(b"\0" * 4096)  # consistent, just not a model
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(U.UpdateRefused) as exc:
        _apply(_bundle(tmp_path, broken, "v3", 3), releases)
    assert exc.value.reason == "self_test_failed" and "nothing changed" in str(exc.value)
    assert releases.current.name == "v2" and not (tmp_path / "models/releases/v3").exists()


def test_release_that_does_not_come_up_is_rolled_back(tmp_path):
    releases = U.Releases(tmp_path / "models")
    _apply(_bundle(tmp_path, _models(tmp_path)), releases)
    restarts = []

    def restart():
        restarts.append(releases.current.name)
        return len(restarts) > 1  # the new release fails to start; the old one starts

    outcome = _apply(_bundle(tmp_path, _models(tmp_path, "v3src"), "v3", 3), releases,
                     restart=restart)
    assert outcome.status == "rolled_back" and "back on v2" in outcome.detail
    assert restarts == ["v3", "v2"] and releases.current.name == "v2"


def test_app_prepare_failure_leaves_release_in_force(tmp_path):
    releases = U.Releases(tmp_path / "app")
    app = tmp_path / "appsrc"
    (app / "kiosk").mkdir(parents=True)
    (app / "kiosk/__init__.py").write_text("")

    def prepare(_target):
        raise RuntimeError("pip: no space left on device")

    with pytest.raises(U.UpdateRefused) as exc:
        U.apply_bundle(_bundle(tmp_path, app, kind="app"), releases, HUB.public_key(),
                       kind="app", prepare=prepare, self_test=lambda t: None,
                       restart=lambda: True)
    assert exc.value.reason == "prepare_failed" and "no space left" in str(exc.value)
    assert releases.current is None


def test_cli_build_apply_status_rollback(tmp_path, capsys):
    from cryptography.hazmat.primitives import serialization

    from kiosk.security.crypto import public_key_bytes
    from kiosk.security.keys import DataPaths, provision

    key_file = tmp_path / "hub.key"
    key_file.write_bytes(HUB.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    data = ["--data-dir", str(tmp_path / "data")]
    provision(DataPaths.resolve(tmp_path / "data"), hub_public_key=public_key_bytes(HUB))
    base = ["--base", str(tmp_path / "models"), "--no-restart", *data]
    for version, seq in (("m2", 2), ("m3", 3)):
        assert main(["update", "build", str(_models(tmp_path, version)), "--kind", "model",
                     "--version", version, "--sequence", str(seq), "--key", str(key_file),
                     "--out", str(tmp_path / f"{version}.sidik")]) == 0
        assert main(["update", "apply", str(tmp_path / f"{version}.sidik"), *base]) == 0
    out = capsys.readouterr().out
    assert "model m3 applied" in out
    assert main(["update", "apply", str(tmp_path / "m2.sidik"), *base]) == 1
    assert "update refused (stale)" in capsys.readouterr().err
    assert main(["update", "rollback", *base]) == 0
    assert main(["update", "status", *base]) == 0
    out = capsys.readouterr().out
    assert "rolled back to m2" in out and "current   m2" in out
