"""The running simulated sensor: firmware + link + line-rate pacing + faults."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.errors import BadPacket, ChecksumError
from firmware_bridge.r30x.protocol import PID

from .faults import FaultConfig, FaultInjector
from .firmware import Firmware, SensorSettings, Timing
from .glass import Glass
from .library import TemplateLibrary
from .link import Link, PtyLink, TcpLink

log = logging.getLogger(__name__)


class SensorSimulator:
    """A simulated R30x on a pty (default) or TCP, served by a background thread.

    ``pace=True`` sends bytes at the line rate of the configured baud rate and, unless
    ``realistic_timing=False``, takes the module's time for each operation; tests use
    ``pace=False``.
    """

    def __init__(self, *, transport: str = "pty", tcp_port: int = 0, pty_path: str | None = None,
                 settings: SensorSettings | None = None, library_path: str | Path | None = None,
                 faults: FaultConfig | None = None, pace: bool = False, strict_baud: bool = True,
                 realistic_timing: bool | None = None, seed: int = 0):
        settings = settings or SensorSettings()
        if realistic_timing is None:
            realistic_timing = pace
        if realistic_timing and settings.timing == Timing():
            settings.timing = Timing.realistic()
        self.glass = Glass()
        library = TemplateLibrary(settings.capacity, library_path)
        self.firmware = Firmware(settings, self.glass, library, seed=seed)
        self.faults = FaultInjector(faults)
        self.pace = pace
        self.strict_baud = strict_baud
        self.link: Link = TcpLink(tcp_port) if transport == "tcp" else PtyLink(pty_path)
        self._baud = settings.baud
        self._line_free_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._replug_at: float | None = None
        self.bytes_sent = 0
        self.dropped_for_baud = 0

    # ---- lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.link.url

    def start(self) -> SensorSimulator:
        self._thread = threading.Thread(target=self._run, name="sensor-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.link.close()

    def __enter__(self) -> SensorSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the finger API ---------------------------------------------------------------
    def place(self, image) -> None:
        self.glass.place(image)

    def place_synthetic(self, identity: int, finger: int = 0, condition: str = "normal",
                        seed: int = 0, first_index: int = 0) -> None:
        self.glass.place_synthetic(identity, finger, condition, seed, first_index)

    def lift(self) -> None:
        self.glass.lift()

    def script(self, steps) -> None:
        self.glass.script(steps)

    # ---- faults -------------------------------------------------------------------------
    def unplug(self, seconds: float | None = None) -> None:
        """Pull the cable; plug it back after ``seconds`` (None: until :meth:`replug`)."""
        self.link.unplug()
        # A pulled USB adapter powers the module down: RAM state is lost.
        self.firmware.power_cycle()
        self._baud = self.firmware.settings.baud
        self._replug_at = None if seconds is None else time.monotonic() + seconds

    def replug(self) -> None:
        self._replug_at = None
        self.link.replug()

    # ---- the serving loop -------------------------------------------------------------
    def _run(self) -> None:
        decoder = codec.StreamDecoder()
        while not self._stop.is_set():
            if self._replug_at is not None and time.monotonic() >= self._replug_at:
                self.replug()
            data = self.link.read(0.05)
            if not data:
                continue
            if self._baud_mismatch():
                # At the wrong rate the module's UART sees framing errors, not bytes.
                self.dropped_for_baud += len(data)
                decoder.reset()
                continue
            try:
                for event in decoder.feed(self.faults.incoming(data)):
                    self._serve(event)
            except Exception:  # the simulator must outlive any bug a fuzzer finds
                log.exception("sensor simulator: error while serving a packet")
                decoder.reset()

    def _serve(self, event) -> None:
        fw = self.firmware
        if isinstance(event, ChecksumError):
            replies = fw.corrupted_packet()
        elif isinstance(event, BadPacket):
            return
        else:
            if event.pid == PID.COMMAND and self.faults.ignore_command():
                return
            replies = fw.handle(event)
        if fw.busy_seconds:
            time.sleep(fw.busy_seconds)
        stall = self.faults.stall()
        if stall:
            time.sleep(stall)
        for packet in replies:
            self._send(self.faults.outgoing(codec.encode(packet)))
        if fw.pending_baud:
            self._baud, fw.pending_baud = fw.pending_baud, None
        pause = self.faults.disconnect()
        if pause:
            self.unplug(pause)

    def _baud_mismatch(self) -> bool:
        if not self.strict_baud:
            return False
        host = self.link.host_baud()
        return host is not None and host != self._baud

    def _send(self, data: bytes) -> None:
        if self._baud_mismatch():
            data = self.firmware.rng.randbytes(len(data))
        self.bytes_sent += len(data)
        if not self.pace:
            self.link.write(data)
            return
        byte_time = 10.0 / self._baud  # start + 8 data + stop bits
        t = max(time.monotonic(), self._line_free_at)
        step = max(16, self._baud // 10 // 250)  # about 4 ms of line time per write
        for i in range(0, len(data), step):
            piece = data[i : i + step]
            # A byte is on the host's side only once its stop bit has gone by.
            t += len(piece) * byte_time
            delay = t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.link.write(piece)
        self._line_free_at = t
