"""The kiosk's MQTT reporter: one thread that keeps the link, drains the outbox, reports
presence and health, and answers the hub's commands and roster transfers.

Delivery is at-least-once from here and exactly-once in the hub's books: an event
stays pending until the hub's signed acknowledgement names it (a broker PUBACK only
says the broker has it). Every (re)connection starts a fresh MQTT session and sends
again from the oldest unacknowledged event; the hub deduplicates by event id.
"""

from __future__ import annotations

import logging
import os
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..security.crypto import Ed25519PublicKey
from ..security.keys import DeviceIdentity
from .commands import Command, make_reply, parse_command
from .flow import Backoff, Window
from .outbox import Outbox, disk_alarm
from .protocol import (
    ProtocolError,
    encode_event,
    parse_broker_url,
    read_ack,
    status_message,
    topic,
)

log = logging.getLogger("kiosk.reporting")

MAX_ROSTER_MESSAGE = 4 * 1024 * 1024  # one roster chunk (2,000 records) is ~0.5 MB


@dataclass
class ReporterConfig:
    broker: str
    village: str
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    username: str | None = None
    password: str | None = None
    protocol: str = "auto"  # "auto" (MQTT 5, else 3.1.1), "5", "3.1.1"
    window: int = 100
    ack_timeout_s: float = 10.0
    heartbeat_s: float = 60.0
    keepalive_s: int = 30
    connect_timeout_s: float = 10.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    poll_s: float = 0.2
    max_event_bytes: int = 256 * 1024
    disk_warn_mb: int = 500
    disk_critical_mb: int = 100
    model_version: str | None = None

    def override(self, values: dict) -> None:
        names = {f.name for f in fields(self)}
        for k, v in values.items():
            if k in names:
                setattr(self, k, v)


@dataclass
class Counters:
    sent: int = 0
    resent: int = 0
    acked: int = 0
    go_backs: int = 0
    connects: int = 0
    connect_failures: int = 0
    refused: dict = field(default_factory=dict)

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1


