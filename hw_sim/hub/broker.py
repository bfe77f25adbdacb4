"""A private Mosquitto on a free local port, for benchmarks and simulations that must not
meet anyone else's traffic (tests with TLS and ACLs build their own configuration)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateBroker:
    """Anonymous, no persistence; ``extra`` lines go into its configuration. Restartable on
    the same port; also a context manager."""

    def __init__(self, folder: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        conf = [f"listener {self.port} 127.0.0.1", "allow_anonymous true",
                "persistence false", "log_dest none", *extra]
        if os.geteuid() == 0:  # mosquitto drops to user 'mosquitto' otherwise
            conf.insert(0, "user root")
        self.conf = Path(folder) / "mosquitto.conf"
        self.conf.write_text("\n".join(conf) + "\n")
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        try:
            self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise RuntimeError("mosquitto is not installed (apt install mosquitto)") from None
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def __enter__(self) -> PrivateBroker:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
