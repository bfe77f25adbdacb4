"""Writers: FVC-style folder, training stream and the ``kiosk sim fingerprints`` CLI."""

import argparse
import json

import numpy as np
import pytest

from hw_sim.fingerprints.dataset import ImpressionStream
from hw_sim.fingerprints.writers import minutiae_from_truth, read_fvc_folder, write_fvc_folder
from kiosk.cli import sim_fingerprints
from kiosk.cli.common import CliError


def test_fvc_folder_round_trip(tmp_path):
    # first_identity=0 with 2 fingers uses masters (0, 0) and (0, 1).
    write_fvc_folder(tmp_path, fingers=2, impressions=2, condition="mixed", seed=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "101_1.json", "101_1.png", "101_2.json", "101_2.png",
        "102_1.json", "102_1.png", "102_2.json", "102_2.png", "index.json",
    ]  # fmt: skip
    rows = list(read_fvc_folder(tmp_path))
    assert [(f, i) for f, i, _, _ in rows] == [(101, 1), (101, 2), (102, 1), (102, 2)]
    for _, _, img, truth in rows:
        assert img.shape == (288, 256) and img.dtype == np.uint8
        m = minutiae_from_truth(truth)
        assert m.shape[1] == 4 and len(m) == len(truth["minutiae_ids"])
        assert truth["condition"] in ("normal", "dry", "wet", "worn", "labourer", "partial")
        ori = np.asarray(truth["orientation"])
        assert ori.shape == (36, 32)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["fingers"] == 2 and index["condition"] == "mixed"


def test_stream_batches():
    s = ImpressionStream(fingers=2, per_batch=2, per_finger=2, pool=2, batches=2, seed=0)
    batches = list(s)
    assert len(batches) == 2
    imgs, labels = batches[0]
    assert imgs.shape == (4, 288, 256) and imgs.dtype == np.uint8
    assert sorted(labels.tolist()) == [0, 0, 1, 1]
    again = next(iter(s))
    assert np.array_equal(again[0], imgs)  # reproducible
    # Never the same impression twice in a pass.
    flat = np.concatenate([b[0] for b in batches])
    assert len({a.tobytes() for a in flat}) == len(flat)
    with pytest.raises(ValueError):
        ImpressionStream(fingers=2, condition="muddy")


def _parser():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command")
    sim = sub.add_parser("sim").add_subparsers(dest="sim_command")
    sim_fingerprints.register(sim)
    return ap


def test_cli_writes_a_tiny_set(tmp_path, capsys):
    out = tmp_path / "set"
    args = _parser().parse_args(
        ["sim", "fingerprints", "--fingers", "1", "--impressions", "2", "--out", str(out),
         "--condition", "wet", "--quiet"]
    )  # fmt: skip
    assert args.func(args) == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["101_1.png", "101_2.png"]
    assert json.loads((out / "101_2.json").read_text())["condition"] == "wet"
    assert "wrote 2 impressions" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [["--condition", "muddy"], ["--fingers", "0"], ["--size", "big"]],
)
def test_cli_user_errors(tmp_path, extra):
    argv = ["sim", "fingerprints", "--fingers", "1", "--impressions", "1", "--out", str(tmp_path)]
    args = _parser().parse_args(argv + extra)
    with pytest.raises(CliError):
        args.func(args)


def test_cli_is_registered_under_sim():
    from kiosk.cli import sim

    assert "kiosk.cli.sim_fingerprints" in sim.SIM_MODULES
