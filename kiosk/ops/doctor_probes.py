"""``kiosk doctor``'s probes: each looks at one part of the real device and returns
verdicts (``doctor.Result``). Every wait here has its own short timeout on top of the
per-check deadline in ``doctor.run_checks``. The probes only read: nothing here
writes to the sensor, the database or the broker's retained topics.
"""

from __future__ import annotations

import ipaddress
import secrets
import shutil
import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..biometrics.runtime import MODELS_DIR
from ..clock import Clock
from ..config import Config
from ..security.keys import DataPaths
from . import doctor as D
from .doctor import Check, Result, fail, ok, skip, warn


@dataclass
class Context:
    conf: Config
    paths: DataPaths
    models_dir: Path = MODELS_DIR
    camera_source: Any = None  # the sim camera's frames (path or arrays)
    clock: Clock = field(default_factory=Clock)
    disk_usage: Callable[[Path], Any] = shutil.disk_usage
    step_timeout_s: float = 3.0  # one network or serial exchange
    chain_budget_s: float = 15.0  # then the audit check reports how far it got


# ---- sensor -----------------------------------------------------------------------------------
def _open_sensor(port: str, baud: int, s: dict, timeout: float, retries: int):
    from firmware_bridge.r30x.driver import R30xSensor

    sensor = R30xSensor(port, baud=baud, address=s["address"], password=s["password"],
                        timeout=timeout, retries=retries, reconnect_timeout=timeout)
    try:
        return sensor.open()
    except BaseException:
        sensor.close()
        raise


def _answering_baud(port: str, configured: int, s: dict):
    """(baud, open sensor) for the first usual rate the sensor answers at, or None."""
    from firmware_bridge.r30x.errors import SensorError

    from ..cli.sensor import AUTO_BAUDS  # the rates the kiosk itself tries

    for baud in AUTO_BAUDS:
        if baud == configured:
            continue
        try:
            return baud, _open_sensor(port, baud, s, 0.3, 0)
        except SensorError:
            continue
    return None


def sensor(ctx: Context) -> list[Result]:
    from firmware_bridge.r30x.errors import SensorError, SensorNotFound, SensorTimeout

    s = ctx.conf.section("sensor")
    port, baud = s["port"], s["baud"]
    no_image = skip("sensor image", "no handshake")
    note = None
    try:
        dev = _open_sensor(port, baud, s, min(ctx.step_timeout_s, 1.0), 1)
    except SensorTimeout:
        found = _answering_baud(port, baud, s)
        if found is None:
            return [D.fail("sensor handshake", f"no answer from {port} at any usual baud rate",
                           D.sensor_fix(SensorTimeout("no answer"), port)), no_image]
        baud, dev = found
        # The kiosk itself finds the rate (--baud auto); only the config is out of date.
        note = (f"the sensor answers at {baud} baud, not the configured "
                f"{s['baud']}", f"set [sensor] baud = {baud} in the config")
    except SensorNotFound as exc:
        gone = "://" not in port and not Path(port).exists()
        return [D.fail("sensor handshake", f"{port} does not exist" if gone else exc.message,
                       D.sensor_fix(exc, port)), no_image]
    except SensorError as exc:
        return [D.fail("sensor handshake", exc.message, D.sensor_fix(exc, port)), no_image]
    try:
        params = dev.read_system_parameters()
        detail = (f"{port} at {baud} baud: library {params.capacity}, "
                  f"{params.packet_size}-byte packets")
        shake = warn("sensor handshake", f"{detail}; {note[0]}", note[1]) if note else \
            ok("sensor handshake", detail)
        return [shake, _sensor_image(dev)]
    except SensorError as exc:
        return [D.fail("sensor handshake", exc.message, D.sensor_fix(exc, port)), no_image]
    finally:
        dev.close()


def _sensor_image(dev) -> Result:
    from firmware_bridge.r30x.errors import NoFinger, SensorError

    try:
        dev.gen_img()
    except NoFinger:
        return ok("sensor image", "the sensor takes images (glass empty; put a finger on it "
                                  "to check a whole capture)")
    except SensorError as exc:
        return D.fail("sensor image", exc.message, D.sensor_fix(exc, dev.port))
    image = dev.up_image()
    return D.sensor_image_verdict(image.shape, float(image.std()))


