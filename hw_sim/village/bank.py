"""Synthetic impressions for the village, with the masters cached on disk.

A master costs about two seconds of CPU and a village needs hundreds, so masters are
grown once (in parallel up front for the fingers everyone will use) and kept as
pickles keyed by the generator's source hash: a changed generator never reuses them.
Impressions are cheap (tens of ms) and drawn fresh, deterministic in their index.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

# Conditions of our own on top of the generator's: "faint" is a worn finger at 8 % of
# its contrast, worn nearly smooth: the person with no usable print. (A normal print at a
# sixth of its contrast still passes the quality gate, which normalises contrast.)
FAINT_CONTRAST = 0.08


def generator_version() -> str:
    import hw_sim.fingerprints as fp

    h = hashlib.sha256()
    for path in sorted(Path(fp.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _build(key: tuple[int, int], path: str) -> None:
    from hw_sim.fingerprints.master import build_master

    master = build_master(*key)
    tmp = Path(path + ".tmp")
    tmp.write_bytes(pickle.dumps(master, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


class ImpressionBank:
    """``bank(identity, finger, condition, index) -> image``; the ``ImpressionFn`` of
    :class:`kiosk.runtime.capture.SimulatedFingers`."""

    def __init__(self, cache_dir: str | Path | None, memory: int = 64):
        self.dir = Path(cache_dir) / f"masters-{generator_version()}" if cache_dir else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)
        self.masters: OrderedDict = OrderedDict()
        self.memory = memory
        self.built = 0  # masters grown by this bank (not found in the cache)

    def _path(self, identity: int, finger: int) -> Path | None:
        return self.dir / f"{identity}_{finger}.pkl" if self.dir else None

    def prebuild(self, keys, workers: int = 1) -> int:
        """Grow the masters of ``keys`` (identity, finger) not yet on disk; returns how many."""
        if not self.dir:
            return 0
        todo = sorted({k for k in keys if not self._path(*k).exists()})
        if workers > 1 and len(todo) > 1:
            # Spawned, not forked: the caller may have threads running (reporter, hub).
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                list(pool.map(_build, todo, [str(self._path(*k)) for k in todo], chunksize=1))
        else:
            for k in todo:
                _build(k, str(self._path(*k)))
        self.built += len(todo)
        return len(todo)

    def master(self, identity: int, finger: int):
        key = (identity, finger)
        if key in self.masters:
            self.masters.move_to_end(key)
            return self.masters[key]
        path = self._path(identity, finger)
        if path is not None and not path.exists():
            self.prebuild([key])
        if path is not None:
            master = pickle.loads(path.read_bytes())
        else:
            from hw_sim.fingerprints.master import build_master

            master = build_master(identity, finger)
            self.built += 1
        self.masters[key] = master
        if len(self.masters) > self.memory:
            self.masters.popitem(last=False)
        return master

    def __call__(self, identity: int, finger: int, condition: str, index: int) -> np.ndarray:
        from hw_sim.fingerprints import make_impression

        if condition == "faint":
            base = self(identity, finger, "worn", index).astype(np.float32)
            return (255 - (255 - base) * FAINT_CONTRAST).astype(np.uint8)
        return make_impression(self.master(identity, finger), index=index,
                               condition=condition).image
