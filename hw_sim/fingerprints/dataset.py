"""Endless, reproducible batches of impressions for training a matcher.

Each batch holds ``per_batch`` fingers x ``per_finger`` impressions (the P x K
layout metric learning wants), labels being the finger's number in the set.
Building a master costs ~50 impressions, so batches are drawn from a pool of
``pool`` fingers that moves on through the set every ``batches_per_pool``
batches; impression indices are never repeated within a pass, so a finger
does not show the same image twice unless asked for more impressions than
``impressions`` allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .impression import SENSOR_SIZE, Impression, make_impression
from .master import make_master
from .writers import condition_for, finger_key


@dataclass
class ImpressionStream:
    """Iterable of ``(images, labels)`` (or ``(images, labels, impressions)``) batches.

    images: uint8 (B, h, w); labels: int64 (B,), finger number 0..fingers-1.
    """

    fingers: int = 1000
    per_batch: int = 16
    per_finger: int = 4
    condition: str = "mixed"
    seed: int = 0
    size: tuple[int, int] = SENSOR_SIZE
    pool: int = 64
    batches_per_pool: int = 32
    impressions: int = 1_000_000  # index space per finger
    first_identity: int = 0
    batches: int | None = None  # None: endless
    with_truth: bool = False

    def __post_init__(self) -> None:
        if self.per_batch > min(self.pool, self.fingers):
            raise ValueError("per_batch fingers must not exceed the pool or the set")
        condition_for(self.condition, 0, 0, self.seed)

    def __iter__(self) -> Iterator[tuple]:
        rng = np.random.default_rng(np.random.SeedSequence([0x57E, self.seed, self.fingers]))
        order = rng.permutation(self.fingers)
        used: dict[int, int] = {}
        start, made = 0, 0
        while self.batches is None or made < self.batches:
            window = order[np.arange(start, start + min(self.pool, self.fingers)) % self.fingers]
            for _ in range(self.batches_per_pool):
                if self.batches is not None and made >= self.batches:
                    return
                yield self._batch(rng.choice(window, self.per_batch, replace=False), used)
                made += 1
            start = (start + self.pool) % self.fingers

    def _batch(self, ks: np.ndarray, used: dict[int, int]):
        imgs, labels, imps = [], [], []
        for k in ks:
            k = int(k)
            master = make_master(*finger_key(k, self.first_identity), self.seed)
            for _ in range(self.per_finger):
                i = used.get(k, 0) % self.impressions
                used[k] = i + 1
                cond = condition_for(self.condition, k, i, self.seed)
                imp: Impression = make_impression(master, i, cond, self.size)
                imgs.append(imp.image)
                labels.append(k)
                imps.append(imp)
        out = (np.stack(imgs), np.asarray(labels, np.int64))
        return (*out, imps) if self.with_truth else out


def stream(**kwargs) -> ImpressionStream:
    """Shorthand for :class:`ImpressionStream` (same keyword arguments)."""
    return ImpressionStream(**kwargs)