# ---- camera -----------------------------------------------------------------------------------
def camera(ctx: Context) -> Result:
    from firmware_bridge.camera import CameraError, open_camera

    backend = ctx.conf.get("camera", "backend")
    options: dict[str, Any] = {}
    if backend == "sim":
        if ctx.camera_source is None:
            return skip("camera", "sim backend and no --camera-source: nothing to look at")
        options = {"source": ctx.camera_source, "fps": 0}
    try:
        cam = open_camera(backend, **options)
    except CameraError as exc:
        return fail("camera", exc.message, exc.hint or "check the camera cable")
    try:
        frame = cam.read(timeout=ctx.step_timeout_s)
    except CameraError as exc:
        return fail("camera", exc.message, exc.hint or "check the camera cable")
    finally:
        cam.close()
    return D.camera_verdict(cam.backend, frame.image.shape, float(frame.image.std()))


# ---- models -----------------------------------------------------------------------------------
def models(ctx: Context) -> list[Result]:
    from ..biometrics.runtime import ModelError, interpreter_class, read_manifest, sha256_of

    out = []
    try:
        interpreter_class()
        out.append(ok("model runtime", "LiteRT interpreter available"))
    except ModelError as exc:
        out.append(fail("model runtime", str(exc), exc.hint))
    restore = ("restore the models: reinstall Sidik or apply the last update bundle again "
               f"(the files in {ctx.models_dir} were changed or damaged)")
    try:
        entries = read_manifest(Path(ctx.models_dir) / "manifest.json")["models"]
    except ModelError as exc:
        return [*out, fail("model files", str(exc), exc.hint)]
    bad = []
    for entry in entries.values():
        path = Path(ctx.models_dir) / entry["file"]
        try:
            if sha256_of(path) != entry.get("sha256"):
                bad.append(f"{entry['file']} does not match its sha256")
        except OSError:
            bad.append(f"{entry['file']} is missing or unreadable")
    if bad:
        out.append(fail("model files", "; ".join(bad), restore))
    else:
        out.append(ok("model files", f"{len(entries)} files match models/manifest.json"))
    out.append(_face_models())
    return out


def _face_models() -> Result:
    from ..biometrics.face import models as F
    from ..biometrics.runtime import ModelError

    missing = []
    for model in (F.DETECTOR, F.FACEMESH, F.IRIS, F.ALIGNER, F.EMBEDDER):
        try:
            F.model_path(model)
        except ModelError as exc:
            if "not installed" not in str(exc) and "missing" not in str(exc):
                return fail("face models", str(exc).split(" (")[0], exc.hint)
            missing.append(exc.hint)
    if missing:
        return warn("face models", "face fallback unavailable: model package missing",
                    missing[0])
    return ok("face models", "5 packaged files match their pinned sha256")


# ---- broker -----------------------------------------------------------------------------------
BROKER_STAGES = ("broker DNS", "broker TCP", "broker TLS", "broker auth", "broker round trip")


def broker(ctx: Context) -> list[Result]:
    from ..reporting.protocol import parse_broker_url

    hub = ctx.conf.section("hub")
    if not hub["broker"] or not hub["village"]:
        return [warn("broker", "no [hub] broker and village configured: events stay on this "
                               "kiosk", "set [hub] broker and village in the config")]
    try:
        url = parse_broker_url(hub["broker"])
    except ValueError as exc:
        return [fail("broker", str(exc), "write [hub] broker as mqtts://HOST:8883")]
    results: list[Result] = []
    for stage in (_dns, _tcp, _tls, _mqtt):
        got = stage(url, hub, ctx)
        results.extend(got if isinstance(got, list) else [got])
        if any(r.status == D.FAIL for r in results):
            break
    done = {r.name for r in results}
    results += [skip(n, "an earlier broker check failed") for n in BROKER_STAGES
                if n not in done]
    return results


