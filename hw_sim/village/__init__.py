"""A simulated village: everyone enrols and comes to the kiosk each period; the report
(exclusion, inclusion, officer load, time) is computed from the hub's books.

``run(...)`` does it all; population.py and behaviour.py hold the stated assumptions,
simulate.py drives the real kiosk parts, report.py computes the figures (pure),
document.py and plots.py write them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

QUICK_PEOPLE = 10


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sidik" / "village"


def run(people: int, periods: int, seed: int, out: Path | None, cache: Path | None,
        workers: int = 1, quick: bool = False, command: str = "", log=lambda _m: None) -> dict:
    """Simulate, compute the report; write Markdown and plots to ``out`` when given."""
    from . import report as rp
    from .simulate import run_village

    with tempfile.TemporaryDirectory(prefix="sidik-village-") as work:
        events, truth = run_village(people, periods, seed, Path(work), cache, workers,
                                    every_kind=quick, log=log)
    r = rp.compute(events, truth)
    if out is not None:
        write(r, Path(out), command)
    return r


def write(r: dict, out: Path, command: str) -> None:
    """README.md, the plots and figures.json (everything the text is made from)."""
    import json

    from . import document, plots

    pngs = plots.draw_all(r, out)
    (out / "README.md").write_text(document.markdown(r, command, [p.name for p in pngs]),
                                   encoding="utf-8")
    (out / "figures.json").write_text(json.dumps({"command": command, **r}, indent=1) + "\n",
                                      encoding="utf-8")
