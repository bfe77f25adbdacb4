"""Pure codec for R30x packets: bytes <-> :class:`Packet`, no I/O.

Frame: ``EF 01 | address (4) | pid (1) | length (2) | payload | checksum (2)``,
where ``length = len(payload) + 2`` and the checksum is the low 16 bits of the sum
of pid, both length bytes and every payload byte. All integers are big-endian.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .errors import BadPacket, ChecksumError, GarbageBytes
from .protocol import (
    CHECKSUM_SIZE,
    DEFAULT_ADDRESS,
    HEADER_SIZE,
    IMAGE_BYTES,
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
    MAX_PAYLOAD,
    PID,
    START_CODE,
)

_START = START_CODE.to_bytes(2, "big")
_VALID_PIDS = frozenset(int(p) for p in PID)


@dataclass(frozen=True)
class Packet:
    """One protocol packet. ``payload`` excludes length and checksum."""

    pid: int
    payload: bytes = b""
    address: int = DEFAULT_ADDRESS

    @property
    def is_ack(self) -> bool:
        return self.pid == PID.ACK

    @property
    def code(self) -> int:
        """Confirmation code of an acknowledgement (first payload byte)."""
        if not self.payload:
            raise BadPacket("acknowledgement without a confirmation code")
        return self.payload[0]

    def wire_size(self) -> int:
        return HEADER_SIZE + len(self.payload) + CHECKSUM_SIZE


def checksum(pid: int, payload: bytes) -> int:
    length = len(payload) + CHECKSUM_SIZE
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def encode(packet: Packet) -> bytes:
    """Serialise one packet; raises ValueError for a packet that cannot exist."""
    if packet.pid not in _VALID_PIDS:
        raise ValueError(f"unknown packet id 0x{packet.pid:02X}")
    if len(packet.payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(packet.payload)} bytes exceeds {MAX_PAYLOAD}")
    if not 0 <= packet.address <= 0xFFFFFFFF:
        raise ValueError("address must fit in 32 bits")
    payload = bytes(packet.payload)
    length = len(payload) + CHECKSUM_SIZE
    return b"".join(
        (
            _START,
            packet.address.to_bytes(4, "big"),
            bytes((packet.pid,)),
            length.to_bytes(2, "big"),
            payload,
            checksum(packet.pid, payload).to_bytes(2, "big"),
        )
    )


def command(instruction: int, *args: bytes | int, address: int = DEFAULT_ADDRESS) -> Packet:
    """Build a command packet; int arguments are single bytes, bytes go in as they are."""
    body = bytearray((instruction,))
    for arg in args:
        if isinstance(arg, int):
            body.append(arg)
        else:
            body += arg
    return Packet(PID.COMMAND, bytes(body), address)


def ack(code: int, data: bytes = b"", address: int = DEFAULT_ADDRESS) -> Packet:
    return Packet(PID.ACK, bytes((code,)) + data, address)


def data_packets(data: bytes, packet_size: int, address: int = DEFAULT_ADDRESS) -> list[Packet]:
    """Split a bulk transfer into DATA packets closed by one END_DATA packet."""
    if packet_size <= 0 or packet_size > MAX_PAYLOAD:
        raise ValueError(f"packet size {packet_size} not in 1..{MAX_PAYLOAD}")
    chunks = [data[i : i + packet_size] for i in range(0, len(data), packet_size)] or [b""]
    last = len(chunks) - 1
    return [
        Packet(PID.END_DATA if i == last else PID.DATA, chunk, address)
        for i, chunk in enumerate(chunks)
    ]


def encode_many(packets: Iterable[Packet]) -> bytes:
    return b"".join(encode(p) for p in packets)


def decode(frame: bytes) -> Packet:
    """Decode exactly one complete frame; raises BadPacket/ChecksumError otherwise."""
    decoder = StreamDecoder()
    events = decoder.feed(frame)
    if decoder.buffered:
        raise BadPacket(f"{decoder.buffered} trailing bytes after the frame")
    if len(events) != 1:
        raise BadPacket(f"expected one frame, found {len(events)} items")
    event = events[0]
    if isinstance(event, Exception):
        raise event
    return event


class StreamDecoder:
    """Incremental decoder that resynchronises on the next start code.

    ``feed`` returns, in order, every complete :class:`Packet` and every framing
    error (as an exception *instance*, never raised) found so far. Bytes before a
    start code are skipped and reported as :class:`GarbageBytes`. After a bad
    frame the search restarts one byte past its start code, so a corrupted length
    cannot swallow the packets that follow it.
    """

    def __init__(self, max_payload: int = MAX_PAYLOAD):
        self._buf = bytearray()
        self._max_length = max_payload + CHECKSUM_SIZE
        self.skipped = 0  # garbage bytes discarded since creation

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def needed(self) -> int:
        """Least number of further bytes before another event can come out."""
        buf = self._buf
        if len(buf) < HEADER_SIZE:
            return HEADER_SIZE - len(buf)
        if buf[:2] != _START:
            return 1
        length = (buf[7] << 8) | buf[8]
        if length < CHECKSUM_SIZE or length > self._max_length:
            return 1
        return max(1, HEADER_SIZE + length - len(buf))

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Packet | BadPacket]:
        self._buf += data
        events: list[Packet | BadPacket] = []
        buf = self._buf
        while True:
            start = buf.find(_START)
            if start < 0:
                # Keep a trailing 0xEF: it may be the first half of a start code.
                keep = 1 if buf and buf[-1] == _START[0] else 0
                dropped = len(buf) - keep
                if dropped:
                    self._skip(events, dropped)
                break
            if start:
                self._skip(events, start)
            if len(buf) < HEADER_SIZE:
                break
            pid = buf[6]
            length = (buf[7] << 8) | buf[8]
            if pid not in _VALID_PIDS:
                events.append(BadPacket(f"unknown packet id 0x{pid:02X}"))
                del buf[:2]
                continue
            if length < CHECKSUM_SIZE or length > self._max_length:
                events.append(BadPacket(f"impossible length field {length}"))
                del buf[:2]
                continue
            total = HEADER_SIZE + length
            if len(buf) < total:
                break
            payload = bytes(buf[HEADER_SIZE : total - CHECKSUM_SIZE])
            got = (buf[total - 2] << 8) | buf[total - 1]
            want = checksum(pid, payload)
            if got != want:
                events.append(ChecksumError(f"checksum 0x{got:04X}, expected 0x{want:04X}"))
                del buf[:2]
                continue
            address = int.from_bytes(buf[2:6], "big")
            events.append(Packet(pid, payload, address))
            del buf[:total]
        return events

    def _skip(self, events: list, count: int) -> None:
        del self._buf[:count]
        self.skipped += count
        events.append(GarbageBytes(f"{count} bytes of garbage before a start code"))


def pack_image(image: np.ndarray) -> bytes:
    """256x288 uint8 image -> 36,864 bytes, the upper 4 bits of two pixels per byte."""
    if image.shape != (IMAGE_HEIGHT, IMAGE_WIDTH) or image.dtype != np.uint8:
        raise ValueError(
            f"image must be uint8 {IMAGE_HEIGHT}x{IMAGE_WIDTH}, got {image.dtype} {image.shape}"
        )
    flat = image.reshape(-1)
    return ((flat[0::2] & 0xF0) | (flat[1::2] >> 4)).astype(np.uint8).tobytes()


def unpack_image(data: bytes) -> np.ndarray:
    """Inverse of :func:`pack_image`; each nibble n becomes n * 17 (0..255)."""
    if len(data) != IMAGE_BYTES:
        raise BadPacket(f"image data is {len(data)} bytes, expected {IMAGE_BYTES}")
    raw = np.frombuffer(data, dtype=np.uint8)
    out = np.empty(raw.size * 2, dtype=np.uint8)
    out[0::2] = raw >> 4
    out[1::2] = raw & 0x0F
    out *= 17
    return out.reshape(IMAGE_HEIGHT, IMAGE_WIDTH)
