"""Flow control of the outbox: reconnect backoff and the in-flight window. Pure."""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Exponential backoff with full jitter: after the n-th failure wait
    uniform(floor, min(cap, base * 2**n)). Jitter spreads a whole village's kiosks
    over the window instead of all reconnecting in the same second after an outage."""

    base: float = 0.5
    cap: float = 60.0
    floor: float = 0.05
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.failures, 30))
        self.failures += 1
        return self.rng.uniform(min(self.floor, ceiling), ceiling)

    def reset(self) -> None:
        self.failures = 0


class Window:
    """Events sent but not yet acknowledged by the hub, oldest first (go-back-N).

    The hub only books an event whose predecessor it already holds, so when the
    oldest one is not acknowledged in time everything after it is resent too.
    """

    def __init__(self, size: int = 100, ack_timeout: float = 10.0):
        if size < 1:
            raise ValueError("window size must be at least 1")
        self.size = size
        self.ack_timeout = ack_timeout
        self._sent: OrderedDict[int, float] = OrderedDict()  # seq -> time sent
        self.next_seq = 0  # the next seq to send; 0: start at the oldest pending

    def __len__(self) -> int:
        return len(self._sent)

    @property
    def free(self) -> int:
        return self.size - len(self._sent)

    def sent(self, seq: int, now: float) -> None:
        self._sent[seq] = now
        self.next_seq = seq + 1

    def acked(self, seqs) -> None:
        for s in seqs:
            self._sent.pop(s, None)

    def oldest(self) -> tuple[int, float] | None:
        return next(iter(self._sent.items()), None)

    def expired(self, now: float) -> bool:
        oldest = self.oldest()
        return oldest is not None and now - oldest[1] >= self.ack_timeout

    def go_back(self, seq: int | None = None) -> None:
        """Forget what is in flight; send again from ``seq`` (or the oldest pending)."""
        self._sent.clear()
        self.next_seq = seq or 0

    def sent_at(self, seq: int) -> float | None:
        return self._sent.get(seq)
