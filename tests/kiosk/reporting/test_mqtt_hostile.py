"""Hostile and odd traffic: mutual TLS and per-device ACLs, forged and garbage messages,
replayed commands, a 50 MB message; signed commands and a roster transfer over MQTT."""

from __future__ import annotations

import json
import ssl
import time

import paho.mqtt.client as mqtt
import pytest
from mqtt_fixtures import CA, KioskSide
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.reporting.commands import make_command
from kiosk.reporting.protocol import encode_event, make_ack, topic
from kiosk.roster.updates import build_update, recipient_record
from kiosk.security.crypto import Ed25519PrivateKey
from kiosk.security.events import genesis_hash, seal
from kiosk.security.keys import DeviceIdentity


def raw_client(port, *, tls=None, cid="raw"):
    """A bare paho client, connected, loop running; ``tls``: (ca, cert, key)."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
    results = {"connect": None, "puback": {}, "suback": {}}
    c.on_connect = lambda *a: results.__setitem__("connect", a[3])
    c.on_publish = lambda _c, _u, mid, rc, _p: results["puback"].__setitem__(mid, rc)
    c.on_subscribe = lambda _c, _u, mid, rcs, _p: results["suback"].__setitem__(mid, rcs)
    if tls:
        c.tls_set(ca_certs=tls[0], certfile=tls[1], keyfile=tls[2], cert_reqs=ssl.CERT_REQUIRED)
    c.results = results
    c.connect("127.0.0.1", port, keepalive=10)
    c.loop_start()
    return c


def registered(hub_store, village, kiosk):
    hub_store.register_device(village, kiosk.identity.public_key.public_bytes_raw())


def test_mutual_tls_and_per_device_acl(broker, pki, kiosk, tmp_path, hub_store, hub_key,
                                       village, make_hub, make_reporter, waiter):
    other = KioskSide(tmp_path / "other", hub_key)
    registered(hub_store, village, kiosk)
    registered(hub_store, village, other)
    hub_cert = pki.issue("hub")
    hub = make_hub(broker.tls_url, ca=str(pki.path), cert=hub_cert[0], keyfile=hub_cert[1])
    cert, key = pki.issue(kiosk.device)
    kiosk.make_events(5)
    make_reporter(kiosk, broker.tls_url, ca=str(pki.path), cert=cert, key=key)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    assert [r[0] for r in hub_store.event_rows(kiosk.device)] == [1, 2, 3, 4, 5]

    # The kiosk's certificate cannot write the other device's topics, nor read its commands.
    other.make_events(1)
    _seq, _eid, body, sig = other.outbox.pending()[0]
    spy = raw_client(broker.tls_port, tls=(str(pki.path), cert, key), cid="spy")
    assert waiter(lambda: spy.results["connect"] is not None, 5)
    info = spy.publish(topic(village, other.device, "events"), encode_event(body, sig), qos=1)
    assert waiter(lambda: info.mid in spy.results["puback"], 5)
    assert spy.results["puback"][info.mid].is_failure  # 135: not authorised
    # Mosquitto grants the subscription but never delivers what the ACL does not allow.
    seen = []
    spy.on_message = lambda _c, _u, msg: seen.append(msg.topic)
    _, mid = spy.subscribe(topic(village, other.device, "cmd"), qos=1)
    assert waiter(lambda: mid in spy.results["suback"], 5)
    hub.send_command(other.device, "ping")
    time.sleep(0.5)
    assert seen == []
    spy.loop_stop()
    spy.disconnect()
    time.sleep(0.3)
    assert hub_store.event_rows(other.device) == []

    # A certificate from another CA does not get in at all.
    rogue = CA(tmp_path / "rogue", "rogue-ca").issue(kiosk.device)
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="rogue", protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs=str(pki.path), certfile=rogue[0], keyfile=rogue[1])
    with pytest.raises((ssl.SSLError, OSError)):
        c.connect("127.0.0.1", broker.tls_port)
        for _ in range(20):  # TLS 1.3 may report the refusal on the first read
            if c.loop(0.1) != mqtt.MQTT_ERR_SUCCESS:
                raise OSError("refused")
    other.close()


def test_garbage_and_forgeries_are_refused_and_service_continues(
        broker, kiosk, hub_store, hub_key, village, make_hub, make_reporter, waiter):
    registered(hub_store, village, kiosk)
    hub = make_hub(broker.url)
    rep = make_reporter(kiosk, broker.url)
    kiosk.make_events(3)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    evil = raw_client(broker.port, cid="evil")
    assert waiter(lambda: evil.results["connect"] is not None, 5)
    events = topic(village, kiosk.device, "events")
    # To the hub: garbage, unsigned, signed by an impostor key, unknown device, bad topic.
    impostor = DeviceIdentity.from_private(Ed25519PrivateKey.generate())
    forged = seal({"type": "test_decision"}, identity=impostor, seq=4,
                  prev_hash=genesis_hash(kiosk.device), event_id="forged")
    forged_body = forged.body.replace(impostor.device_id.encode(), kiosk.device.encode())
    for payload in (b"\x00\xff garbage", b'{"body": "{}"}', encode_event(forged_body,
                                                                           forged.signature)):
        evil.publish(events, payload, qos=1)
    evil.publish(topic(village, "SDK-NOBODY", "events"), encode_event(forged.body,
                                                                      forged.signature), qos=1)
    # To the kiosk: a forged acknowledgement, garbage commands, a forged command.
    kiosk.make_events(1)
    liar = Ed25519PrivateKey.generate()
    pending = kiosk.outbox.pending()
    if pending:
        evil.publish(topic(village, kiosk.device, "ack"),
                     make_ack(liar, kiosk.device, [(pending[0][0], pending[0][1])], 99), qos=1)
    cmd_topic = topic(village, kiosk.device, "cmd")
    evil.publish(cmd_topic, b"{{{{", qos=1)
    now = time.time_ns() // 1_000_000
    evil.publish(cmd_topic, make_command(liar, device=kiosk.device, seq=1, type="config.set",
                                         args={"values": {"window": 1}}, nonce="n" * 16,
                                         issued_at=now), qos=1)
    evil.publish(topic(village, kiosk.device, "roster"), b"[]", qos=1)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    assert waiter(lambda: {"malformed", "unsigned", "bad_signature", "unknown_device"}
                  <= hub_store.reject_counts().keys(), 5), hub_store.reject_counts()
    assert waiter(lambda: {"malformed", "bad_signature"} <= rep.counters.refused.keys(), 5), \
        rep.counters.refused
    assert rep.config.window != 1  # the forged command changed nothing

    # A 50 MB message: the broker refuses it (max_packet_size) and drops the sender.
    evil.publish(cmd_topic, b"x" * (50 << 20), qos=1)
    assert waiter(lambda: not evil.is_connected(), 15)
    evil.loop_stop()

    # A genuine command still runs; replaying its exact bytes does not run it again.
    cid = hub.send_command(kiosk.device, "config.set", {"values": {"heartbeat_s": 30}})
    assert waiter(lambda: (hub.command(cid) or {}).get("status") == "ok", 10)
    assert rep.config.heartbeat_s == 30
    payload = bytes(hub_store.conn.execute("SELECT payload FROM commands WHERE cmd_id = ?",
                                           (cid,)).fetchone()[0])
    refused_before = dict(rep.counters.refused)
    replay = raw_client(broker.port, cid="replayer")
    assert waiter(lambda: replay.results["connect"] is not None, 5)
    replay.publish(cmd_topic, payload, qos=1)
    # 5 MB: within the broker's limit, above the kiosk's MQTT 5 Maximum Packet Size, so the
    # broker does not deliver it to the kiosk at all.
    replay.publish(cmd_topic, b"y" * (5 << 20), qos=1)
    time.sleep(1.0)
    replay.loop_stop()
    assert rep.counters.refused == refused_before  # answered again from the stored reply
    kiosk.make_events(5)
    assert waiter(lambda: kiosk.outbox.stats().pending == 0, 15)
    summary = hub_store.summary()["devices"][kiosk.device]
    assert summary["events"] == 9 and summary["chain_ok"] and summary["gaps"] == 0


def test_revocation_and_roster_over_mqtt(broker, kiosk, hub_store, hub_key, village, make_hub,
                                         make_reporter, waiter):
    registered(hub_store, village, kiosk)
    hub = make_hub(broker.url)
    make_reporter(kiosk, broker.url)
    cid = hub.send_command(kiosk.device, "revoke", {"kind": "officer", "id": "OFF-9",
                                                    "reason": "left office"})
    assert waiter(lambda: (hub.command(cid) or {}).get("status") == "ok", 10)
    assert kiosk.outbox.revocations() == [("officer", "OFF-9", "left office")]
    # The revocation is in the chain and reaches the hub's books.
    assert waiter(lambda: any(k.startswith("revocation:") for k in hub_store.summary()
                              ["devices"][kiosk.device]["decisions"]), 10)

    records = [recipient_record(f"3201010000{i:06d}", f"Warga {i}", [("PKH", "2025-Q1", True)])
               for i in range(95)]
    envelope, chunks = build_update(records, version=1, hub_key=hub_key, chunk_size=10,
                                    nik_ref_key=b"k" * 32)
    rid = hub.publish_roster(kiosk.device, envelope, chunks)
    assert waiter(lambda: (hub.command(rid) or {}).get("status") == "ok", 20)
    assert kiosk.store.roster_version() == 1
    assert kiosk.store.recipient("3201010000000094").name == "Warga 94"
    # The same update again is stale; a tampered chunk of a new one changes nothing.
    rid = hub.publish_roster(kiosk.device, envelope, chunks)
    assert waiter(lambda: (hub.command(rid) or {}).get("reason") == "stale", 10)
    envelope2, chunks2 = build_update(records[:5], version=2, hub_key=hub_key, chunk_size=2)
    chunks2[1] = chunks2[1].replace(b"Warga", b"Wxrga")
    rid = hub.publish_roster(kiosk.device, envelope2, chunks2)
    assert waiter(lambda: (hub.command(rid) or {}).get("reason") == "chunk_mismatch", 10)
    assert kiosk.store.roster_version() == 1
    assert json.loads(kiosk.store.meta("roster_policy")) == {}