class Reporter:
    def __init__(self, config: ReporterConfig, outbox: Outbox, identity: DeviceIdentity,
                 hub_key: Ed25519PublicKey | None, *, store=None,
                 health: dict[str, Callable[[], object]] | None = None,
                 store_factory: Callable[[], object] | None = None, rng=None):
        self.config = config
        config.override(outbox.state("config", {}))  # settings the hub changed earlier
        self.outbox = outbox
        self.identity = identity
        self.device = identity.device_id
        self.hub_key = hub_key
        self.store = store
        # Opens a second store connection: a whole roster is then applied in a thread while
        # the link stays alive (one 250,000-person transaction can outlast the keepalive).
        self.store_factory = store_factory
        self._replies: queue.Queue = queue.Queue()
        self._applying: set[str] = set()
        self.health = dict(health or {})
        self.url = parse_broker_url(config.broker)
        self.window = Window(config.window, config.ack_timeout_s)
        self.backoff = Backoff(config.backoff_base_s, config.backoff_cap_s,
                               **({"rng": rng} if rng else {}))
        self.counters = Counters()
        self.guard = outbox.load_guard()
        self.client: mqtt.Client | None = None
        self.connected = False
        self.protocol = mqtt.MQTTv311 if config.protocol == "3.1.1" else mqtt.MQTTv5
        self._v5_failures = 0
        self._connect_started = 0.0
        self._next_attempt = 0.0
        self._next_poll = 0.0
        self._next_heartbeat = 0.0
        self._started = time.monotonic()
        self._refusal_budget = 10.0  # token bucket: refusal replies must not amplify floods
        self._refusal_at = time.monotonic()
        self._assembler = None
        self._ever_sent: set[int] = set()  # recent seqs sent, bounded: only to count resends
        self.topics = {k: topic(config.village, self.device, k)
                       for k in ("events", "ack", "status", "cmd", "cmd-reply", "roster")}

    # ---- connection ------------------------------------------------------------------------
    def _new_client(self) -> mqtt.Client:
        v5 = self.protocol == mqtt.MQTTv5
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.device,
                        protocol=self.protocol, reconnect_on_failure=False,
                        **({} if v5 else {"clean_session": True}))
        c.max_inflight_messages_set(max(1, self.window.size))
        c.max_queued_messages_set(0)
        user = self.config.username or self.url.username
        if user:
            c.username_pw_set(user, self.config.password or self.url.password)
        if self.url.tls:
            c.tls_set(ca_certs=self.config.ca, certfile=self.config.cert,
                      keyfile=self.config.key, cert_reqs=ssl.CERT_REQUIRED)
        c.will_set(self.topics["status"], status_message("offline", self.device,
                                                         reason="lost"), qos=1, retain=True)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        return c

    def _connect(self, now: float) -> None:
        self._drop_client()
        self.client = self._new_client()
        self._connect_started = now
        try:
            props = None
            if self.protocol == mqtt.MQTTv5:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = 0
                # The broker must not even send us anything bigger (MQTT 5 drops it there).
                props.MaximumPacketSize = MAX_ROSTER_MESSAGE + 4096
            extra = {"clean_start": True, "properties": props} if props else {}
            self.client.connect(self.url.host, self.url.port, keepalive=self.config.keepalive_s,
                                **extra)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self._failed(now, f"cannot connect to {self.url.host}:{self.url.port}: {exc}")

    def _failed(self, now: float, why: str, before_connack: bool = False) -> None:
        self.counters.connect_failures += 1
        self._drop_client()
        if before_connack and self.config.protocol == "auto":
            # The broker took the socket but not our CONNECT: maybe it is too old for MQTT 5.
            self._v5_failures += 1
        delay = self.backoff.next_delay()
        self._next_attempt = now + delay
        log.info("%s; next try in %.1f s", why, delay)

    def _drop_client(self) -> None:
        # Detached first: disconnect() calls back into _on_disconnect, which must see it gone.
        client, self.client = self.client, None
        self.connected = False
        if client is None:
            return
        try:
            client.disconnect()
        except Exception:  # the socket may already be gone; the client is discarded anyway
            pass
        sock = client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if client is not self.client:
            return
        if reason_code.is_failure:
            if self.config.protocol == "auto" and reason_code.value in (1, 132):
                log.warning("broker does not speak MQTT 5; falling back to 3.1.1")
                self.protocol = mqtt.MQTTv311
            self._failed(time.monotonic(), f"broker refused the connection: {reason_code}")
            return
        self.connected = True
        self._v5_failures = 0
        self.backoff.reset()
        self.counters.connects += 1
        self.window.go_back()  # a fresh session: send again from the oldest pending
        self._next_poll = 0.0
        client.subscribe([(self.topics["ack"], 1), (self.topics["cmd"], 1),
                          (self.topics["roster"], 1)])
        self._publish_status("online")
        log.info("connected to %s:%d (MQTT %s)", self.url.host, self.url.port,
                 "5" if self.protocol == mqtt.MQTTv5 else "3.1.1")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if client is not self.client:
            return
        self._failed(time.monotonic(), f"link lost ({reason_code})",
                     before_connack=not self.connected)

    # ---- the loop -------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.step()
                except Exception:  # e.g. the database busy or the disk full: retry, never die
                    log.exception("reporter step failed; retrying in a second")
                    self._drop_client()
                    self._next_attempt = time.monotonic() + 1.0
                    stop.wait(1.0)
        finally:
            if self.client is not None and self.connected:
                self._publish_status("offline", reason="stopped")
                self.client.loop(timeout=0.1)
            self._drop_client()

    def step(self) -> None:
        now = time.monotonic()
        if self.client is None:
            if now < self._next_attempt:
                time.sleep(min(0.1, self._next_attempt - now))
                return
            if self.config.protocol == "auto" and self._v5_failures >= 2:
                # Old brokers close the socket on an MQTT 5 CONNECT instead of answering.
                self.protocol = (mqtt.MQTTv311 if self.protocol == mqtt.MQTTv5
                                 else mqtt.MQTTv5)
                self._v5_failures = 0
            self._connect(now)
            return
        if not self.connected and now - self._connect_started > self.config.connect_timeout_s:
            self._failed(now, "no answer to CONNECT", before_connack=True)
            return
        rc = self.client.loop(timeout=min(self.config.poll_s, 0.1))
        if self.client is None:
            return
        if rc != mqtt.MQTT_ERR_SUCCESS and not self.connected:
            self._failed(now, f"link error {rc}")
            return
        if self.connected:
            while not self._replies.empty():
                self._reply(*self._replies.get_nowait())
            self._pump(time.monotonic())
            if now >= self._next_heartbeat:
                self._next_heartbeat = now + self.config.heartbeat_s
                self._publish_status("online")

    def _pump(self, now: float) -> None:
        w = self.window
        w.size, w.ack_timeout = self.config.window, self.config.ack_timeout_s
        if w.expired(now):
            oldest = w.oldest()
            log.info("event seq %d not acknowledged in %.0f s; sending again from there",
                     oldest[0], w.ack_timeout)
            self.counters.go_backs += 1
            w.go_back()
        if w.free <= 0 or now < self._next_poll:
            return
        rows = self.outbox.pending(w.next_seq, w.free)
        if not rows:
            self._next_poll = now + self.config.poll_s
            return
        for seq, _event_id, body, sig in rows:
            payload = encode_event(body, sig)
            if len(payload) > self.config.max_event_bytes:
                # Cannot happen with events the store makes; stop rather than skip one.
                log.error("event seq %d is %d bytes, over the limit; the queue waits",
                          seq, len(payload))
                self._next_poll = now + 60
                return
            info = self.client.publish(self.topics["events"], payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                self._next_poll = now + self.config.poll_s
                return
            if seq in self._ever_sent:
                self.counters.resent += 1
            self._ever_sent_add(seq)
            self.counters.sent += 1
            w.sent(seq, now)

    def _ever_sent_add(self, seq: int) -> None:
        self._ever_sent.add(seq)
        if len(self._ever_sent) > 4 * self.window.size:
            floor = seq - 2 * self.window.size
            self._ever_sent = {s for s in self._ever_sent if s > floor}

    # ---- presence and health ----------------------------------------------------------------
    def heartbeat(self) -> dict:
        stats = self.outbox.stats()
        alarm = disk_alarm(stats, self.config.disk_warn_mb << 20,
                           self.config.disk_critical_mb << 20)
        if alarm:
            log.warning("disk %s: %d MB free for the outbox", alarm, stats.disk_free_bytes >> 20)
        health = {}
        for name, probe in self.health.items():
            try:
                health[name] = probe()
            except Exception as exc:  # a broken probe must not take reporting down
                health[name] = {"ok": False, "error": str(exc)[:200]}
        clock = {"wall_ms": time.time_ns() // 1_000_000,
                 "synced": os.path.exists("/run/systemd/timesync/synchronized")}
        if self.store is not None:
            clock["synced"] = self.store.clock.synchronised()
        return {
            "queue": {"pending": stats.pending, "oldest_age_s": stats.oldest_pending_age_s,
                      "last_seq": stats.last_seq, "acked_upto": stats.acked_upto,
                      "in_flight": len(self.window)},
            "disk": {"free_mb": stats.disk_free_bytes >> 20, "db_mb": stats.db_bytes >> 20,
                     "alarm": alarm},
            "clock": clock, "health": health,
            "model": self.config.model_version or (health.get("matcher") or {}).get("version"),
            "uptime_s": round(time.monotonic() - self._started),
            "counters": {"sent": self.counters.sent, "resent": self.counters.resent,
                         "acked": self.counters.acked, "go_backs": self.counters.go_backs,
                         "connects": self.counters.connects, "refused": self.counters.refused},
        }

    def _publish_status(self, state: str, **extra) -> None:
        fields_ = self.heartbeat() if state == "online" else {}
        payload = status_message(state, self.device, **fields_, **extra)
        self.client.publish(self.topics["status"], payload, qos=1, retain=True)

    # ---- incoming ---------------------------------------------------------------------------
    def _on_message(self, client, userdata, msg) -> None:
        try:
            if msg.topic == self.topics["ack"]:
                self._handle_ack(msg.payload)
            elif msg.topic == self.topics["cmd"]:
                self._handle_command(msg.payload)
            elif msg.topic == self.topics["roster"]:
                self._handle_roster(msg.payload)
        except ProtocolError as exc:
            self.counters.refuse(exc.reason)
            log.warning("refused a message on %s: %s (%s)", msg.topic, exc, exc.reason)
        except Exception:  # whatever arrives, the reporter keeps running
            self.counters.refuse("internal")
            log.exception("could not handle a message on %s", msg.topic)

    def _handle_ack(self, payload: bytes) -> None:
        events, nxt = read_ack(payload, self.hub_key, self.device)
        done = self.outbox.mark_acked(events)
        self.counters.acked += len(done)
        self.window.acked(s for s, _ in events)
        sent = self.window.sent_at(nxt)
        # The hub is missing ``nxt`` though we sent it a while ago: it was lost (a broker
        # restart drops what it had not delivered); go back now rather than at the timeout.
        if sent is not None and time.monotonic() - sent > min(1.0, self.window.ack_timeout / 2):
            self.counters.go_backs += 1
            self.window.go_back(nxt)
        if done:
            self._next_poll = 0.0

    def _reply(self, cmd_id: str | None, status: str, reason: str | None = None,
               detail: dict | None = None) -> bytes:
        payload = make_reply(self.identity.private_key, device=self.device, cmd_id=cmd_id,
                             status=status, reason=reason, detail=detail,
                             time_ms=time.time_ns() // 1_000_000)
        if self.client is not None:
            self.client.publish(self.topics["cmd-reply"], payload, qos=1)
        return payload

    def _refusal_allowed(self) -> bool:
        now = time.monotonic()
        self._refusal_budget = min(10.0, self._refusal_budget + (now - self._refusal_at) / 6)
        self._refusal_at = now
        if self._refusal_budget >= 1:
            self._refusal_budget -= 1
            return True
        return False

    def _handle_command(self, payload: bytes) -> None:
        now_ms = time.time_ns() // 1_000_000
        try:
            cmd = parse_command(payload, self.hub_key, self.device)
        except ProtocolError as exc:
            self.counters.refuse(exc.reason)
            log.warning("refused a command: %s (%s)", exc, exc.reason)
            if self._refusal_allowed():
                self._reply(None, "refused", exc.reason, {"message": str(exc)[:200]})
            return
        try:
            self.guard.check(cmd, now_ms)
        except ProtocolError as exc:
            earlier = self.outbox.state("replies", {}).get(cmd.id)
            if exc.reason == "replayed" and earlier and earlier[0] == cmd.nonce:
                # The hub resends until it hears back: answer again, do not run it again.
                if self.client is not None:
                    self.client.publish(self.topics["cmd-reply"], earlier[1].encode(), qos=1)
                return
            self.counters.refuse(exc.reason)
            log.warning("refused command %s: %s (%s)", cmd.id, exc, exc.reason)
            if self._refusal_allowed():
                self._reply(cmd.id, "refused", exc.reason)
            return
        self.guard.accept(cmd, now_ms)
        self.outbox.save_guard(self.guard)
        try:
            detail = self._execute(cmd)
            status, reason = "ok", None
        except Exception as exc:
            log.exception("command %s (%s) failed", cmd.id, cmd.type)
            status, reason, detail = "error", type(exc).__name__, {"message": str(exc)[:200]}
        payload = self._reply(cmd.id, status, reason, detail)
        replies = self.outbox.state("replies", {})
        replies[cmd.id] = [cmd.nonce, payload.decode()]
        self.outbox.set_state("replies", dict(list(replies.items())[-100:]))
        log.info("command %s (%s): %s", cmd.id, cmd.type, status)

    def _execute(self, cmd: Command) -> dict:
        if cmd.type == "ping":
            return {"pong": True}
        if cmd.type == "config.set":
            values = dict(cmd.args["values"])
            self.config.override(values)
            self.outbox.set_state("config", {**self.outbox.state("config", {}), **values})
            return {"applied": values}
        if cmd.type == "revoke":
            a = cmd.args
            self.outbox.revoke(a["kind"], a["id"], a.get("reason"), cmd.id)
            if self.store is not None:  # into the chain, so the hub's books show it too
                self.store.record("revocation", revoked_kind=a["kind"], revoked_id=a["id"],
                                  reason=a.get("reason"), cmd_id=cmd.id)
            return {"revoked": [a["kind"], a["id"]]}
        if cmd.type == "roster.status":
            if self.store is None:
                return {"roster_version": None}
            staged = self.store.db.query("SELECT digest FROM roster_staging_manifest")
            asm = self._roster()
            return {"roster_version": self.store.roster_version(),
                    "staged": {d: len(asm.missing(d)) for (d,) in staged}}
        raise ProtocolError("schema", f"unknown command type {cmd.type}")

    def _roster(self):
        if self._assembler is None:
            from ..roster.updates import RosterAssembler

            self._assembler = RosterAssembler(self.store, self.hub_key)
        return self._assembler

    def _handle_roster(self, payload: bytes) -> None:
        """Manifest (signed by the hub) and chunks (vouched for by the manifest's hashes)
        are staged in the database; the update is applied in one transaction once whole."""
        import json

        from ..roster.updates import RosterRejected

        if len(payload) > MAX_ROSTER_MESSAGE:
            raise ProtocolError("oversized", f"roster message of {len(payload)} bytes")
        if self.store is None:
            raise ProtocolError("no_store", "this reporter has no roster store")
        try:
            msg = json.loads(payload)
            kind = msg["type"]
        except (ValueError, KeyError, TypeError):
            raise ProtocolError("malformed", "roster message is not JSON with a type") from None
        asm = self._roster()
        digest = None
        try:
            if kind == "manifest":
                digest = asm.offer_manifest(msg["envelope"].encode()).digest
            elif kind == "chunk":
                digest = str(msg["digest"])
                asm.offer_chunk(digest, int(msg["index"]), msg["data"].encode())
            else:
                raise ProtocolError("malformed", f"unknown roster message type {kind!r}")
            if asm.missing(digest):
                return
            if self.store_factory is not None:
                if digest not in self._applying:
                    self._applying.add(digest)
                    threading.Thread(target=self._apply_roster, args=(digest,), daemon=True,
                                     name="roster-apply").start()
                return
            version = asm.apply(digest)
        except RosterRejected as exc:
            self.counters.refuse(f"roster_{exc.reason}")
            log.warning("roster message refused: %s (%s)", exc, exc.reason)
            if digest and exc.reason in ("stale", "out_of_sequence", "bad_signature",
                                         "chunk_mismatch"):
                self._reply(f"roster:{digest}", "refused", exc.reason)
                if exc.reason in ("stale", "out_of_sequence"):
                    asm.discard(digest)
            return
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ProtocolError("malformed", "roster message lacks its fields") from None
        self._reply(f"roster:{digest}", "ok", None, {"roster_version": version})

    def _apply_roster(self, digest: str) -> None:
        from ..roster.updates import RosterAssembler, RosterRejected

        cmd_id = f"roster:{digest}"
        store = None
        try:
            store = self.store_factory()
            asm = RosterAssembler(store, self.hub_key)
            version = asm.apply(digest)
            self._replies.put((cmd_id, "ok", None, {"roster_version": version}))
        except RosterRejected as exc:
            log.warning("roster update %s refused: %s (%s)", digest[:12], exc, exc.reason)
            if exc.reason in ("stale", "out_of_sequence"):
                asm.discard(digest)
            self._replies.put((cmd_id, "refused", exc.reason, None))
        except Exception as exc:  # reported to the hub; the roster in force stays
            log.exception("roster update %s failed", digest[:12])
            self._replies.put((cmd_id, "error", type(exc).__name__, {"message": str(exc)[:200]}))
        finally:
            if store is not None:
                store.close()
            self._applying.discard(digest)
