"""Seeded, deterministic fault injection for the simulated serial link.

The same seed and the same traffic give the same faults, so a failing fuzz or
fault test can be replayed exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields


@dataclass
class FaultConfig:
    """Rates are probabilities: per byte for bit flips and drops, else per packet/command."""

    seed: int = 0
    bit_flip_rate: float = 0.0  # sensor -> host bytes with one bit flipped
    drop_rate: float = 0.0  # sensor -> host bytes lost
    garbage_rate: float = 0.0  # replies preceded by 1..32 random bytes
    rx_bit_flip_rate: float = 0.0  # host -> sensor bytes with one bit flipped
    stall_rate: float = 0.0  # replies held back for stall_s before sending
    stall_s: float = 0.5
    busy_rate: float = 0.0  # commands the busy module never answers
    disconnect_rate: float = 0.0  # commands after which the link drops
    disconnect_s: float = 0.5

    @classmethod
    def parse(cls, text: str) -> FaultConfig:
        """``"bit_flip_rate=1e-4,garbage_rate=0.01,seed=3"`` -> FaultConfig."""
        config = cls()
        names = {f.name: f.type for f in fields(cls)}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, _, value = item.partition("=")
            key = key.strip().replace("-", "_")
            if key not in names or not value:
                valid = ", ".join(names)
                raise ValueError(f"bad fault setting {item!r}; use name=value with names: {valid}")
            setattr(config, key, int(value) if key == "seed" else float(value))
        return config

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self)
                   if f.name.endswith("_rate"))


class FaultInjector:
    """Applies a FaultConfig to traffic; every decision comes from one seeded RNG."""

    def __init__(self, config: FaultConfig | None = None):
        self.config = config or FaultConfig()
        self.rng = random.Random(self.config.seed)
        self.counts = {"bit_flips": 0, "drops": 0, "garbage": 0, "stalls": 0,
                       "busy": 0, "disconnects": 0, "rx_bit_flips": 0}

    def _corrupt(self, data: bytes, flip_rate: float, drop_rate: float, key: str) -> bytes:
        if not (flip_rate or drop_rate) or not data:
            return data
        out = bytearray()
        rng = self.rng
        for byte in data:
            if drop_rate and rng.random() < drop_rate:
                self.counts["drops"] += 1
                continue
            if flip_rate and rng.random() < flip_rate:
                byte ^= 1 << rng.randrange(8)
                self.counts[key] += 1
            out.append(byte)
        return bytes(out)

    def outgoing(self, data: bytes) -> bytes:
        """Bytes of one reply packet, as they arrive at the host."""
        c = self.config
        if c.garbage_rate and self.rng.random() < c.garbage_rate:
            self.counts["garbage"] += 1
            data = self.rng.randbytes(self.rng.randint(1, 32)) + data
        return self._corrupt(data, c.bit_flip_rate, c.drop_rate, "bit_flips")

    def incoming(self, data: bytes) -> bytes:
        return self._corrupt(data, self.config.rx_bit_flip_rate, 0.0, "rx_bit_flips")

    def ignore_command(self) -> bool:
        if self.config.busy_rate and self.rng.random() < self.config.busy_rate:
            self.counts["busy"] += 1
            return True
        return False

    def stall(self) -> float:
        if self.config.stall_rate and self.rng.random() < self.config.stall_rate:
            self.counts["stalls"] += 1
            return self.config.stall_s
        return 0.0

    def disconnect(self) -> float:
        if self.config.disconnect_rate and self.rng.random() < self.config.disconnect_rate:
            self.counts["disconnects"] += 1
            return self.config.disconnect_s
        return 0.0
