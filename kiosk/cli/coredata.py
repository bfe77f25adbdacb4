"""Shared by the verification-core commands: data directory, store, matcher, fingers, people.

Not a command itself (no ``register``): ``roster``, ``enroll``, ``verify`` and
``audit`` use it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator

from ..flows import actions as A
from ..flows.biometric import OFFICER_REASONS
from ..flows.prompts import finger_name
from ..security.keys import (
    DataPaths,
    KeyFileError,
    NotProvisioned,
    default_data_dir,
    is_provisioned,
    provision,
)
from ..storage.db import StorageError
from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError

EXIT_STORAGE = 6  # the database is locked, damaged, full or unreadable


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="configuration file (default $SIDIK_CONFIG, then "
                                         "/etc/sidik/kiosk.toml)")
    parser.add_argument("--data-dir", help=f"database and keys (default $SIDIK_DATA_DIR, "
                                           f"[device] data_dir, {default_data_dir()})")
    parser.add_argument("--key-dir", help="keys and device secret, if not DATA_DIR/keys "
                                          "(default $SIDIK_KEY_DIR, [device] key_dir)")


def load_config(args):
    """The configuration file named by ``--config`` (or found), checked; a CliError if bad."""
    from .. import config

    try:
        return config.load(getattr(args, "config", None))
    except config.ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def paths_of(args, conf=None) -> DataPaths:
    """Data and key folders: the option, else the environment, else the configuration file."""
    device = (conf or load_config(args)).section("device")
    data_dir = args.data_dir or os.environ.get("SIDIK_DATA_DIR") or device["data_dir"]
    key_dir = args.key_dir or os.environ.get("SIDIK_KEY_DIR") or device["key_dir"]
    return DataPaths.resolve(data_dir, key_dir)


def ensure_device(paths: DataPaths, quiet: bool = False) -> None:
    """The provisioning hook: a fresh data directory gets a device identity; a database
    whose keys are gone does not (a new key would silently start a new chain)."""
    if is_provisioned(paths):
        return
    if paths.db.exists():
        raise CliError(f"the database {paths.db} exists but the device keys in {paths.key_dir} "
                       "are missing; restore them (or re-provision with the hub)")
    identity = provision(paths)
    if not quiet:
        print(f"provisioned new device {identity.device_id} (keys in {paths.key_dir})")


@contextlib.contextmanager
def opened_store(args, *, create: bool = True) -> Iterator:
    """The store, with storage and key failures turned into one-line errors."""
    from ..clock import Clock
    from ..storage.store import KioskStore

    paths = paths_of(args)
    try:
        if create:
            ensure_device(paths, quiet=getattr(args, "json", False))
        elif not paths.db.exists():
            raise CliError(f"no kiosk database in {paths.data_dir} (nothing to check yet)")
        store = KioskStore.open(paths, clock=Clock())
    except NotProvisioned as exc:
        raise CliError(str(exc)) from None
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    except StorageError as exc:
        raise CliError(f"{exc} [{exc.code}]", EXIT_STORAGE) from None
    try:
        yield store
    except StorageError as exc:
        raise CliError(f"{exc} [{exc.code}]", EXIT_STORAGE) from None
    finally:
        store.close()


MATCHER_CHOICES = ("auto", "model", "standin")


def add_matcher_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--matcher", choices=MATCHER_CHOICES,
                        default=os.environ.get("SIDIK_MATCHER", "auto"),
                        help="auto: the TFLite model when it loads, else the stand-in "
                             "(default $SIDIK_MATCHER or auto). Templates only match the "
                             "matcher that made them.")


def choose_matcher(choice: str = "auto"):
    """(matcher, description): the real matcher when it loads, else the stand-in."""
    from ..biometrics.fingerprint.interface import FingerprintMatcher
    from ..biometrics.fingerprint.standin import StandInMatcher

    if choice == "standin":
        m = StandInMatcher()
        return m, f"matcher {m.version} (stand-in, as asked)"
    try:
        from ..biometrics.fingerprint import load_matcher  # lands with the TFLite matcher

        matcher = load_matcher()
        if not isinstance(matcher, FingerprintMatcher):
            raise TypeError(f"load_matcher() returned {type(matcher).__name__}")
        fnmr = (getattr(matcher, "entry", None) or {}).get("thresholds", {}).get(
            "synthetic_fnmr_at_verify")
        if isinstance(fnmr, int | float) and fnmr >= 0.5 and choice == "auto":
            # Loads, but by its own calibration rejects most genuine people: not working.
            raise RuntimeError(f"its manifest reports {fnmr:.0%} false non-matches at its "
                               "verify threshold (--matcher model uses it anyway)")
        return matcher, f"matcher {matcher.version} (load_matcher)"
    except Exception as exc:  # any failure: the kiosk must still work
        if choice == "model":
            raise CliError(f"the TFLite matcher does not load: {exc}") from None
        why = "not available" if isinstance(exc, ImportError) else f"failed: {exc}"
        m = StandInMatcher()
        return m, f"matcher {m.version} (stand-in; load_matcher {why})"


# ---- fingers: the simulator or a real sensor ----------------------------------------------------
def add_device_options(parser: argparse.ArgumentParser) -> None:
    from .sensor import add_link_options

    add_link_options(parser)
    sim = parser.add_argument_group("simulator")
    sim.add_argument("--sim", action="store_true",
                     help="use an in-process simulated sensor with synthetic fingers")
    sim.add_argument("--sim-identity", type=int, default=1,
                     help="synthetic person at the sensor (default 1)")
    sim.add_argument("--sim-condition", default="normal",
                     help="their skin: normal, dry, wet, worn, labourer, partial")
    sim.add_argument("--sim-finger-condition", action="append", default=[], metavar="F=COND",
                     help="condition of one finger (0..9), e.g. 1=worn; repeatable")
    sim.add_argument("--sim-officer-identity", type=int,
                     help="synthetic officer who signs in (default: nobody comes)")
    sim.add_argument("--sim-first-index", type=int, default=None,
                     help="first impression number (default 0 for enrol, 10 for verify)")


def _finger_conditions(items: list[str]) -> dict[int, str]:
    out = {}
    for item in items:
        finger, _, condition = item.partition("=")
        if not finger.isdigit() or not condition or not 0 <= int(finger) <= 9:
            raise CliError(f"--sim-finger-condition wants F=COND with F in 0..9, not {item!r}",
                           EXIT_USAGE)
        out[int(finger)] = condition
    return out


@contextlib.contextmanager
def opened_fingers(args, purpose: str) -> Iterator:
    """A finger source for the flows, for the lifetime of the command."""
    from ..runtime.capture import Hand, SensorFingers, SimulatedFingers

    if not args.sim:
        from .sensor import connect

        with connect(args) as sensor:
            yield SensorFingers(sensor)
        return
    from firmware_bridge.r30x.driver import R30xSensor
    from hw_sim.fingerprints.conditions import CONDITIONS
    from hw_sim.sensor.simulator import SensorSimulator

    conditions = _finger_conditions(args.sim_finger_condition)
    for c in [args.sim_condition, *conditions.values()]:
        if c not in CONDITIONS:
            raise CliError(f"unknown condition {c!r}; valid: {', '.join(CONDITIONS)}",
                           EXIT_USAGE)
    person = Hand(args.sim_identity, args.sim_condition, conditions)
    hands = {"recipient": person, "identify": person, "enrol": person}
    if args.sim_officer_identity is not None:
        hands["officer"] = Hand(args.sim_officer_identity)
    first = args.sim_first_index if args.sim_first_index is not None else (
        0 if purpose == "enrol" else 10)
    with SensorSimulator() as sim, R30xSensor(sim.url, timeout=3) as sensor:
        sensor.negotiate()
        yield SimulatedFingers(sim, sensor, hands, first_index=first, wait=1.0)


# ---- people: prompts that also work without a terminal -------------------------------------------
def interactive() -> bool:
    return sys.stdin.isatty()


def add_officer_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("officer (asked interactively when not given)")
    g.add_argument("--officer-decision", choices=tuple(OFFICER_REASONS),
                   help="if the ladder reaches the officer: approve, deny or refer")
    g.add_argument("--officer-reason", help="reason code for the decision (see docs)")
    g.add_argument("--officer-note", help="free-text note recorded with the decision")


def ask_choice(prompt: str, choices: tuple[str, ...]) -> str | None:
    while True:
        print(f"{prompt} [{'/'.join(choices)}]: ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return None
        answer = line.strip()
        if answer in choices:
            return answer


def officer_answerer(args):
    """RequestOfficerChoice (verify_decision) -> OfficerChoice or Cancel."""

    def answer(req: A.RequestOfficerChoice):
        decision, reason = args.officer_decision, args.officer_reason
        if decision is None and interactive():
            decision = ask_choice("officer decision", req.choices)
        if decision is None:
            # Nobody to ask: the honest outcome is a referral, never a silent drop.
            return A.OfficerChoice("refer", "needs_review",
                                   "no officer decision given (non-interactive)")
        allowed = req.reasons.get(decision, ())
        if reason is None and interactive():
            reason = ask_choice("reason", allowed)
        if reason not in allowed:
            raise CliError(f"--officer-reason for {decision} must be one of: "
                           f"{', '.join(allowed)}", EXIT_USAGE)
        return A.OfficerChoice(decision, reason, args.officer_note)

    return answer


def nik_answerer():
    def answer(req: A.RequestNik) -> str | None:
        if not interactive():
            return None
        print("NIK (16 angka): ", end="", flush=True)
        line = sys.stdin.readline()
        return line.strip() or None

    return answer


# ---- output --------------------------------------------------------------------------------------
def printer(json_mode: bool):
    def show(action) -> None:
        if json_mode:
            return
        if isinstance(action, A.Prompt):
            who = "petugas" if action.audience == "officer" else "layar"
            print(f"  [{who}] {action.pesan}")
        elif isinstance(action, A.RequestCapture):
            what = finger_name(action.finger, english=True)
            print(f"  ... capture {action.attempt}: {action.purpose}, {what}", flush=True)

    return show


def report(result: A.ShowResult, json_mode: bool, extra: dict | None = None) -> int:
    if json_mode:
        print(json.dumps({"outcome": result.outcome, "reason": result.reason,
                          "message": result.message, "pesan": result.pesan,
                          "event_id": result.event_id, "receipt": result.receipt,
                          **({"text_code": result.text_code} if result.text_code else {}),
                          **(extra or {})}, ensure_ascii=False))
    else:
        print(f"{result.outcome.upper()} ({result.reason}): {result.pesan}")
        if result.event_id:
            print(f"event {result.event_id}")
        if result.receipt:
            print(f"receipt: {result.receipt}")
    if result.outcome == "error":
        return EXIT_STORAGE
    return EXIT_OK if result.outcome in ("accepted", "enrolled") else EXIT_FAILURE
