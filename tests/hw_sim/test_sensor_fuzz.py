"""Fuzz: thousands of random and mutated frames at the simulated module and at the
driver. Nothing crashes, nothing hangs, and state that must not change does not."""

from __future__ import annotations

import logging
import os
import random
import time

import numpy as np
import pytest

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.codec import Packet, StreamDecoder
from firmware_bridge.r30x.driver import R30xSensor
from firmware_bridge.r30x.errors import SensorError
from firmware_bridge.r30x.protocol import CHAR_FILE_SIZE, PID, Instruction
from hw_sim.sensor.firmware import Firmware, SensorSettings
from hw_sim.sensor.simulator import SensorSimulator

CORPUS = [
    codec.command(i, *args) for i, args in [
        (Instruction.GEN_IMG, ()), (Instruction.IMG2TZ, (1,)), (Instruction.MATCH, ()),
        (Instruction.SEARCH, (1, b"\x00\x00", b"\x03\xe8")), (Instruction.REG_MODEL, ()),
        (Instruction.STORE, (1, b"\x00\x07")), (Instruction.LOAD_CHAR, (2, b"\x00\x07")),
        (Instruction.UP_CHAR, (1,)), (Instruction.DOWN_CHAR, (2,)), (Instruction.UP_IMAGE, ()),
        (Instruction.DOWN_IMAGE, ()), (Instruction.DELET_CHAR, (b"\x00\x00", b"\x00\x01")),
        (Instruction.READ_SYS_PARA, ()), (Instruction.TEMPLETE_NUM, ()),
        (Instruction.READ_INDEX_TABLE, (0,)), (Instruction.GET_RANDOM_CODE, ()),
        (Instruction.AURA_LED_CONFIG, (1, 0x80, 2, 0)), (Instruction.HANDSHAKE, ()),
        (Instruction.READ_NOTEPAD, (1,)),
    ]
] + [Packet(PID.DATA, bytes(128)), Packet(PID.END_DATA, bytes(64))]


