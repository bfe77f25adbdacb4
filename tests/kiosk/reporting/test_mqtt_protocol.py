"""Pure pieces of reporting: topics, broker URLs, backoff, window, commands, acknowledgements."""

from __future__ import annotations

import random

import pytest

from kiosk.reporting.commands import (
    MAX_COMMAND_BYTES,
    ReplayGuard,
    make_command,
    make_reply,
    parse_command,
    read_reply,
)
from kiosk.reporting.flow import Backoff, Window
from kiosk.reporting.protocol import (
    ProtocolError,
    decode_event,
    encode_event,
    make_ack,
    parse_broker_url,
    parse_topic,
    read_ack,
    topic,
)
from kiosk.security.crypto import Ed25519PrivateKey, b64url, canonical_json

DEV = "SDK-AAAA"
NOW = 1_750_000_000_000


def test_topics_roundtrip_and_refuse_wildcards():
    t = topic("3201012001", DEV, "events")
    assert t == "sidik/v1/3201012001/SDK-AAAA/events"
    assert parse_topic(t) == ("3201012001", DEV, "events")
    for bad in ("sidik/v1/x/y/other", "sidik/v2/x/y/events", "sidik/v1/x/events", "a/b"):
        with pytest.raises(ProtocolError):
            parse_topic(bad)
    for seg in ("+", "#", "a/b", "", "x" * 65):
        with pytest.raises(ValueError):
            topic(seg, DEV, "events")


def test_broker_urls():
    u = parse_broker_url("mqtts://kiosk:s%40cret@hub.desa:8884")
    assert (u.host, u.port, u.tls, u.username, u.password) == ("hub.desa", 8884, True, "kiosk",
                                                                "s@cret")
    assert parse_broker_url("mqtt://10.0.0.2").port == 1883
    assert parse_broker_url("mqtts://10.0.0.2").port == 8883
    for bad in ("http://x", "mqtt://", "mqtt://h:notaport"):
        with pytest.raises(ValueError):
            parse_broker_url(bad)


def test_backoff_grows_with_jitter_and_resets():
    b = Backoff(base=0.5, cap=8, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(12)]
    assert all(0 < d <= 8 for d in delays)
    assert max(delays[:2]) <= 1.0 and max(delays[6:]) > 2  # grows, capped
    assert len(set(delays)) == len(delays)  # jittered
    b.reset()
    assert b.next_delay() <= 0.5


def test_window_is_bounded_and_goes_back():
    w = Window(size=3, ack_timeout=5)
    for s in (1, 2, 3):
        w.sent(s, now=0)
    assert w.free == 0 and w.next_seq == 4
    w.acked([1])
    assert w.free == 1 and w.oldest() == (2, 0)
    assert not w.expired(4.9) and w.expired(5.0)
    w.go_back()
    assert len(w) == 0 and w.next_seq == 0
    w.sent(7, 1)
    w.go_back(7)
    assert w.next_seq == 7
    with pytest.raises(ValueError):
        Window(0)


def test_event_codec_keeps_signed_bytes():
    body = canonical_json({"seq": 1, "name": "Ani — desa"})
    got_body, sig = decode_event(encode_event(body, b"s" * 64), 10_000)
    assert got_body == body and sig == b"s" * 64
    for bad, reason in ((b"\xff", "malformed"), (b"[]", "malformed"),
                        (b'{"body":"x"}', "unsigned"), (b"x" * 20_000, "oversized")):
        with pytest.raises(ProtocolError) as e:
            decode_event(bad, 10_000)
        assert e.value.reason == reason


def test_acks_are_signed_by_the_hub_and_for_this_device():
    hub, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    ack = make_ack(hub, DEV, [(1, "e1"), (2, "e2")], 3)
    assert read_ack(ack, hub.public_key(), DEV) == ([(1, "e1"), (2, "e2")], 3)
    with pytest.raises(ProtocolError) as e:
        read_ack(make_ack(other, DEV, [(1, "e1")], 2), hub.public_key(), DEV)
    assert e.value.reason == "bad_signature"
    with pytest.raises(ProtocolError) as e:
        read_ack(ack, hub.public_key(), "SDK-BBBB")
    assert e.value.reason == "wrong_device"


@pytest.fixture
def hub():
    return Ed25519PrivateKey.generate()


def cmd(hub, seq=1, type="ping", args=None, nonce=None, issued=NOW, lifetime=60_000, dev=DEV):
    return make_command(hub, device=dev, seq=seq, type=type, args=args or {},
                        nonce=nonce or f"{seq:016d}", issued_at=issued, lifetime_ms=lifetime)


