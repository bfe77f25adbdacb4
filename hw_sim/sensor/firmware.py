"""The R30x module firmware as a pure state machine: packets in, packets out.

No I/O and no clock: the transport feeds decoded packets to :meth:`Firmware.handle`
and sends back what it returns; it asks :attr:`Firmware.busy_seconds` how long the
module would have worked on the last command when it wants real-module timing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.codec import Packet
from firmware_bridge.r30x.protocol import (
    BAUD_UNIT,
    CHAR_FILE_SIZE,
    DEFAULT_ADDRESS,
    DEFAULT_PASSWORD,
    IMAGE_BYTES,
    PACKET_SIZES,
    PID,
    STATUS_IMAGE_VALID,
    STATUS_PASS,
    STATUS_PASSWORD_OK,
    SYSTEM_ID,
    Code,
    Instruction,
    SysParam,
)

from .glass import Glass
from .library import TemplateLibrary

NOTEPAD_PAGES = 16
NOTEPAD_PAGE_SIZE = 32


@dataclass
class Timing:
    """Seconds the module spends on each operation (zero in fast test mode)."""

    gen_img: float = 0.0
    img2tz: float = 0.0
    reg_model: float = 0.0
    match: float = 0.0
    search_per_1000: float = 0.0
    flash_write: float = 0.0

    @classmethod
    def realistic(cls) -> Timing:
        # Figures in the range the R30x/AS608 datasheets give.
        return cls(gen_img=0.2, img2tz=0.3, reg_model=0.1, match=0.05,
                   search_per_1000=0.3, flash_write=0.03)


@dataclass
class SensorSettings:
    """The module's persistent registers (kept in its flash on real hardware)."""

    capacity: int = 1000
    security_level: int = 3
    baud: int = 57600
    packet_size: int = 128
    address: int = DEFAULT_ADDRESS
    password: int = DEFAULT_PASSWORD
    led_ring: bool = True  # R503 has the Aura LED ring; R307/AS608 reply UNSUPPORTED
    timing: Timing = field(default_factory=Timing)


@dataclass
class LedState:
    mode: int = 0
    speed: int = 0
    colour: int = 0
    count: int = 0


