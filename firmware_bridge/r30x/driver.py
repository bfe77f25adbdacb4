"""Driver for R30x / ZFM / AS608 sensors over pyserial (a device path or any pyserial URL).

Every call has a deadline, every failure is a typed :class:`SensorError`, and a
lost link is reopened by itself. Replies are read a whole packet at a time: the
header says how long the rest is, so one ``read`` fetches it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import serial

from . import codec
from .codec import Packet
from .errors import (
    GarbageBytes,
    NoFinger,
    ProtocolError,
    ReceiveError,
    SensorDisconnected,
    SensorError,
    SensorNotFound,
    SensorReplyError,
    SensorTimeout,
    UnexpectedPacket,
    UploadError,
    error_for_code,
)
from .protocol import (
    BAUD_UNIT,
    CHAR_FILE_SIZE,
    DEFAULT_ADDRESS,
    DEFAULT_PASSWORD,
    IMAGE_BYTES,
    PACKET_SIZES,
    PID,
    Code,
    Instruction,
    LedColour,
    LedMode,
    SysParam,
)

log = logging.getLogger(__name__)

FACTORY_BAUD = 57600
FACTORY_PACKET_SIZE = 128
READ_BLOCK = 1024  # bytes a bulk read waits for (a few packets; well inside tty buffers)
MAX_BULK_BYTES = 64 * 1024  # the largest transfer (an image) is 36,864 bytes
SUPPORTED_BAUDS = tuple(n * BAUD_UNIT for n in range(1, 13))
# Errors after which a command is simply sent again.
_RETRYABLE = (ProtocolError, SensorTimeout)


@dataclass(frozen=True)
class SystemParameters:
    status: int
    system_id: int
    capacity: int
    security_level: int
    address: int
    packet_size: int  # bytes per data packet
    baud: int

    @classmethod
    def from_payload(cls, data: bytes) -> SystemParameters:
        if len(data) < 16:
            raise UnexpectedPacket(f"system parameters of {len(data)} bytes, expected 16")
        u16 = lambda i: int.from_bytes(data[i : i + 2], "big")  # noqa: E731
        size_code = u16(12)
        return cls(
            status=u16(0), system_id=u16(2), capacity=u16(4), security_level=u16(6),
            address=int.from_bytes(data[8:12], "big"),
            packet_size=PACKET_SIZES[size_code] if size_code < len(PACKET_SIZES) else 0,
            baud=u16(14) * BAUD_UNIT,
        )


@dataclass(frozen=True)
class MatchResult:
    matched: bool
    score: int


@dataclass(frozen=True)
class SearchResult:
    page: int
    score: int


def _open_serial(url: str, baud: int, timeout: float) -> serial.SerialBase:
    return serial.serial_for_url(url, baudrate=baud, timeout=timeout, write_timeout=timeout)


class R30xSensor:
    """One sensor on one port. Use as a context manager, or call :meth:`open`."""

    def __init__(self, port: str, *, baud: int = FACTORY_BAUD, address: int = DEFAULT_ADDRESS,
                 password: int = DEFAULT_PASSWORD, timeout: float = 2.0, retries: int = 2,
                 reconnect_timeout: float = 5.0,
                 serial_factory: Callable[[str, int, float], serial.SerialBase] = _open_serial):
        if baud not in SUPPORTED_BAUDS:
            raise ValueError(f"baud rate {baud} is not N x 9600 with N in 1..12")
        self.port = port
        self.baud = baud
        self.address = address
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.reconnect_timeout = reconnect_timeout
        self.packet_size = FACTORY_PACKET_SIZE
        self._factory = serial_factory
        self._ser: serial.SerialBase | None = None
        self._decoder = codec.StreamDecoder()
        self._events: deque = deque()
        self._line_paced = False
        self.stats = {"retries": 0, "reconnects": 0, "garbage_bytes": 0, "bad_packets": 0}

    # ---- link management -------------------------------------------------------------
    def open(self) -> R30xSensor:
        """Open the port and verify the password (the module's handshake)."""
        self._connect()
        self.verify_password()
        return self

    def close(self) -> None:
        if self._ser is not None:
            try:
                self._ser.close()
            except (OSError, serial.SerialException):
                pass
            self._ser = None

    def __enter__(self) -> R30xSensor:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> None:
        self.close()
        try:
            self._ser = self._factory(self.port, self.baud, self.timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise SensorNotFound(f"cannot open sensor port {self.port}: {_reason(exc)}") from None
        self._decoder.reset()
        self._events.clear()

    def _reconnect(self) -> None:
        """Reopen the port and redo the handshake until both work or
        reconnect_timeout passes (a replugged module has lost its RAM)."""
        deadline = time.monotonic() + self.reconnect_timeout
        delay = 0.05
        while True:
            try:
                self._connect()
                self._transact(Instruction.VFY_PWD, self.password.to_bytes(4, "big"),
                               retries=0, reconnect=False)
                self.stats["reconnects"] += 1
                return
            except (SensorNotFound, SensorDisconnected, SensorTimeout, ProtocolError) as exc:
                if time.monotonic() + delay > deadline:
                    raise SensorDisconnected(
                        f"sensor on {self.port} disconnected and did not come back "
                        f"within {self.reconnect_timeout:g} s ({exc.message})") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _serial(self) -> serial.SerialBase:
        if self._ser is None:
            self._connect()
        return self._ser

    # ---- packets on the wire -------------------------------------------------------------
    def _write(self, packets: list[Packet]) -> None:
        self._serial().write(codec.encode_many(packets))

    def _read_packet(self, deadline: float, coming: int = 0) -> Packet:
        """Next packet. ``coming``: bytes known to follow in this transfer, so the
        read can wait for a larger block instead of waking for every few bytes."""
        ser = self._serial()
        while True:
            while self._events:
                event = self._events.popleft()
                if isinstance(event, GarbageBytes):
                    continue  # resynchronised on the next start code
                if isinstance(event, Exception):
                    self.stats["bad_packets"] += 1
                    raise event
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SensorTimeout(f"no reply from the sensor on {self.port}")
            needed = self._decoder.needed()
            waiting = ser.in_waiting
            if waiting < needed and self._line_paced:
                # Bytes trickle in at the line rate: sleep until a whole block should
                # be here, one wake-up per block instead of one per few bytes.
                still_coming = coming - self._decoder.buffered if coming else needed
                block = max(needed, min(READ_BLOCK, still_coming))
                # Wake a little early: the blocking read below then returns the
                # moment the packet is complete, so load on the host costs no time.
                eta = 0.85 * (block - waiting) * 10 / self.baud
                if eta > 0.002:
                    before, slept = waiting, time.monotonic()
                    time.sleep(min(eta, remaining))
                    waiting = ser.in_waiting
                    remaining = deadline - time.monotonic()
                    self._check_pace(waiting - before, time.monotonic() - slept)
            ser.timeout = max(remaining, 0.001)
            started = time.monotonic()
            data = ser.read(max(needed, waiting))
            self._learn_pace(needed - waiting, time.monotonic() - started)
            if not data:
                raise SensorTimeout(f"no reply from the sensor on {self.port}")
            before = self._decoder.skipped
            self._events.extend(self._decoder.feed(data))
            self.stats["garbage_bytes"] += self._decoder.skipped - before

    def _learn_pace(self, missing: int, waited: float) -> None:
        """Learn whether this link delivers at the wire's pace (a UART, a paced
        simulator) or in bursts (TCP, a fast simulator), from how long reads block."""
        if missing < 32:
            return
        wire_time = missing * 10 / self.baud
        if waited > 0.5 * wire_time:
            self._line_paced = True
        elif waited < 0.1 * wire_time:
            self._line_paced = False

    def _check_pace(self, arrived: int, seconds: float) -> None:
        """While pacing: more bytes arrived than the wire can carry in that time, so the
        link delivers in bursts after all (a read once blocked for long on a busy host);
        without this, one slow read would pace every transfer after it for good."""
        if arrived >= 32 and arrived * 10 / self.baud > 1.5 * seconds:
            self._line_paced = False

    def _drain(self, quiet: float = 0.05, limit: float = 1.0) -> None:
        """Discard what is still arriving from an aborted exchange."""
        ser = self._ser
        self._decoder.reset()
        self._events.clear()
        if ser is None:
            return
        end = time.monotonic() + limit
        try:
            ser.timeout = quiet
            while time.monotonic() < end and ser.read(max(1, ser.in_waiting)):
                pass
            ser.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass

    def _transact(self, instruction: int, *args: bytes | int, data_out: bytes | None = None,
                  expect_data: bool | int = False, timeout: float | None = None,
                  retries: int | None = None, reconnect: bool = True,
                  ok_codes: tuple[int, ...] = (Code.OK,)) -> tuple[Packet, bytes]:
        """Send one command; return (ack, bulk data). Retries on noise and reconnects.

        ``expect_data``: True for a bulk reply, or the number of bytes it will take
        on the wire when known (lets reads wait for whole blocks).
        """
        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return self._exchange(instruction, args, data_out, expect_data,
                                      timeout or self.timeout, ok_codes)
            except (serial.SerialException, OSError) as exc:
                if not reconnect:
                    raise SensorDisconnected(f"sensor link lost: {_reason(exc)}") from None
                log.warning("sensor link lost (%s); reconnecting", _reason(exc))
                self._reconnect()
            except _RETRYABLE as exc:
                if attempt >= retries:
                    raise
                log.info("retrying 0x%02X after %s", instruction, type(exc).__name__)
            except SensorReplyError as exc:
                if exc.code != Code.PACKET_RECEIVE_ERROR or attempt >= retries:
                    raise
            attempt += 1
            self.stats["retries"] += 1
            self._drain()

    def _exchange(self, instruction, args, data_out, expect_data, timeout, ok_codes):
        deadline = time.monotonic() + timeout
        if self._events or self._decoder.buffered or (self._ser and self._ser.in_waiting):
            self._drain(quiet=0.0, limit=0.2)  # stale bytes from an earlier exchange
        self._write([codec.command(instruction, *args, address=self.address)])
        reply = self._read_packet(deadline)
        if reply.pid != PID.ACK:
            raise UnexpectedPacket(f"expected an acknowledgement, got packet id 0x{reply.pid:02X}")
        code = reply.code
        if code not in ok_codes:
            raise error_for_code(code)
        if data_out is not None:
            self._write(codec.data_packets(data_out, self.packet_size, self.address))
        if not expect_data:
            return reply, b""
        chunks, size, wire = [], 0, 0
        while True:
            # Each data packet must follow the last within the timeout; the total is
            # capped, so a stream that never ends cannot hold the caller forever.
            coming = max(0, expect_data - wire) if expect_data is not True else 0
            packet = self._read_packet(time.monotonic() + timeout, coming)
            wire += packet.wire_size()
            if packet.pid not in (PID.DATA, PID.END_DATA):
                raise UnexpectedPacket(f"expected a data packet, got packet id 0x{packet.pid:02X}")
            chunks.append(packet.payload)
            size += len(packet.payload)
            if size > MAX_BULK_BYTES:
                raise UnexpectedPacket(f"bulk transfer longer than {MAX_BULK_BYTES} bytes")
            if packet.pid == PID.END_DATA:
                return reply, b"".join(chunks)

    # ---- system commands --------------------------------------------------------------------
    def verify_password(self, password: int | None = None) -> None:
        if password is not None:
            self.password = password
        self._transact(Instruction.VFY_PWD, self.password.to_bytes(4, "big"))

    def set_password(self, new_password: int) -> None:
        self._transact(Instruction.SET_PWD, new_password.to_bytes(4, "big"))
        self.password = new_password

    def set_address(self, new_address: int) -> None:
        try:
            self._transact(Instruction.SET_ADDER, new_address.to_bytes(4, "big"), retries=0)
        except SensorTimeout:
            pass  # the reply may have been lost; the check below tells
        old, self.address = self.address, new_address
        try:
            self.read_system_parameters()
        except SensorError:
            self.address = old
            raise

    def read_system_parameters(self) -> SystemParameters:
        ack, _ = self._transact(Instruction.READ_SYS_PARA)
        params = SystemParameters.from_payload(ack.payload[1:])
        if params.packet_size:
            self.packet_size = params.packet_size
        return params

    def set_system_parameter(self, param: int, value: int) -> None:
        self._transact(Instruction.SET_SYS_PARA, param, value)

    def set_security_level(self, level: int) -> None:
        if not 1 <= level <= 5:
            raise ValueError("security level must be 1..5")
        self.set_system_parameter(SysParam.SECURITY_LEVEL, level)

    def set_packet_size(self, size: int) -> None:
        if size not in PACKET_SIZES:
            raise ValueError(f"packet size must be one of {PACKET_SIZES}")
        self.set_system_parameter(SysParam.PACKET_SIZE, PACKET_SIZES.index(size))
        self.packet_size = size

    def set_baud(self, baud: int) -> None:
        """Switch the module and then this port to ``baud``; confirmed by a read-back."""
        if baud not in SUPPORTED_BAUDS:
            raise ValueError(f"baud rate {baud} is not N x 9600 with N in 1..12")
        try:
            self._transact(Instruction.SET_SYS_PARA, SysParam.BAUD, baud // BAUD_UNIT, retries=0)
        except SensorTimeout:
            pass  # reply lost: the module may already be at the new rate; checked below
        old = self.baud
        self._set_port_baud(baud)
        try:
            self.read_system_parameters()
        except SensorError:
            self._set_port_baud(old)
            raise

    def _set_port_baud(self, baud: int) -> None:
        time.sleep(0.01)  # let the module switch its UART after the reply
        self.baud = baud
        if self._ser is not None:
            self._ser.baudrate = baud
        self._drain(quiet=0.0, limit=0.1)

    def negotiate(self, baud: int = 115200, packet_size: int = 256) -> SystemParameters:
        """Move to the fastest link the module allows (fewer packets, faster wire)."""
        params = self.read_system_parameters()
        if params.packet_size != packet_size:
            try:
                self.set_packet_size(packet_size)
            except SensorReplyError:
                log.info("sensor keeps %d-byte packets", params.packet_size)
        if params.baud != baud:
            try:
                self.set_baud(baud)
            except SensorError:
                log.info("sensor stays at %d baud", self.baud)
        return self.read_system_parameters()

    def restore_factory_link(self) -> SystemParameters:
        """Back to 57600 baud and 128-byte packets, the modules' factory settings."""
        self.set_packet_size(FACTORY_PACKET_SIZE)
        if self.baud != FACTORY_BAUD:
            self.set_baud(FACTORY_BAUD)
        return self.read_system_parameters()

    def get_random_code(self) -> int:
        ack, _ = self._transact(Instruction.GET_RANDOM_CODE)
        return int.from_bytes(ack.payload[1:5], "big")

    def handshake(self) -> None:
        self._transact(Instruction.HANDSHAKE)

    def aura_led(self, mode: LedMode | int, colour: LedColour | int = LedColour.BLUE,
                 speed: int = 0x80, count: int = 0) -> None:
        """R503 LED ring: mode (breathing, flashing, on, off, fade), colour, speed, repeats."""
        self._transact(Instruction.AURA_LED_CONFIG, int(mode), speed & 0xFF, int(colour),
                       count & 0xFF)

    # ---- images and features -----------------------------------------------------------------
    def gen_img(self) -> None:
        """Capture the finger on the glass into the image buffer; NoFinger if none."""
        self._transact(Instruction.GEN_IMG)

    def wait_for_finger(self, timeout: float = 10.0, poll: float = 0.05) -> None:
        """Repeat GenImg until a finger is captured; NoFinger after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.gen_img()
                return
            except NoFinger:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(poll)

    def up_image(self) -> np.ndarray:
        """Upload the image buffer as a 288 x 256 uint8 array (4-bit levels x 17)."""
        wire = sum(p.wire_size() for p in codec.data_packets(bytes(IMAGE_BYTES), self.packet_size))
        _, data = self._transact(Instruction.UP_IMAGE, expect_data=wire)
        return codec.unpack_image(data)

    def down_image(self, image: np.ndarray) -> None:
        self._transact(Instruction.DOWN_IMAGE, data_out=codec.pack_image(image))

    def capture(self, timeout: float = 10.0) -> np.ndarray:
        """Wait for a finger, capture and upload its image."""
        self.wait_for_finger(timeout)
        return self.up_image()

    def img2tz(self, buffer: int = 1) -> None:
        self._transact(Instruction.IMG2TZ, _buffer(buffer))

    def reg_model(self) -> None:
        self._transact(Instruction.REG_MODEL)

    def store(self, page: int, buffer: int = 1) -> None:
        self._transact(Instruction.STORE, _buffer(buffer), page.to_bytes(2, "big"))

    def load_char(self, page: int, buffer: int = 1) -> None:
        self._transact(Instruction.LOAD_CHAR, _buffer(buffer), page.to_bytes(2, "big"))

    def up_char(self, buffer: int = 1) -> bytes:
        _, data = self._transact(Instruction.UP_CHAR, _buffer(buffer), expect_data=True)
        return data

    def down_char(self, data: bytes, buffer: int = 1, verify: bool = True) -> None:
        """Download a character file; the module does not acknowledge data packets,
        so ``verify`` reads it back and sends again when the line garbled it."""
        if len(data) != CHAR_FILE_SIZE:
            raise ValueError(f"a character file is {CHAR_FILE_SIZE} bytes, got {len(data)}")
        for attempt in range(self.retries + 1):
            if attempt:
                self.stats["retries"] += 1
            self._transact(Instruction.DOWN_CHAR, _buffer(buffer), data_out=bytes(data))
            if not verify:
                return
            try:
                if self.up_char(buffer) == data:
                    return
            except UploadError:
                pass  # nothing arrived in the buffer: send again
        raise ReceiveError("the character file did not arrive intact at the sensor")

    def match(self) -> MatchResult:
        ack, _ = self._transact(Instruction.MATCH, ok_codes=(Code.OK, Code.NO_MATCH))
        score = int.from_bytes(ack.payload[1:3], "big")
        return MatchResult(ack.code == Code.OK, score)

    def search(self, buffer: int = 1, start: int = 0, count: int | None = None,
               ) -> SearchResult | None:
        if count is None:
            count = self.read_system_parameters().capacity - start
        ack, _ = self._transact(Instruction.SEARCH, _buffer(buffer), start.to_bytes(2, "big"),
                                count.to_bytes(2, "big"), ok_codes=(Code.OK, Code.NOT_FOUND),
                                timeout=self.timeout + count / 1000)
        if ack.code == Code.NOT_FOUND:
            return None
        return SearchResult(int.from_bytes(ack.payload[1:3], "big"),
                            int.from_bytes(ack.payload[3:5], "big"))

    # ---- the template library -------------------------------------------------------------------
    def delete(self, page: int, count: int = 1) -> None:
        self._transact(Instruction.DELET_CHAR, page.to_bytes(2, "big"), count.to_bytes(2, "big"))

    def empty(self) -> None:
        self._transact(Instruction.EMPTY)

    def template_count(self) -> int:
        ack, _ = self._transact(Instruction.TEMPLETE_NUM)
        return int.from_bytes(ack.payload[1:3], "big")

    def read_index_table(self, table: int = 0) -> list[int]:
        """Used pages in index table ``table`` (pages table*256 .. table*256+255)."""
        ack, _ = self._transact(Instruction.READ_INDEX_TABLE, table)
        bits = ack.payload[1:33]
        return [table * 256 + i * 8 + b for i, byte in enumerate(bits) for b in range(8)
                if byte >> b & 1]

    def used_pages(self) -> list[int]:
        capacity = self.read_system_parameters().capacity
        tables = min(4, (capacity + 255) // 256)
        return [p for t in range(tables) for p in self.read_index_table(t) if p < capacity]


def _buffer(buffer: int) -> int:
    if buffer not in (1, 2):
        raise ValueError("char buffer must be 1 or 2")
    return buffer


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