def mutate(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        if op == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and data:
            del data[rng.randrange(len(data)) :]
        elif op == 2:
            data[rng.randrange(len(data) + 1) : 0] = rng.randbytes(rng.randint(1, 16))
        elif op == 3 and len(data) > 9:
            data[7:9] = rng.randrange(0x10000).to_bytes(2, "big")
        else:
            data += rng.randbytes(rng.randint(0, 40))
    return bytes(data)


def fix_checksum(rng: random.Random, packet: Packet) -> bytes:
    """A well-formed frame with a mutated payload: reaches the command handlers."""
    payload = bytearray(packet.payload)
    if payload and rng.random() < 0.7:
        payload[rng.randrange(len(payload))] = rng.randrange(256)
    if rng.random() < 0.3:
        payload += rng.randbytes(rng.randint(1, 8))
    elif payload and rng.random() < 0.3:
        del payload[rng.randrange(len(payload)) :]
    return codec.encode(Packet(packet.pid, bytes(payload), packet.address))


def frames(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        choice = rng.random()
        if choice < 0.3:
            yield rng.randbytes(rng.randint(1, 80))
        elif choice < 0.6:
            yield mutate(rng, codec.encode(rng.choice(CORPUS)))
        else:
            yield fix_checksum(rng, rng.choice(CORPUS))


def check_invariants(fw: Firmware, capacity: int) -> None:
    assert fw.settings.capacity == capacity == fw.library.capacity
    assert all(0 <= p < capacity for p in fw.library.pages())
    assert all(len(fw.library.get(p)) == CHAR_FILE_SIZE for p in fw.library.pages())
    for buf in fw.char_buffers.values():
        assert buf is None or len(buf) == CHAR_FILE_SIZE
    assert fw.image is None or (fw.image.shape == (288, 256) and fw.image.dtype == np.uint8)


def test_firmware_survives_thousands_of_frames():
    fw = Firmware(SensorSettings(capacity=200))
    fw.glass.place(np.random.default_rng(0).integers(0, 256, (288, 256), dtype=np.uint8))
    decoder = StreamDecoder()
    replies = 0
    for frame in frames(seed=1, count=4000):
        for event in decoder.feed(frame):
            out = fw.corrupted_packet() if isinstance(event, Exception) else fw.handle(event)
            for packet in out:
                assert codec.decode(codec.encode(packet)) == packet
                replies += 1
    check_invariants(fw, 200)
    assert replies > 500  # the fuzz really reached the command handlers


def test_locked_module_state_is_untouched_by_fuzz(caplog):
    """With a password set and never given, no frame can change anything."""
    settings = SensorSettings(capacity=300, password=0x5EC12E7)
    with SensorSimulator(settings=settings) as sim:
        sim.firmware.library.store(7, bytes([1]) * CHAR_FILE_SIZE)
        before = (dict(vars(sim.firmware.settings)), sim.firmware.library.pages())
        fd = os.open(sim.url, os.O_RDWR | os.O_NOCTTY)
        try:
            for frame in frames(seed=2, count=3000):
                os.write(fd, frame)
        finally:
            os.close(fd)
        # Let the module work through the backlog before the real client speaks.
        last, deadline = -1, time.monotonic() + 30
        while time.monotonic() < deadline and sim.firmware.commands_handled != last:
            last = sim.firmware.commands_handled
            time.sleep(0.3)
        with caplog.at_level(logging.ERROR), \
                R30xSensor(sim.url, password=0x5EC12E7, timeout=2) as sensor:
            assert sensor.read_system_parameters().capacity == 300
            assert sensor.used_pages() == [7]
        assert (dict(vars(sim.firmware.settings)), sim.firmware.library.pages()) == before
        assert not [r for r in caplog.records if r.name.startswith("hw_sim")]


class FuzzSerial:
    """A fake serial port whose replies come from a fuzzed byte stream."""

    def __init__(self, rng: random.Random, good: bytes):
        self.rng, self.good = rng, good
        self.pending = bytearray()
        self.timeout, self.baudrate = 1.0, 57600

    def write(self, data):
        roll = self.rng.random()
        if roll < 0.2:
            self.pending += self.good
        elif roll < 0.6:
            self.pending += mutate(self.rng, self.good)
        elif roll < 0.8:
            self.pending += self.rng.randbytes(self.rng.randint(0, 300))
        # else: silence, a timeout
        return len(data)

    @property
    def in_waiting(self):
        return len(self.pending)

    def read(self, n):
        out = bytes(self.pending[:n])
        del self.pending[:n]
        return out

    def reset_input_buffer(self):
        self.pending.clear()

    def close(self):
        pass


@pytest.mark.parametrize("method", ["template_count", "read_system_parameters", "up_char",
                                    "match", "search"])
def test_driver_only_raises_sensor_errors(method):
    rng = random.Random(hash(method) & 0xFFFF)
    replies = {
        "template_count": codec.encode(codec.ack(0, b"\x00\x05")),
        "read_system_parameters": codec.encode(codec.ack(0, bytes(16))),
        "up_char": codec.encode_many([codec.ack(0), *codec.data_packets(bytes(512), 128)]),
        "match": codec.encode(codec.ack(0, b"\x00\x40")),
        "search": codec.encode(codec.ack(0, b"\x00\x01\x00\x40")),
    }
    good = replies[method]
    sensor = R30xSensor("fuzz://", timeout=0.01, retries=1,
                        serial_factory=lambda *a: FuzzSerial(rng, good))
    sensor._connect()
    outcomes = {"ok": 0, "error": 0}
    for _ in range(400):
        try:
            getattr(sensor, method)() if method != "search" else sensor.search(count=10)
            outcomes["ok"] += 1
        except SensorError:
            outcomes["error"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0