class Firmware:
    """State and command handling of one sensor module."""

    def __init__(self, settings: SensorSettings | None = None, glass: Glass | None = None,
                 library: TemplateLibrary | None = None, seed: int = 0,
                 flash_error_rate: float = 0.0):
        self.settings = settings or SensorSettings()
        self.glass = glass if glass is not None else Glass()
        self.library = (library if library is not None
                        else TemplateLibrary(self.settings.capacity))
        self.settings.capacity = self.library.capacity
        self.rng = random.Random(seed)
        self.flash_error_rate = flash_error_rate
        self.image: np.ndarray | None = None
        self.char_buffers: dict[int, bytes | None] = {1: None, 2: None}
        self.password_ok = self.settings.password == DEFAULT_PASSWORD
        self.last_match = False
        self.notepad = [bytes(NOTEPAD_PAGE_SIZE)] * NOTEPAD_PAGES
        self.led = LedState()
        self.busy_seconds = 0.0
        self.pending_baud: int | None = None  # set when SetSysPara changed the rate
        self._receiving: tuple[str, int] | None = None  # ("image"|"char", buffer id)
        self._received = bytearray()
        self.commands_handled = 0

    # ---- entry points -------------------------------------------------------------
    def handle(self, packet: Packet) -> list[Packet]:
        """Process one packet from the host; returns the packets to send back."""
        self.busy_seconds = 0.0
        if packet.address != self.settings.address:
            return []  # a module ignores packets addressed to another module
        if packet.pid in (PID.DATA, PID.END_DATA):
            return self._receive_data(packet)
        if packet.pid != PID.COMMAND or not packet.payload:
            return []
        self._receiving = None
        self.commands_handled += 1
        instruction, args = packet.payload[0], packet.payload[1:]
        if not self.password_ok and instruction not in (Instruction.VFY_PWD, Instruction.HANDSHAKE):
            return [self._ack(Code.PASSWORD_REQUIRED)]
        handler = _HANDLERS.get(instruction)
        if handler is None:
            return [self._ack(Code.UNSUPPORTED)]
        try:
            return handler(self, bytes(args))
        except (IndexError, ValueError):
            # A command too short for its arguments, as real modules answer.
            return [self._ack(Code.PACKET_RECEIVE_ERROR)]

    def corrupted_packet(self) -> list[Packet]:
        """The host sent a frame with a bad checksum: the module says so."""
        self._receiving = None
        return [self._ack(Code.PACKET_RECEIVE_ERROR)]

    def power_cycle(self) -> None:
        """RAM state is lost; flash (settings, library, notepad) stays."""
        self.image = None
        self.char_buffers = {1: None, 2: None}
        self.password_ok = self.settings.password == DEFAULT_PASSWORD
        self._receiving = None
        self.led = LedState()

    @property
    def status_register(self) -> int:
        status = 0
        if self.last_match:
            status |= STATUS_PASS
        if self.password_ok:
            status |= STATUS_PASSWORD_OK
        if self.image is not None:
            status |= STATUS_IMAGE_VALID
        return status

    # ---- helpers --------------------------------------------------------------------
    def _ack(self, code: int, data: bytes = b"") -> Packet:
        return codec.ack(code, data, self.settings.address)

    def _data(self, data: bytes) -> list[Packet]:
        return codec.data_packets(data, self.settings.packet_size, self.settings.address)

    def _buffer_id(self, args: bytes) -> int:
        buf = args[0]
        if buf not in (1, 2):
            raise ValueError("char buffer must be 1 or 2")
        return buf

    def _flash_ok(self) -> bool:
        self.busy_seconds += self.settings.timing.flash_write
        return not (self.flash_error_rate and self.rng.random() < self.flash_error_rate)

    def _receive_data(self, packet: Packet) -> list[Packet]:
        if self._receiving is None:
            return []
        self._received += packet.payload
        if packet.pid != PID.END_DATA:
            return []
        kind, buf = self._receiving
        data, self._receiving = bytes(self._received), None
        if kind == "image":
            if len(data) == IMAGE_BYTES:
                self.image = codec.unpack_image(data)
        elif len(data) == CHAR_FILE_SIZE:
            self.char_buffers[buf] = data
        # Real modules send nothing after a download; the host reads back to check.
        return []

    # ---- system commands ----------------------------------------------------------
    def _vfy_pwd(self, args: bytes) -> list[Packet]:
        if len(args) < 4:
            raise ValueError("short password")
        ok = int.from_bytes(args[:4], "big") == self.settings.password
        self.password_ok = ok
        return [self._ack(Code.OK if ok else Code.WRONG_PASSWORD)]

    def _set_pwd(self, args: bytes) -> list[Packet]:
        if len(args) < 4:
            raise ValueError("short password")
        if not self._flash_ok():
            return [self._ack(Code.FLASH_ERROR)]
        self.settings.password = int.from_bytes(args[:4], "big")
        return [self._ack(Code.OK)]

    def _set_adder(self, args: bytes) -> list[Packet]:
        if len(args) < 4:
            raise ValueError("short address")
        self.settings.address = int.from_bytes(args[:4], "big")
        return [self._ack(Code.OK)]  # sent from the new address, as the datasheet says

    def _read_sys_para(self, args: bytes) -> list[Packet]:
        s = self.settings
        data = b"".join((
            self.status_register.to_bytes(2, "big"),
            SYSTEM_ID.to_bytes(2, "big"),
            s.capacity.to_bytes(2, "big"),
            s.security_level.to_bytes(2, "big"),
            s.address.to_bytes(4, "big"),
            PACKET_SIZES.index(s.packet_size).to_bytes(2, "big"),
            (s.baud // BAUD_UNIT).to_bytes(2, "big"),
        ))
        return [self._ack(Code.OK, data)]

    def _set_sys_para(self, args: bytes) -> list[Packet]:
        param, value = args[0], args[1]
        s = self.settings
        if param == SysParam.BAUD:
            if not 1 <= value <= 12:
                return [self._ack(Code.BAD_REGISTER_CONFIG)]
            self.pending_baud = value * BAUD_UNIT  # applies after this reply is sent
            s.baud = self.pending_baud
        elif param == SysParam.SECURITY_LEVEL:
            if not 1 <= value <= 5:
                return [self._ack(Code.BAD_REGISTER_CONFIG)]
            s.security_level = value
        elif param == SysParam.PACKET_SIZE:
            if value >= len(PACKET_SIZES):
                return [self._ack(Code.BAD_REGISTER_CONFIG)]
            s.packet_size = PACKET_SIZES[value]
        else:
            return [self._ack(Code.INVALID_REGISTER)]
        return [self._ack(Code.OK)]

    def _get_random_code(self, args: bytes) -> list[Packet]:
        return [self._ack(Code.OK, self.rng.getrandbits(32).to_bytes(4, "big"))]

    def _handshake(self, args: bytes) -> list[Packet]:
        return [self._ack(Code.OK)]

    def _check_sensor(self, args: bytes) -> list[Packet]:
        return [self._ack(Code.OK)]

    def _write_notepad(self, args: bytes) -> list[Packet]:
        page = args[0]
        if page >= NOTEPAD_PAGES:
            return [self._ack(Code.BAD_NOTEPAD_PAGE)]
        if len(args) < 1 + NOTEPAD_PAGE_SIZE:
            raise ValueError("short notepad page")
        self.notepad[page] = bytes(args[1 : 1 + NOTEPAD_PAGE_SIZE])
        return [self._ack(Code.OK)]

    def _read_notepad(self, args: bytes) -> list[Packet]:
        page = args[0]
        if page >= NOTEPAD_PAGES:
            return [self._ack(Code.BAD_NOTEPAD_PAGE)]
        return [self._ack(Code.OK, self.notepad[page])]

    def _aura_led(self, args: bytes) -> list[Packet]:
        if not self.settings.led_ring:
            return [self._ack(Code.UNSUPPORTED)]
        mode, speed, colour, count = args[0], args[1], args[2], args[3]
        if not 1 <= mode <= 6:
            return [self._ack(Code.BAD_REGISTER_CONFIG)]
        self.led = LedState(mode, speed, colour, count)
        return [self._ack(Code.OK)]

    # ---- image and features -------------------------------------------------------
    def _gen_img(self, args: bytes) -> list[Packet]:
        from . import onboard

        self.busy_seconds = self.settings.timing.gen_img
        image = self.glass.capture()
        if image is None or not onboard.finger_present(image):
            return [self._ack(Code.NO_FINGER)]
        self.image = image
        return [self._ack(Code.OK)]

    def _up_image(self, args: bytes) -> list[Packet]:
        if self.image is None:
            return [self._ack(Code.UPLOAD_IMAGE_ERROR)]
        return [self._ack(Code.OK), *self._data(codec.pack_image(self.image))]

    def _down_image(self, args: bytes) -> list[Packet]:
        self._receiving, self._received = ("image", 0), bytearray()
        return [self._ack(Code.OK)]

    def _img2tz(self, args: bytes) -> list[Packet]:
        buf = self._buffer_id(args)
        self.busy_seconds = self.settings.timing.img2tz
        if self.image is None:
            return [self._ack(Code.NO_VALID_IMAGE)]
        from . import onboard

        try:
            self.char_buffers[buf] = onboard.generate_char(self.image)
        except onboard.OnboardError as exc:
            return [self._ack(exc.code)]
        return [self._ack(Code.OK)]

    def _reg_model(self, args: bytes) -> list[Packet]:
        self.busy_seconds = self.settings.timing.reg_model
        a, b = self.char_buffers[1], self.char_buffers[2]
        if a is None or b is None:
            return [self._ack(Code.COMBINE_FAIL)]
        from . import onboard

        try:
            merged = onboard.combine(a, b)
        except onboard.OnboardError as exc:
            return [self._ack(exc.code)]
        self.char_buffers = {1: merged, 2: merged}
        return [self._ack(Code.OK)]

    def _up_char(self, args: bytes) -> list[Packet]:
        data = self.char_buffers[self._buffer_id(args)]
        if data is None:
            return [self._ack(Code.UPLOAD_TEMPLATE_ERROR)]
        return [self._ack(Code.OK), *self._data(data)]

    def _down_char(self, args: bytes) -> list[Packet]:
        self._receiving, self._received = ("char", self._buffer_id(args)), bytearray()
        return [self._ack(Code.OK)]

    def _score(self, a: bytes | None, b: bytes | None) -> int | None:
        if a is None or b is None:
            return None
        from . import onboard

        try:
            return onboard.score(a, b)
        except onboard.OnboardError:
            return None

    def _match(self, args: bytes) -> list[Packet]:
        self.busy_seconds = self.settings.timing.match
        score = self._score(self.char_buffers[1], self.char_buffers[2])
        if score is None:
            return [self._ack(Code.TEMPLATE_READ_ERROR, bytes(2))]
        from . import onboard

        self.last_match = score >= onboard.match_threshold(self.settings.security_level)
        code = Code.OK if self.last_match else Code.NO_MATCH
        return [self._ack(code, min(score, 0xFFFF).to_bytes(2, "big"))]

    def _search(self, args: bytes) -> list[Packet]:
        if len(args) < 5:
            raise ValueError("short search")
        from . import onboard

        buf = self._buffer_id(args)
        start = int.from_bytes(args[1:3], "big")
        count = int.from_bytes(args[3:5], "big")
        probe = self.char_buffers[buf]
        self.busy_seconds = self.settings.timing.search_per_1000 * min(
            count, self.library.capacity) / 1000
        if probe is None or not onboard.is_valid_char(probe):
            return [self._ack(Code.TEMPLATE_READ_ERROR, bytes(4))]
        threshold = onboard.match_threshold(self.settings.security_level)
        best_page, best_score = -1, -1
        for page, template in self.library.items(start, count):
            score = self._score(probe, template)
            if score is not None and score > best_score:
                best_page, best_score = page, score
        self.last_match = best_score >= threshold
        if not self.last_match:
            return [self._ack(Code.NOT_FOUND, bytes(4))]
        return [self._ack(Code.OK, best_page.to_bytes(2, "big") + best_score.to_bytes(2, "big"))]

    # ---- library ----------------------------------------------------------------------
    def _page(self, args: bytes, offset: int) -> int:
        if len(args) < offset + 2:
            raise ValueError("short page id")
        return int.from_bytes(args[offset : offset + 2], "big")

    def _store(self, args: bytes) -> list[Packet]:
        buf, page = self._buffer_id(args), self._page(args, 1)
        data = self.char_buffers[buf]
        if page >= self.library.capacity:
            return [self._ack(Code.BAD_PAGE_ID)]
        if data is None:
            return [self._ack(Code.TEMPLATE_READ_ERROR)]
        if not self._flash_ok():
            return [self._ack(Code.FLASH_ERROR)]
        self.library.store(page, data)
        return [self._ack(Code.OK)]

    def _load_char(self, args: bytes) -> list[Packet]:
        buf, page = self._buffer_id(args), self._page(args, 1)
        if page >= self.library.capacity:
            return [self._ack(Code.BAD_PAGE_ID)]
        data = self.library.get(page)
        if data is None:
            return [self._ack(Code.TEMPLATE_READ_ERROR)]
        self.char_buffers[buf] = data
        return [self._ack(Code.OK)]

    def _delet_char(self, args: bytes) -> list[Packet]:
        page, count = self._page(args, 0), self._page(args, 2)
        if page >= self.library.capacity or page + count > self.library.capacity:
            return [self._ack(Code.BAD_PAGE_ID)]
        if not self._flash_ok():
            return [self._ack(Code.DELETE_FAIL)]
        self.library.delete(page, count)
        return [self._ack(Code.OK)]

    def _empty(self, args: bytes) -> list[Packet]:
        if not self._flash_ok():
            return [self._ack(Code.CLEAR_FAIL)]
        self.library.clear()
        return [self._ack(Code.OK)]

    def _templete_num(self, args: bytes) -> list[Packet]:
        return [self._ack(Code.OK, len(self.library).to_bytes(2, "big"))]

    def _read_index_table(self, args: bytes) -> list[Packet]:
        table = args[0]
        if table > 3:
            return [self._ack(Code.BAD_REGISTER_CONFIG)]
        return [self._ack(Code.OK, self.library.index_table(table))]


_HANDLERS = {
    Instruction.GEN_IMG: Firmware._gen_img,
    Instruction.IMG2TZ: Firmware._img2tz,
    Instruction.MATCH: Firmware._match,
    Instruction.SEARCH: Firmware._search,
    Instruction.REG_MODEL: Firmware._reg_model,
    Instruction.STORE: Firmware._store,
    Instruction.LOAD_CHAR: Firmware._load_char,
    Instruction.UP_CHAR: Firmware._up_char,
    Instruction.DOWN_CHAR: Firmware._down_char,
    Instruction.UP_IMAGE: Firmware._up_image,
    Instruction.DOWN_IMAGE: Firmware._down_image,
    Instruction.DELET_CHAR: Firmware._delet_char,
    Instruction.EMPTY: Firmware._empty,
    Instruction.SET_SYS_PARA: Firmware._set_sys_para,
    Instruction.READ_SYS_PARA: Firmware._read_sys_para,
    Instruction.SET_PWD: Firmware._set_pwd,
    Instruction.VFY_PWD: Firmware._vfy_pwd,
    Instruction.GET_RANDOM_CODE: Firmware._get_random_code,
    Instruction.SET_ADDER: Firmware._set_adder,
    Instruction.WRITE_NOTEPAD: Firmware._write_notepad,
    Instruction.READ_NOTEPAD: Firmware._read_notepad,
    Instruction.TEMPLETE_NUM: Firmware._templete_num,
    Instruction.READ_INDEX_TABLE: Firmware._read_index_table,
    Instruction.AURA_LED_CONFIG: Firmware._aura_led,
    Instruction.CHECK_SENSOR: Firmware._check_sensor,
    Instruction.HANDSHAKE: Firmware._handshake,
}

__all__ = ["Firmware", "LedState", "SensorSettings", "Timing"]
