"""``kiosk doctor``'s pure side: verdicts, fixes, running checks under a deadline, the report.

A check is one small function ``fn(ctx) -> Result | list[Result]`` (the I/O lives in
``doctor_probes``). Each runs in its own daemon thread and is given up on after its
timeout, so a dead broker or a silent sensor costs seconds, never a hung doctor.
Every WARN and FAIL carries one plain line saying what to do about it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

PASS, WARN, FAIL, SKIP = "PASS", "WARN", "FAIL", "SKIP"

QUEUE_WARN_AGE_S = 3600.0  # an event not at the hub after an hour: the link needs a look
QUEUE_FAIL_AGE_S = 86400.0  # a day: the hub's books are a day behind this kiosk
QUEUE_WARN_DEPTH = 10_000
# No event of this software can honestly carry an earlier time: a Pi without a battery
# clock that has not synced yet shows 1970 or the last shutdown.
CLOCK_FLOOR_S = 1_735_689_600  # 2025-01-01T00:00:00Z
CERT_WARN_DAYS = 14  # the daily doctor run leaves the hub two weeks to issue a new one


@dataclass(frozen=True)
class Result:
    name: str
    status: str
    detail: str
    fix: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        if self.status in (WARN, FAIL) and not self.fix:
            raise ValueError(f"{self.name}: a {self.status} needs a fix")


def ok(name: str, detail: str) -> Result:
    return Result(name, PASS, detail)


def warn(name: str, detail: str, fix: str) -> Result:
    return Result(name, WARN, detail, fix)


def fail(name: str, detail: str, fix: str) -> Result:
    return Result(name, FAIL, detail, fix)


def skip(name: str, why: str) -> Result:
    return Result(name, SKIP, why)


# What --skip names, in the order the report lists them (doctor_probes.CHECKS).
GROUPS = ("sensor", "camera", "models", "broker", "clock", "disk", "queue", "audit", "health")


@dataclass(frozen=True)
class Check:
    group: str  # what --skip names: sensor, camera, models, broker, clock, disk, queue, ...
    fn: Callable[[object], Result | list[Result]]
    timeout_s: float
    hung_fix: str  # said when the check itself does not finish in time


# ---- running ----------------------------------------------------------------------------------
def _call(check: Check, ctx) -> list[Result]:
    start = time.monotonic()
    try:
        out = check.fn(ctx)
        results = [out] if isinstance(out, Result) else list(out)
    except Exception as exc:  # a doctor that dies of what it diagnoses helps nobody
        results = [fail(check.group, f"the check itself failed: {type(exc).__name__}: {exc}",
                        "send the support bundle (kiosk doctor --bundle FILE) to the Sidik team")]
    took = round(time.monotonic() - start, 3)
    return [r if r.seconds else Result(r.name, r.status, r.detail, r.fix, took) for r in results]


def run_checks(checks: Iterable[Check], ctx, skip_groups: Iterable[str] = ()) -> list[Result]:
    """Every check at once, each under its own deadline; results in the checks' order."""
    skipped = set(skip_groups)
    running = []
    for check in checks:
        if check.group in skipped:
            running.append((check, None, [skip(check.group, "skipped (--skip)")], 0.0))
            continue
        box: list[list[Result]] = []
        thread = threading.Thread(target=lambda c=check, b=box: b.append(_call(c, ctx)),
                                  name=f"doctor-{check.group}", daemon=True)
        thread.start()
        running.append((check, thread, box, time.monotonic() + check.timeout_s))
    results: list[Result] = []
    for check, thread, box, deadline in running:
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
            box = box[0] if box else [Result(check.group, FAIL,
                                             f"no answer within {check.timeout_s:g} s",
                                             check.hung_fix, check.timeout_s)]
        results.extend(box)
    return results


# ---- verdicts ---------------------------------------------------------------------------------
def disk_verdict(where: str, free: int, total: int, warn_free: int, critical_free: int) -> Result:
    """The reporter's disk alarm rule (kiosk.reporting.outbox.disk_alarm), as a check."""
    from ..reporting.outbox import OutboxStats, disk_alarm

    alarm = disk_alarm(OutboxStats(0, None, 0, 0, free, total, 0), warn_free, critical_free)
    detail = f"{free >> 20} MB free of {total >> 20} MB on {where}"
    fix = ("free space: sudo journalctl --vacuum-size=50M and remove old files, or move "
           "to a bigger SD card; a full disk stops the kiosk recording decisions")
    if alarm == "critical":
        return fail("disk", f"{detail} (below {critical_free >> 20} MB)", fix)
    if alarm == "warning":
        return warn("disk", f"{detail} (below {warn_free >> 20} MB or 10%)", fix)
    return ok("disk", detail)


