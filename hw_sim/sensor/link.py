"""Byte links a serial client can open: a pseudo-terminal or a TCP socket.

Both survive clients coming and going, and can be "unplugged" for a while the
way a USB-serial adapter disappears: the pty's stable path (a symlink) then
points at a fresh pty, and the TCP port is closed and reopened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import tempfile
import termios
import threading
import time
import tty

# termios speed constants -> baud, for the standard rates the module supports.
_SPEEDS = {getattr(termios, f"B{b}"): b for b in
           (9600, 19200, 38400, 57600, 115200, 230400) if hasattr(termios, f"B{b}")}


class Link:
    """Interface of a simulated serial link (see PtyLink and TcpLink)."""

    url: str

    def read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def host_baud(self) -> int | None:
        """The baud rate the client configured, where the link can tell."""
        return None

    def unplug(self) -> None:
        raise NotImplementedError

    def replug(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class PtyLink(Link):
    """A pseudo-terminal; ``url`` is a stable symlink to its slave side."""

    def __init__(self, path: str | None = None):
        if path is None:
            self._dir = tempfile.mkdtemp(prefix="sidik-sensor-")
            path = os.path.join(self._dir, "ttySIM0")
        else:
            self._dir = None
        self.url = path
        self._lock = threading.Lock()
        self._master = self._slave = -1
        self.replug()

    def replug(self) -> None:
        with self._lock:
            if self._master >= 0:
                return
            master, slave = os.openpty()
            # Raw mode: the line discipline must not echo or translate bytes (0x0D!).
            tty.setraw(slave)
            os.set_blocking(master, False)
            tmp = f"{self.url}.new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self.url)
            # Holding the slave open keeps the master readable when no client is attached.
            self._master, self._slave = master, slave

    def unplug(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    os.close(fd)
            self._master = self._slave = -1
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.url)

    def read(self, timeout: float) -> bytes:
        master = self._master
        if master < 0:
            time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            return os.read(master, 65536) if ready else b""
        except (OSError, ValueError):
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + 1.0
        while view and time.monotonic() < deadline:
            master = self._master
            if master < 0:
                return  # unplugged: bytes go nowhere, as on a pulled cable
            try:
                n = os.write(master, view)
                view = view[n:]
            except BlockingIOError:
                # The host is not reading; a UART would overrun, so wait a little, then drop.
                with contextlib.suppress(OSError, ValueError):
                    select.select([], [master], [], 0.05)
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return
                raise

    def host_baud(self) -> int | None:
        try:
            attrs = termios.tcgetattr(self._slave)
        except (termios.error, OSError, ValueError):
            return None
        return _SPEEDS.get(attrs[5])

    def close(self) -> None:
        self.unplug()
        if self._dir:
            with contextlib.suppress(OSError):
                os.rmdir(self._dir)


class TcpLink(Link):
    """A TCP port (``socket://127.0.0.1:PORT``); a new client replaces the old one."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        self.host = host
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None
        self.port = port
        self.replug()
        self.url = f"socket://{host}:{self.port}"

    def replug(self) -> None:
        if self._server is not None:
            return
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(4)
        self.port = server.getsockname()[1]
        self._server = server

    def unplug(self) -> None:
        for sock in (self._client, self._server):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self._client = self._server = None

    def read(self, timeout: float) -> bytes:
        server, client = self._server, self._client
        watch = [s for s in (server, client) if s is not None]
        if not watch:
            time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select(watch, [], [], timeout)
        except (OSError, ValueError):
            return b""
        if server is not None and server in ready:
            with contextlib.suppress(OSError):
                conn, _ = server.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self._client is not None:
                    self._client.close()
                self._client = client = conn
        if client is not None and client in ready:
            try:
                data = client.recv(65536)
            except OSError:
                data = b""
            if not data:
                client.close()
                if self._client is client:
                    self._client = None
            return data
        return b""

    def write(self, data: bytes) -> None:
        client = self._client
        if client is None:
            return
        try:
            client.settimeout(1.0)
            client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.unplug()
