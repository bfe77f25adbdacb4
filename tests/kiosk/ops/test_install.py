"""install.sh --pi --dry-run: the plan for Raspberry Pi OS Bookworm and Trixie, asserted
step by step, without changing anything on this machine."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def plan(*args):
    done = subprocess.run(["bash", str(ROOT / "install.sh"), "--pi", "--dry-run", *args],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def actions(out):
    return [line for line in out.splitlines() if line.startswith("[dry-run] ")]


@pytest.mark.parametrize("release, python, numpy_pin", [("bookworm", "3.11", "numpy<2"),
                                                        ("trixie", "3.13", "# none")])
def test_pi_plan(release, python, numpy_pin):
    code, out, err = plan("--os", release)
    assert code == 0, err
    steps = "\n".join(actions(out))
    assert f"Raspberry Pi OS {release} (Python {python})" in out
    # apt: picamera2 is never on a build machine, so its install is always planned.
    assert "apt-get install -y --no-install-recommends" in steps and "python3-picamera2" in steps
    for pkg in ("espeak-ng", "mosquitto-clients", "python3-venv"):
        assert pkg in out, pkg  # needed: ... lists them, installed here or not
    # The venv sees apt's picamera2, and NumPy stays what that stack was built for.
    assert f"python{python} -m venv --system-site-packages" in steps
    assert f"printf '%s\\n' '{numpy_pin}'" in steps
    assert "--constraint" in steps and "[face,camera]" in steps
    # The user, its device groups, the UART without console, config and data folders.
    assert "useradd --system" in steps or "ok: user sidik exists" in out
    assert "usermod -a -G dialout,video,input,render,audio sidik" in steps
    assert "raspi-config nonint do_serial_hw 0" in steps
    assert "raspi-config nonint do_serial_cons 1" in steps
    assert "install -d -m 0700 -o sidik -g sidik /var/lib/sidik" in steps
    assert "/etc/sidik/kiosk.toml" in out
    assert "/etc/udev/rules.d/99-sidik-sensor.rules" in steps
    # Units installed and enabled; the kiosk starts only once provisioned.
    for unit in ("sidik-kiosk.service", "sidik-reporter.service", "sidik-doctor.timer"):
        assert f"/etc/systemd/system/{unit}" in steps
    assert "systemctl enable sidik-kiosk.service sidik-reporter.service" in steps
    assert "ln -sfn /opt/sidik/releases/" in steps
    assert "nothing was changed" in out


def test_dry_run_changes_nothing_and_needs_no_root(tmp_path):
    before = sorted(p.name for p in Path("/opt").iterdir()) if Path("/opt").exists() else []
    code, _, _ = plan("--os", "bookworm")
    assert code == 0
    after = sorted(p.name for p in Path("/opt").iterdir()) if Path("/opt").exists() else []
    assert before == after


@pytest.mark.parametrize("args, says", [
    (["--os", "buster"], "supports Raspberry Pi OS bookworm and trixie"),
    (["--os", "bookworm", "--frobnicate"], "unknown option '--frobnicate'"),
])
def test_pi_plan_refuses_what_it_cannot_do(args, says):
    code, _, err = plan(*args)
    assert code != 0 and says in err


def test_dev_mode_rejects_pi_options():
    done = subprocess.run(["bash", str(ROOT / "install.sh"), "--dev", "--dry-run"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--dry-run and --os go with --pi" in done.stderr