def test_valid_command_passes_once(hub):
    guard = ReplayGuard()
    c = parse_command(cmd(hub), hub.public_key(), DEV)
    guard.accept(c, NOW + 1)
    with pytest.raises(ProtocolError) as e:
        guard.check(c, NOW + 2)
    assert e.value.reason == "replayed"
    # Out of order within the window is fine (the hub resends), a new nonce is required.
    guard.accept(parse_command(cmd(hub, seq=5), hub.public_key(), DEV), NOW)
    guard.accept(parse_command(cmd(hub, seq=3), hub.public_key(), DEV), NOW)


@pytest.mark.parametrize("payload, reason", [
    (b"not json", "malformed"),
    (b'{"cmd": {"v": 1}}', "unsigned"),
    (b"{" + b" " * MAX_COMMAND_BYTES + b"}", "oversized"),
])
def test_garbage_commands(hub, payload, reason):
    with pytest.raises(ProtocolError) as e:
        parse_command(payload, hub.public_key(), DEV)
    assert e.value.reason == reason


def test_forged_misaddressed_and_badly_shaped_commands(hub):
    other = Ed25519PrivateKey.generate()
    cases = [
        (cmd(other), "bad_signature"),
        (cmd(hub, dev="SDK-BBBB"), "wrong_device"),
        (cmd(hub, type="shell"), "schema"),
        (cmd(hub, type="config.set", args={"values": {"broker": "mqtt://evil"}}), "schema"),
        (cmd(hub, type="config.set", args={"values": {"window": 10**6}}), "schema"),
        (cmd(hub, type="revoke", args={"kind": "everything", "id": "x"}), "schema"),
        (cmd(hub, type="ping", args={"x": 1}), "schema"),
    ]
    for payload, reason in cases:
        with pytest.raises(ProtocolError) as e:
            parse_command(payload, hub.public_key(), DEV)
        assert e.value.reason == reason, payload
    # A signature over other bytes than the ones shown: field added after signing.
    import json

    outer = json.loads(cmd(hub))
    outer["cmd"]["type"] = "revoke"
    with pytest.raises(ProtocolError) as e:
        parse_command(canonical_json(outer), hub.public_key(), DEV)
    assert e.value.reason in ("bad_signature", "schema")
    outer = json.loads(cmd(hub))
    outer["sig"] = b64url(b"\0" * 64)
    with pytest.raises(ProtocolError):
        parse_command(canonical_json(outer), hub.public_key(), DEV)


@pytest.mark.parametrize("kw, now, reason", [
    ({}, NOW + 60_000, "expired"),
    ({"issued": NOW + 3600_000}, NOW, "future"),
    ({"lifetime": 48 * 3600_000}, NOW, "bad_lifetime"),
])
def test_stale_commands(hub, kw, now, reason):
    c = parse_command(cmd(hub, **kw), hub.public_key(), DEV)
    with pytest.raises(ProtocolError) as e:
        ReplayGuard().check(c, now)
    assert e.value.reason == reason


def test_far_older_sequence_is_stale(hub):
    guard = ReplayGuard()
    guard.accept(parse_command(cmd(hub, seq=1000), hub.public_key(), DEV), NOW)
    with pytest.raises(ProtocolError) as e:
        guard.check(parse_command(cmd(hub, seq=10), hub.public_key(), DEV), NOW)
    assert e.value.reason == "stale"


def test_replies_are_signed_by_the_device():
    dev, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    r = make_reply(dev, device=DEV, cmd_id="c1", status="ok", time_ms=NOW)
    assert read_reply(r, dev.public_key())["cmd_id"] == "c1"
    with pytest.raises(ProtocolError):
        read_reply(r, other.public_key())


def test_outbox_acks_only_matching_events(kiosk):
    kiosk.make_events(3)
    rows = kiosk.outbox.pending()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert kiosk.outbox.mark_acked([(1, rows[0][1]), (2, "someone-else")]) == [1]
    assert kiosk.outbox.mark_acked([(1, rows[0][1])]) == []  # idempotent
    s = kiosk.outbox.stats()
    assert (s.pending, s.acked_upto, s.last_seq) == (2, 1, 3)
    assert s.oldest_pending_age_s is not None and s.oldest_pending_age_s < 60
    assert [r[0] for r in kiosk.outbox.pending(from_seq=3)] == [3]


def test_disk_alarm_is_raised_long_before_full():
    from kiosk.reporting.outbox import OutboxStats, disk_alarm

    def stats(free, total=100 << 30):
        return OutboxStats(0, None, 0, 0, free, total, 0)

    assert disk_alarm(stats(50 << 30), 500 << 20, 100 << 20) is None
    assert disk_alarm(stats(5 << 30), 500 << 20, 100 << 20) == "warning"  # under 10 %
    assert disk_alarm(stats(400 << 20), 500 << 20, 100 << 20) == "warning"
    assert disk_alarm(stats(50 << 20), 500 << 20, 100 << 20) == "critical"
