"""The R30x codec: round trips, framing, resynchronisation, any input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.codec import Packet, StreamDecoder
from firmware_bridge.r30x.errors import BadPacket, ChecksumError, GarbageBytes
from firmware_bridge.r30x.protocol import IMAGE_BYTES, MAX_PAYLOAD, PID

packets = st.builds(
    Packet,
    pid=st.sampled_from(list(PID)),
    payload=st.binary(max_size=MAX_PAYLOAD),
    address=st.integers(0, 0xFFFFFFFF),
)


def test_known_frame_vfypwd():
    # VfyPwd with password 0 to the default address, as in the datasheet.
    frame = codec.encode(codec.command(0x13, bytes(4)))
    assert frame == bytes.fromhex("EF01FFFFFFFF010007130000000000 1B".replace(" ", ""))


def test_checksum_is_sum_of_pid_length_payload():
    assert codec.checksum(0x01, b"\x13\x00\x00\x00\x00") == 0x01 + 0x00 + 0x07 + 0x13


@given(packets)
def test_round_trip(packet):
    assert codec.decode(codec.encode(packet)) == packet


@given(st.lists(packets, max_size=5), st.lists(st.integers(1, 40), max_size=5))
def test_stream_of_packets_in_arbitrary_chunks(items, cuts):
    wire = codec.encode_many(items)
    decoder = StreamDecoder()
    out, pos = [], 0
    for cut in cuts:
        out += decoder.feed(wire[pos : pos + cut])
        pos += cut
    out += decoder.feed(wire[pos:])
    assert out == items


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_any_bytes_give_packets_or_typed_errors(data):
    events = StreamDecoder().feed(data)
    assert all(isinstance(e, Packet | BadPacket) for e in events)


@settings(max_examples=200)
@given(st.binary(max_size=64), packets)
def test_resynchronises_after_garbage(garbage, packet):
    garbage = garbage.replace(b"\xef\x01", b"")
    if garbage.endswith(b"\xef"):
        garbage = garbage[:-1]
    events = StreamDecoder().feed(garbage + codec.encode(packet))
    assert events[-1] == packet
    assert all(isinstance(e, GarbageBytes) for e in events[:-1])


def test_checksum_error_then_next_packet_still_decodes():
    good = codec.encode(codec.ack(0, b"\x01\x02"))
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    events = StreamDecoder().feed(bytes(bad) + good)
    assert isinstance(events[0], ChecksumError)
    assert events[-1] == codec.decode(good)


def test_corrupted_length_does_not_swallow_following_packets():
    good = codec.encode(codec.ack(0))
    bad = bytearray(good)
    bad[7], bad[8] = 0xFF, 0xFF  # impossible length
    events = StreamDecoder().feed(bytes(bad) + good)
    assert any(isinstance(e, BadPacket) for e in events)
    assert events[-1] == codec.decode(good)


def test_needed_reports_whole_packet_after_header():
    frame = codec.encode(Packet(PID.DATA, bytes(128)))
    decoder = StreamDecoder()
    assert decoder.needed() == 9
    decoder.feed(frame[:9])
    assert decoder.needed() == len(frame) - 9


def test_decode_rejects_trailing_and_partial():
    frame = codec.encode(codec.ack(0))
    with pytest.raises(BadPacket):
        codec.decode(frame + b"\x00")
    with pytest.raises(BadPacket):
        codec.decode(frame[:-1])


def test_encode_rejects_impossible_packets():
    with pytest.raises(ValueError):
        codec.encode(Packet(0x05, b""))
    with pytest.raises(ValueError):
        codec.encode(Packet(PID.DATA, bytes(MAX_PAYLOAD + 1)))


def test_data_packets_split_and_close():
    parts = codec.data_packets(bytes(300), 128)
    assert [p.pid for p in parts] == [PID.DATA, PID.DATA, PID.END_DATA]
    assert sum(len(p.payload) for p in parts) == 300


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=20)
def test_image_pack_round_trip(seed):
    data = np.random.default_rng(seed).integers(0, 256, IMAGE_BYTES, dtype=np.uint8).tobytes()
    image = codec.unpack_image(data)
    assert image.shape == (288, 256) and image.dtype == np.uint8
    assert codec.pack_image(image) == data


def test_image_upper_nibbles_only():
    image = np.full((288, 256), 0xAB, np.uint8)
    assert set(codec.pack_image(image)) == {0xAA}


def test_pack_image_rejects_wrong_shape():
    with pytest.raises(ValueError):
        codec.pack_image(np.zeros((10, 10), np.uint8))
