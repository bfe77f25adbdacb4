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
        workers: int = 1, quick: bool = False, command: str = "", log=lambda _m: None,
        records: Path | None = None, impostor_attempts: int = 0) -> dict:
    """Simulate, compute the report; write Markdown and plots to ``out`` when given, and
    the hub's events with the ground truth to ``records`` (to recompute the report)."""
    from . import report as rp
    from .simulate import run_village

    with tempfile.TemporaryDirectory(prefix="sidik-village-") as work:
        events, truth = run_village(people, periods, seed, Path(work), cache, workers,
                                    every_kind=quick, log=log,
                                    impostor_attempts=impostor_attempts)
    if records is not None:
        save_records(Path(records), events, truth, command)
    r = rp.compute(events, truth)
    if out is not None:
        write(r, Path(out), command)
    return r


def save_records(path: Path, events: list[dict], truth, command: str) -> None:
    import dataclasses
    import gzip
    import json

    data = {"command": command, "events": events,
            "truth": {**dataclasses.asdict(truth), "nik_key": truth.nik_key.hex()}}
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(data, f)


def load_records(path: Path) -> tuple[list[dict], object, str]:
    """(hub events, Truth, command) saved by ``run(..., records=...)``."""
    import gzip
    import json

    from .population import Person
    from .simulate import Truth

    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    t = data["truth"]
    t["people"] = [Person(**p) for p in t["people"]]
    t["nik_key"] = bytes.fromhex(t["nik_key"])
    return data["events"], Truth(**t), data["command"]


def recompute(records: Path, out: Path) -> dict:
    """The report again from saved records (after a change to the report's code)."""
    from . import report as rp

    events, truth, command = load_records(records)
    r = rp.compute(events, truth)
    write(r, out, command)
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
