"""The hub service: books kiosk events, acknowledges them (signed), sends commands and rosters.

Two threads: paho's network loop (reconnects by itself) feeds a queue; a worker
takes messages in batches, books them in one transaction, and only after the
commit publishes one signed acknowledgement per device. A crash between commit
and ack costs a resend, which the books absorb as a duplicate.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import ssl
import threading
import time
from collections import defaultdict

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.reporting.commands import make_command, read_reply
from kiosk.reporting.protocol import (
    ProtocolError,
    decode_event,
    make_ack,
    parse_broker_url,
    parse_topic,
    subscription,
    topic,
)
from kiosk.security.crypto import (
    Ed25519PrivateKey,
    canonical_json,
    sha256_hex,
    verify_signature,
)
from kiosk.security.events import SIGNING_PREFIX

from .store import HubStore, now_iso

log = logging.getLogger("hw_sim.hub")

MAX_EVENT_BYTES = 256 * 1024
MAX_OTHER_BYTES = 64 * 1024


class HubService:
    def __init__(self, store: HubStore, key: Ed25519PrivateKey, broker: str, *,
                 ca: str | None = None, cert: str | None = None, keyfile: str | None = None,
                 client_id: str = "hub", village: str = "+", batch: int = 1000):
        self.store = store
        self.key = key
        self.url = parse_broker_url(broker)
        self.batch = batch
        self.village = village
        self.inbox: queue.Queue = queue.Queue()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.booked = 0
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{client_id}-"
                        f"{secrets.token_hex(3)}", protocol=mqtt.MQTTv5)
        if self.url.username:
            c.username_pw_set(self.url.username, self.url.password)
        if self.url.tls:
            c.tls_set(ca_certs=ca, certfile=cert, keyfile=keyfile, cert_reqs=ssl.CERT_REQUIRED)
        c.reconnect_delay_set(0.2, 5)
        c.max_inflight_messages_set(1000)
        c.on_connect = self._on_connect
        c.on_disconnect = lambda *a: self.connected.clear()
        c.on_message = lambda _c, _u, msg: self.inbox.put((msg.topic, msg.payload))
        self.client = c

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self, wait: float = 10.0) -> HubService:
        self.client.connect_async(self.url.host, self.url.port, keepalive=30)
        self.client.loop_start()
        self._worker = threading.Thread(target=self._work, name="hub-worker", daemon=True)
        self._worker.start()
        if wait and not self.connected.wait(wait):
            log.warning("hub not connected to the broker after %.0f s; still trying", wait)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._worker:
            self._worker.join(5)
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> HubService:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the hub: %s", reason_code)
            return
        v = self.village
        client.subscribe([(subscription(k, v), 1) for k in ("events", "cmd-reply", "status")])
        self.connected.set()

    # ---- the worker --------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                first = self.inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            msgs = [first]
            while len(msgs) < self.batch:
                try:
                    msgs.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            try:
                self.process(msgs)
            except Exception:  # a bug on one batch must not stop the hub; kiosks resend
                log.exception("hub could not process a batch of %d messages", len(msgs))

    def process(self, msgs: list[tuple[str, bytes]]) -> None:
        acks: dict[str, list[tuple[int, str]]] = defaultdict(list)
        nexts: dict[str, int] = {}
        came_online: list[str] = []
        with self.store.write() as conn:
            state: dict[str, list] = {}  # device -> [device, last_seq, last_hash]
            for name, payload in msgs:
                try:
                    village, dev_id, kind = parse_topic(name)
                    if kind == "events":
                        self._book(conn, state, village, dev_id, payload, acks, nexts)
                    elif kind == "cmd-reply":
                        self._reply(conn, dev_id, payload)
                    elif kind == "status" and self._presence(conn, dev_id, payload):
                        came_online.append(dev_id)
                except ProtocolError as exc:
                    log.warning("refused message on %s: %s (%s)", name[:120], exc, exc.reason)
                    self.store.reject(conn, None, name[:200], exc.reason, str(exc))
            for dev_id, (_dev, last_seq, last_hash, dups, held) in state.items():
                conn.execute("UPDATE devices SET last_seq = ?, last_hash = ?, duplicates = "
                             "duplicates + ?, held_back = held_back + ? WHERE device_id = ?",
                             (last_seq, last_hash, dups, held, dev_id))
        # Acknowledge only what is committed.
        for dev_id, nxt in nexts.items():
            village = state[dev_id][0].village
            self.client.publish(topic(village, dev_id, "ack"),
                                make_ack(self.key, dev_id, acks.get(dev_id, []), nxt), qos=1)
        for dev_id in came_online:
            self.resend_commands(dev_id)

    def _book(self, conn, state, village, dev_id, payload, acks, nexts) -> None:
        if dev_id not in state:
            dev = self.store.device(dev_id)
            if dev is None:
                raise ProtocolError("unknown_device", f"events from unregistered {dev_id}")
            state[dev_id] = [dev, dev.last_seq, dev.last_hash, 0, 0]
        st = state[dev_id]
        dev = st[0]
        if village != dev.village:
            raise ProtocolError("wrong_village", f"{dev_id} is registered in {dev.village}")
        body, sig = decode_event(payload, MAX_EVENT_BYTES)
        try:
            fields = json.loads(body)
            seq, event_id = fields["seq"], fields["event_id"]
            if fields["device_id"] != dev_id or not isinstance(seq, int):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise ProtocolError("malformed", "event body does not name this device") from None
        if not verify_signature(dev.public_key, sig, SIGNING_PREFIX + body):
            raise ProtocolError("bad_signature", f"event seq {seq} of {dev_id} is not signed "
                                "by its key")
        digest = sha256_hex(body)
        nexts[dev_id] = st[1] + 1
        if seq <= st[1]:
            row = conn.execute("SELECT hash, event_id FROM events WHERE device_id = ? AND "
                               "seq = ?", (dev_id, seq)).fetchone()
            if row and row[0] == digest:
                st[3] += 1  # already booked (a resend): acknowledge again, book nothing
                acks[dev_id].append((seq, event_id))
                return
            raise ProtocolError("conflict", f"{dev_id} seq {seq} differs from the booked event")
        if seq > st[1] + 1:
            st[4] += 1  # its predecessor is missing: not booked, not acknowledged
            return
        if conn.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone():
            # Same id, other seq: a device bug or a replay across devices; never book it twice.
            raise ProtocolError("conflict", f"event id {event_id} is already booked elsewhere")
        if fields.get("prev_hash") != st[2]:
            raise ProtocolError("broken_link", f"{dev_id} seq {seq} does not link to seq "
                                f"{seq - 1}")
        conn.execute("INSERT INTO events (device_id, seq, event_id, body, signature, hash, "
                     "received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (dev_id, seq, event_id, body, sig, digest, now_iso()))
        st[1], st[2] = seq, digest
        nexts[dev_id] = seq + 1
        acks[dev_id].append((seq, event_id))
        self.booked += 1

    def _reply(self, conn, dev_id: str, payload: bytes) -> None:
        dev = self.store.device(dev_id)
        if dev is None:
            raise ProtocolError("unknown_device", f"reply from unregistered {dev_id}")
        reply = read_reply(payload, dev.public_key, MAX_OTHER_BYTES)
        if reply.get("device") != dev_id:
            raise ProtocolError("wrong_device", "reply names another device")
        cmd_id = reply.get("cmd_id")
        if isinstance(cmd_id, str) and cmd_id.startswith("roster:"):
            conn.execute("INSERT OR REPLACE INTO commands (cmd_id, device_id, seq, type, payload, "
                         "expires_at, created_at, status, reason, detail, replied_at) VALUES "
                         "(?, ?, 0, 'roster', x'', 0, ?, ?, ?, ?, ?)",
                         (cmd_id, dev_id, now_iso(), reply.get("status"), reply.get("reason"),
                          json.dumps(reply.get("detail")), now_iso()))
            return
        conn.execute("UPDATE commands SET status = ?, reason = ?, detail = ?, replied_at = ? "
                     "WHERE cmd_id = ? AND device_id = ?",
                     (reply.get("status"), reply.get("reason"), json.dumps(reply.get("detail")),
                      now_iso(), cmd_id, dev_id))
        if cmd_id is None:
            log.info("%s refused a message: %s", dev_id, reply.get("reason"))

    def _presence(self, conn, dev_id: str, payload: bytes) -> bool:
        if len(payload) > MAX_OTHER_BYTES:
            raise ProtocolError("oversized", "status message too large")
        try:
            state = json.loads(payload)["state"]
        except (ValueError, KeyError, TypeError):
            raise ProtocolError("malformed", "status message is not JSON with a state") from None
        old = conn.execute("SELECT state FROM presence WHERE device_id = ?", (dev_id,)).fetchone()
        conn.execute("INSERT OR REPLACE INTO presence VALUES (?, ?, ?, ?)",
                     (dev_id, str(state)[:20], payload.decode("utf-8", "replace"), now_iso()))
        return state == "online" and (old is None or old[0] != "online")

    # ---- commands and rosters ----------------------------------------------------------------
    def send_command(self, device_id: str, type: str, args: dict | None = None,
                     lifetime_ms: int = 3600_000) -> str:
        """Sign, book and publish a command; resent until the device answers or it expires."""
        dev = self.store.device(device_id)
        if dev is None:
            raise ValueError(f"{device_id} is not registered")
        now_ms = time.time_ns() // 1_000_000
        with self.store.write() as conn:
            seq = conn.execute("UPDATE devices SET cmd_seq = cmd_seq + 1 WHERE device_id = ? "
                               "RETURNING cmd_seq", (device_id,)).fetchone()[0]
            cmd_id = f"{device_id}:{seq}"
            payload = make_command(self.key, device=device_id, seq=seq, type=type,
                                   args=args or {}, nonce=secrets.token_hex(16),
                                   issued_at=now_ms, lifetime_ms=lifetime_ms, cmd_id=cmd_id)
            conn.execute("INSERT INTO commands (cmd_id, device_id, seq, type, payload, "
                         "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (cmd_id, device_id, seq, type, payload, now_ms + lifetime_ms,
                          now_iso()))
        self.client.publish(topic(dev.village, device_id, "cmd"), payload, qos=1)
        return cmd_id

    def resend_commands(self, device_id: str) -> int:
        dev = self.store.device(device_id)
        now_ms = time.time_ns() // 1_000_000
        rows = self.store.conn.execute(
            "SELECT payload FROM commands WHERE device_id = ? AND status IS NULL AND "
            "expires_at > ? AND type != 'roster' ORDER BY seq", (device_id, now_ms)).fetchall()
        for (payload,) in rows:
            self.client.publish(topic(dev.village, device_id, "cmd"), bytes(payload), qos=1)
        return len(rows)

    def command(self, cmd_id: str) -> dict | None:
        row = self.store.conn.execute("SELECT status, reason, detail FROM commands WHERE "
                                      "cmd_id = ?", (cmd_id,)).fetchone()
        if not row:
            return None
        return {"status": row[0], "reason": row[1],
                "detail": json.loads(row[2]) if row[2] else None}

    def publish_roster(self, device_id: str, envelope: bytes, chunks: list[bytes]) -> str:
        """Manifest, then chunks (any order works: the kiosk stages them until whole)."""
        dev = self.store.device(device_id)
        if dev is None:
            raise ValueError(f"{device_id} is not registered")
        name = topic(dev.village, device_id, "roster")
        self.client.publish(name, canonical_json({"type": "manifest",
                                                  "envelope": envelope.decode()}), qos=1)
        digest = sha256_hex(canonical_json(json.loads(envelope)["manifest"]))
        for i, data in enumerate(chunks):
            self.client.publish(name, canonical_json({"type": "chunk", "digest": digest,
                                                      "index": i, "data": data.decode()}), qos=1)
        return f"roster:{digest}"

    def wait_booked(self, device_id: str, seq: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dev = self.store.device(device_id)
            if dev and dev.last_seq >= seq:
                return True
            time.sleep(0.05)
        return False