def queue_verdict(pending: int, oldest_age_s: float | None, broker_set: bool) -> list[Result]:
    depth_detail = f"{_count(pending, 'event')} waiting for the hub"
    if pending > QUEUE_WARN_DEPTH:
        depth = warn("queue depth", depth_detail,
                     "get the broker checks to PASS, then run: kiosk report drain")
    else:
        depth = ok("queue depth", depth_detail)
    if not pending or oldest_age_s is None:
        return [depth, ok("queue age", "nothing waiting")]
    age = f"oldest waiting {_duration(oldest_age_s)}"
    fix = ("get the broker checks to PASS and check the reporter runs "
           "(systemctl status sidik-reporter)" if broker_set else
           "set [hub] broker and village in the config so events reach the hub")
    if oldest_age_s > QUEUE_FAIL_AGE_S:
        return [depth, fail("queue age", age, fix)]
    if oldest_age_s > QUEUE_WARN_AGE_S:
        return [depth, warn("queue age", age, fix)]
    return [depth, ok("queue age", age)]


def clock_verdict(synchronised: bool, wall_s: float) -> Result:
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(wall_s))
    if wall_s < CLOCK_FLOOR_S:
        return fail("clock", f"clock reads {when}, before this software existed",
                    "connect the network so NTP can set the time (timedatectl), or set it: "
                    "sudo date -s 'YYYY-MM-DD HH:MM'")
    if not synchronised:
        return warn("clock", f"{when}, not synchronised with NTP (events say so; the hub "
                             "can correct them)",
                    "give the kiosk network access to an NTP server and check: timedatectl")
    return ok("clock", f"{when}, synchronised")


def chain_verdict(report, total: int, problems: list[str], complete: bool) -> Result:
    """``report``: kiosk.security.chain.ChainReport over the first events; ``complete``:
    False when the time limit stopped the walk early."""
    restore = ("do not delete anything; send the support bundle to the hub operator "
               "(kiosk doctor --bundle FILE) and run: kiosk audit verify")
    if problems:
        return fail("audit chain", f"database damaged: {'; '.join(problems[:3])}", restore)
    if not report.ok:
        b = report.first_break
        return fail("audit chain", f"broken at event seq {b.seq}: {b.message}", restore)
    if not complete:
        return warn("audit chain", f"first {report.count} of {total} events check out "
                                   "(time limit reached)",
                    "run the full check when the kiosk is idle: kiosk audit verify")
    head = f", head {report.last_hash[:12]}" if report.count else ""
    return ok("audit chain", f"{_count(report.count, 'event')} signed and linked{head}")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# ---- the report -------------------------------------------------------------------------------
def exit_code(results: Iterable[Result]) -> int:
    return 1 if any(r.status == FAIL for r in results) else 0


def counts(results: Iterable[Result]) -> dict[str, int]:
    out = {PASS: 0, WARN: 0, FAIL: 0, SKIP: 0}
    for r in results:
        out[r.status] += 1
    return out


def as_json(results: list[Result], **extra) -> str:
    c = counts(results)
    return json.dumps({"ok": not c[FAIL], "counts": c, **extra,
                       "checks": [asdict(r) for r in results]}, ensure_ascii=False)


def as_text(results: list[Result]) -> str:
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        lines.append(f"{r.status}  {r.name:<{width}}  {r.detail}")
        if r.fix:
            lines.append(f"      {'':<{width}}  fix: {r.fix}")
    c = counts(results)
    lines.append(f"{c[FAIL]} FAIL, {c[WARN]} WARN, {c[PASS]} PASS, {c[SKIP]} SKIP")
    return "\n".join(lines)


# ---- fixes and verdicts for the devices and the link --------------------------------------------
def sensor_fix(exc, port: str) -> str:
    """One line for a technician, by the kind of sensor failure."""
    from firmware_bridge.r30x import errors as E

    if isinstance(exc, E.SensorNotFound):
        return (f"connect the sensor; check that {port} exists (ls -l /dev/serial*) and the "
                "serial port is enabled, or fix [sensor] port")
    if isinstance(exc, E.SensorTimeout | E.SensorDisconnected):
        return ("check the sensor's power and wiring (sensor TX to Pi RX, RX to TX); stop the "
                "kiosk if it holds the port (systemctl stop sidik-kiosk)")
    if isinstance(exc, E.WrongPassword | E.PasswordRequired):
        return "set [sensor] password to the one given to this sensor at provisioning"
    if isinstance(exc, E.AddressError):
        return "set [sensor] address to the one given to this sensor at provisioning"
    if isinstance(exc, E.ProtocolError):
        return "noise on the serial line: reseat the cable and ground, or lower [sensor] baud"
    if isinstance(exc, E.ImageCaptureFailed | E.SensorHardwareError):
        return "clean the glass with a dry cloth and power-cycle; replace the sensor if it stays"
    return getattr(exc, "hint", "") or "run: kiosk sensor selftest"