def _in_time(fn: Callable[[], Any], timeout: float) -> Any:
    """``fn()``'s value, or TimeoutError; for calls with no timeout of their own (DNS)."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(_capture(fn)), daemon=True)
    thread.start()
    thread.join(timeout)
    if not box:
        raise TimeoutError(f"no answer in {timeout:g} s")
    value, exc = box[0]
    if exc is not None:
        raise exc
    return value


def _capture(fn):
    try:
        return fn(), None
    except Exception as exc:
        return None, exc


def _dns(url, hub, ctx) -> Result:
    try:
        infos = _in_time(lambda: socket.getaddrinfo(url.host, url.port,
                                                    type=socket.SOCK_STREAM), ctx.step_timeout_s)
    except (OSError, TimeoutError) as exc:
        return fail("broker DNS", f"{url.host} does not resolve ({exc})",
                    "check the network (can the kiosk reach the hub?) and the host in [hub] "
                    "broker; use the hub's IP address where there is no DNS")
    addresses = sorted({i[4][0] for i in infos})
    return ok("broker DNS", f"{url.host} is {', '.join(addresses[:3])}")


def _tcp(url, hub, ctx) -> Result:
    start = time.monotonic()
    try:
        socket.create_connection((url.host, url.port), timeout=ctx.step_timeout_s).close()
    except ConnectionRefusedError:
        return fail("broker TCP", f"nothing listens on {url.host}:{url.port} (refused)",
                    "start the broker on the hub (systemctl start mosquitto) or correct the "
                    "port in [hub] broker")
    except (OSError, TimeoutError) as exc:
        return fail("broker TCP", f"cannot reach {url.host}:{url.port} ({exc})",
                    "check the cable or Wi-Fi between kiosk and hub and any firewall; "
                    "is the hub switched on?")
    return ok("broker TCP", f"{url.host}:{url.port} accepts connections "
                            f"({(time.monotonic() - start) * 1000:.0f} ms)")


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _tls(url, hub, ctx) -> Result:
    if not url.tls:
        if _is_local(url.host):
            return ok("broker TLS", "plain mqtt:// to this machine")
        return warn("broker TLS", "mqtt:// is not encrypted",
                    "use mqtts://HOST:8883 with the hub's CA in [hub] ca")
    for key in ("ca", "cert", "key"):
        if hub[key] and not Path(hub[key]).is_file():
            return fail("broker TLS", f"[hub] {key} file {hub[key]} does not exist",
                        "install the file from the hub operator there, or fix the path")
    try:
        context = ssl.create_default_context(cafile=hub["ca"])
        if hub["cert"]:
            context.load_cert_chain(hub["cert"], hub["key"])
    except (ssl.SSLError, OSError) as exc:
        return fail("broker TLS", f"the TLS files cannot be used: {exc}",
                    "[hub] ca, cert and key must be PEM files, the key matching the cert")
    try:
        with socket.create_connection((url.host, url.port), timeout=ctx.step_timeout_s) as raw, \
                context.wrap_socket(raw, server_hostname=url.host) as tls:
            version = tls.version()
    except ssl.SSLCertVerificationError as exc:
        return fail("broker TLS", f"the broker's certificate is not trusted: "
                                  f"{exc.verify_message}", D.tls_fix(exc.verify_code, url.host))
    except TimeoutError:
        return fail("broker TLS", f"no TLS answer from {url.host}:{url.port} within "
                                  f"{ctx.step_timeout_s:g} s", D.SILENT_BROKER_FIX)
    except (ssl.SSLError, OSError) as exc:
        return fail("broker TLS", f"TLS handshake failed: {exc}",
                    "is this the broker's TLS port (usually 8883)? check [hub] broker")
    return D.tls_verdict(version, _days_left(hub["cert"], ctx.clock.wall_ns() / 1e9))


def _days_left(cert_path: str | None, now_s: float) -> float | None:
    if not cert_path:
        return None
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except (OSError, ValueError):
        return None
    return (cert.not_valid_after_utc.timestamp() - now_s) / 86400


def _device_id(paths: DataPaths) -> str | None:
    from ..security.keys import KeyFileError, device_id_for, read_public_key

    try:
        return device_id_for(read_public_key(paths.device_pub))
    except KeyFileError:
        return None


def _mqtt(url, hub, ctx) -> list[Result]:
    from .. import config

    password = None
    if hub["password_file"]:
        try:
            password = config.read_secret(hub["password_file"], "[hub] password_file")
        except config.ConfigError as exc:
            return [fail("broker auth", str(exc), "write the account's password into that "
                                                  "file (one line, readable by sidik)")]
    protocols = {"5": (5,), "3.1.1": (4,)}.get(hub["protocol"], (5, 4))
    for protocol in protocols:
        results = _mqtt_session(url, hub, password, protocol, ctx)
        refused_v5 = (results[0].status == D.FAIL and "closed" in results[0].detail)
        if not (refused_v5 and protocol == 5 and len(protocols) > 1):
            return results
    return results


def _mqtt_session(url, hub, password, protocol, ctx) -> list[Result]:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from ..reporting.protocol import topic

    device = _device_id(ctx.paths)
    # Its own client id: reusing the device's would push the running reporter off the broker.
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol,
                         client_id=f"{device or 'sidik'}-doctor-{secrets.token_hex(3)}",
                         reconnect_on_failure=False)
    client.connect_timeout = ctx.step_timeout_s
    user = hub["username"] or url.username
    if user:
        client.username_pw_set(user, password or url.password)
    if url.tls:
        client.tls_set(ca_certs=hub["ca"], certfile=hub["cert"], keyfile=hub["key"],
                       cert_reqs=ssl.CERT_REQUIRED)
    got: dict[str, Any] = {}
    client.on_connect = lambda c, u, flags, rc, props: got.setdefault("connack", rc)
    client.on_subscribe = lambda c, u, mid, rcs, props: got.setdefault("suback", rcs)
    client.on_disconnect = lambda c, u, flags, rc, props: got.setdefault("closed", rc)
    try:
        client.connect(url.host, url.port, keepalive=30)
    except (OSError, ssl.SSLError) as exc:
        return [fail("broker auth", f"connection failed: {exc}", D.auth_fix(None, device)),
                skip("broker round trip", "not connected")]
    try:
        _pump(client, got, "connack", ctx.step_timeout_s)
        rc = got.get("connack")
        if rc is None:
            closed = "closed" in got
            why = "closed the connection" if closed else "did not answer"
            return [fail("broker auth", f"the broker {why} before accepting us "
                                        f"(MQTT {'5' if protocol == 5 else '3.1.1'})",
                         D.auth_fix(None, device) if closed else D.SILENT_BROKER_FIX),
                    skip("broker round trip", "not connected")]
        if rc.is_failure:
            return [fail("broker auth", f"the broker refused: {rc}",
                         D.auth_fix(rc.value, device, user)),
                    skip("broker round trip", "not connected")]
        who = f"as {user}" if user else ("by certificate" if hub["cert"] else "anonymously")
        auth = ok("broker auth", f"accepted {who} (MQTT {'5' if protocol == 5 else '3.1.1'})")
        if device is None:
            return [auth, skip("broker round trip", "no device identity to name its topics")]
        name = topic(hub["village"], device, "cmd")
        start = time.monotonic()
        client.subscribe(name, qos=1)
        _pump(client, got, "suback", ctx.step_timeout_s)
        rtt = time.monotonic() - start
        return [auth, D.round_trip_verdict(name, got.get("suback"), rtt, device)]
    finally:
        client.disconnect()
        client.loop(timeout=0.05)  # sends the DISCONNECT and closes the socket


def _pump(client, got: dict, key: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while key not in got and "closed" not in got and time.monotonic() < deadline:
        if client.loop(timeout=0.05) != 0:
            got.setdefault("closed", None)


# ---- the kiosk's own state ----------------------------------------------------------------------
def clock(ctx: Context) -> Result:
    return D.clock_verdict(ctx.clock.synchronised(), ctx.clock.wall_ns() / 1e9)


def disk(ctx: Context) -> Result:
    where = Path(ctx.paths.data_dir)
    while not where.exists() and where != where.parent:
        where = where.parent
    usage = ctx.disk_usage(where)
    hub = ctx.conf.section("hub")
    return D.disk_verdict(str(where), usage.free, usage.total, hub["disk_warn_mb"] << 20,
                          hub["disk_critical_mb"] << 20)


def open_readonly(path: Path, timeout: float = 5.0):
    """The kiosk's database, read-only: the daily doctor runs with the data folder
    read-only (systemd ReadOnlyPaths), and looking must never change what it looks at."""
    from ..storage.db import Database, translate

    class ReadOnlyDatabase(Database):
        def __init__(self):  # no mkdir, no WAL switch, no migrations: nothing written
            self.path = Path(path)
            uri = self.path.resolve().as_uri() + "?mode=ro"
            try:
                self.conn = _connect(uri, timeout)
            except sqlite3.OperationalError as exc:
                if Path(f"{path}-wal").exists():
                    raise translate(exc, path) from None
                # A read-only folder and no WAL beside the file (the kiosk is not running):
                # SQLite cannot make its shared-memory file, and need not, all is in the file.
                try:
                    self.conn = _connect(uri + "&immutable=1", timeout)
                except sqlite3.Error as exc2:
                    raise translate(exc2, path) from None
            except sqlite3.Error as exc:
                raise translate(exc, path) from None

    return ReadOnlyDatabase()


def _connect(uri: str, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens for real
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def open_outbox(path: Path, timeout: float = 5.0):
    """The reporter's view of the outbox (queue figures) on a read-only connection."""
    from ..reporting.outbox import Outbox

    class ReadOnlyOutbox(Outbox):
        def __init__(self):
            self.db = open_readonly(path, timeout)

    return ReadOnlyOutbox()