def sensor_image_verdict(shape: tuple, contrast: float) -> Result:
    size = f"{shape[1]}x{shape[0]}"
    if contrast < 8:
        return warn("sensor image", f"a {size} image came back flat (contrast {contrast:.0f})",
                    "clean the glass with a dry cloth and press the finger flat")
    return ok("sensor image", f"captured a {size} finger image (contrast {contrast:.0f})")


def camera_verdict(backend: str, shape: tuple, contrast: float) -> Result:
    size = f"{shape[1]}x{shape[0]}"
    if contrast < 4:
        return warn("camera", f"{backend}: the {size} picture is uniform (contrast "
                              f"{contrast:.1f}): covered or dark",
                    "remove the lens cover, light the face area, check the ribbon cable")
    return ok("camera", f"{backend}: a {size} frame (contrast {contrast:.0f})")


def tls_fix(verify_code: int, host: str) -> str:
    """By OpenSSL's verification code (X509_V_ERR_*)."""
    if verify_code in (9, 10):  # not yet valid, expired
        return ("check the kiosk clock first (timedatectl); if it is right, the hub operator "
                "must renew the broker certificate")
    if verify_code in (62, 64):  # host name or IP address mismatch
        return (f"the broker's certificate is not for {host!r}: put the name it was issued "
                "for in [hub] broker")
    return ("[hub] ca is not the CA that signed the broker's certificate: install the hub's CA "
            "file (from the hub operator) and point [hub] ca at it")


def tls_verdict(version: str | None, cert_days_left: float | None) -> Result:
    detail = f"{version}, the broker's certificate is trusted"
    renew = "ask the hub operator for a new client certificate for [hub] cert and key"
    if cert_days_left is not None and cert_days_left < 0:
        return fail("broker TLS", f"{detail}; this kiosk's certificate has expired", renew)
    if cert_days_left is not None and cert_days_left < CERT_WARN_DAYS:
        return warn("broker TLS", f"{detail}; this kiosk's certificate expires in "
                                  f"{cert_days_left:.0f} days", renew)
    return ok("broker TLS", detail)


SILENT_BROKER_FIX = ("the broker accepts connections but does not answer: restart it on the hub "
                     "(systemctl restart mosquitto)")


def auth_fix(reason: int | None, device: str | None, user: str | None = None) -> str:
    """By MQTT CONNACK reason code (MQTT 5 numbering; paho maps 3.1.1 codes onto it).
    Mosquitto answers a wrong password with 'not authorized', hence ``user``."""
    who = device or "this kiosk"
    if reason == 0x86 or (reason == 0x87 and user):
        return "check [hub] username and the password in [hub] password_file with the hub operator"
    if reason in (0x87, 0x8A, 0x85):
        return f"the broker does not accept {who}: ask the hub operator to register it"
    return (f"check [hub] cert and key (the broker may require this kiosk's certificate) and "
            f"that the hub operator has registered {who}")


def round_trip_verdict(topic: str, reasons, seconds: float, device: str) -> Result:
    if not reasons:
        return fail("broker round trip", f"no answer to a subscription within {seconds:.1f} s",
                    "the broker is overloaded or the link drops packets: check the hub")
    if reasons[0].is_failure:
        return fail("broker round trip", f"the broker refused {topic}: {reasons[0]}",
                    f"ask the hub operator to let {device} read its topics (broker ACL)")
    detail = f"subscribed to its command topic in {seconds * 1000:.0f} ms"
    if seconds > 2.0:
        return warn("broker round trip", detail, "the link to the hub is slow: check signal")
    return ok("broker round trip", detail)


def health_verdict(reports: dict[str, dict]) -> Result:
    """What the running kiosk last said about its sensor, camera and matcher."""
    bad = [f"{c} not working ({r.get('last') or r.get('detail') or 'no detail'}, "
           f"{r.get('since_s', '?')} s ago)" for c, r in reports.items() if r.get("ok") is False]
    if bad:
        return warn("kiosk reports", "; ".join(bad),
                    "see the checks above; then restart the kiosk: systemctl restart sidik-kiosk")
    seen = [c for c, r in reports.items() if r.get("ok")]
    if not seen:
        return skip("kiosk reports", "the kiosk has not reported its components yet")
    return ok("kiosk reports", f"{', '.join(seen)} working when last used")