def _no_database(name: str, ctx: Context) -> Result | None:
    if ctx.paths.db.exists():
        return None
    return fail(name, f"no kiosk database in {ctx.paths.data_dir}",
                "point --data-dir or [device] data_dir at the kiosk's data, or provision "
                "this kiosk")


def queue(ctx: Context) -> list[Result]:
    from ..storage.db import StorageError

    missing = _no_database("queue", ctx)
    if missing:
        return [missing]
    try:
        outbox = open_outbox(ctx.paths.db, ctx.step_timeout_s)
        try:
            stats = outbox.stats(now_ms=ctx.clock.wall_ns() // 1_000_000)
        finally:
            outbox.close()
    except StorageError as exc:
        return [fail("queue", str(exc), exc.hint or "run: kiosk audit verify")]
    return D.queue_verdict(stats.pending, stats.oldest_pending_age_s,
                           bool(ctx.conf.get("hub", "broker")))


def audit(ctx: Context) -> Result:
    from ..security.chain import verify_chain
    from ..security.keys import KeyFileError, read_public_key
    from ..storage.db import StorageError

    missing = _no_database("audit chain", ctx)
    if missing:
        return missing
    device = _device_id(ctx.paths)
    try:
        public = read_public_key(ctx.paths.device_pub)
    except KeyFileError as exc:
        return fail("audit chain", str(exc), "restore the device's key folder from its backup")
    try:
        with open_readonly(ctx.paths.db, ctx.step_timeout_s) as db:
            problems = db.integrity_problems()
            total = db.query("SELECT count(*) FROM events")[0][0]
            deadline = time.monotonic() + ctx.chain_budget_s
            walked = {"complete": True}

            def rows():
                for row in db.conn.execute(
                        "SELECT seq, event_id, body, signature, hash FROM events ORDER BY seq"):
                    if time.monotonic() > deadline:
                        walked["complete"] = False
                        return
                    yield row

            report = verify_chain(rows(), public, device)
    except StorageError as exc:
        return fail("audit chain", str(exc), exc.hint or "send the support bundle to the hub")
    return D.chain_verdict(report, total, problems, walked["complete"])


def health(ctx: Context) -> Result:
    from ..storage.health import HealthBoard

    if not ctx.paths.db.exists():
        return skip("kiosk reports", "no database")
    with open_readonly(ctx.paths.db, ctx.step_timeout_s) as db:
        board = HealthBoard(db)
        reports = {c: board.read(c) for c in ("sensor", "camera", "matcher")}
    return D.health_verdict(reports)


CHECKS = (
    Check("sensor", sensor, 20.0, "the sensor link hangs: unplug and replug the sensor, "
                                  "then run kiosk doctor again"),
    Check("camera", camera, 10.0, "the camera hangs: check its cable and restart the kiosk"),
    Check("models", models, 30.0, "the SD card is very slow or failing: replace it"),
    Check("broker", broker, 20.0, "the network hangs: check the link to the hub"),
    Check("clock", clock, 3.0, "the system is overloaded: reboot the kiosk"),
    Check("disk", disk, 5.0, "the SD card does not answer: reboot, replace it if it stays"),
    Check("queue", queue, 10.0, "the database is locked: restart the kiosk and reporter"),
    Check("audit", audit, 25.0, "the database is locked or slow: run kiosk audit verify"),
    Check("health", health, 5.0, "the database is locked: restart the kiosk"),
)
