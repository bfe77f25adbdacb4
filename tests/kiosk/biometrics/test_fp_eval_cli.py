"""``kiosk eval fingerprints`` on a small generated folder."""

import json

import pytest
from PIL import Image

from hw_sim.fingerprints import impression
from kiosk.cli.app import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("fvc")
    for f in range(2):
        for i in range(3):
            img = impression(900 + f, 3, i).image
            Image.fromarray(img).save(d / f"{101 + f}_{i + 1}.png")
    (d / "notes.txt").write_text("ignored")
    return d


def test_eval_json_and_outputs(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["eval", "fingerprints", str(folder), "--json", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["genuine_pairs"] == 6 and figures["impostor_pairs"] == 9
    for key in ("eer", "fnmr_at_fmr_1e-2", "fnmr_at_fmr_1e-3", "failures", "extract_ms",
                "compare_ms"):
        assert key in figures
    assert 0.0 <= figures["eer"] <= 0.5
    assert figures["failures"] == 0
    assert (out / "det.png").stat().st_size > 0
    rows = (out / "scores.csv").read_text().splitlines()
    assert rows[0] == "probe,reference,kind,score" and len(rows) == 16


def test_eval_crop_and_dpi(folder, capsys):
    assert main(["eval", "fingerprints", str(folder), "--crop", "200x220", "--dpi", "569",
                 "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["crop"] == "200x220" and figures["dpi"] == 569


def test_eval_bad_folder_is_one_line(tmp_path, capsys):
    assert main(["eval", "fingerprints", str(tmp_path / "missing")]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: error:") and "\n" not in err
    (tmp_path / "empty").mkdir()
    assert main(["eval", "fingerprints", str(tmp_path / "empty")]) == 3
    assert "no <finger>_<impression>" in capsys.readouterr().err


def test_eval_bad_crop_is_a_usage_error(folder):
    with pytest.raises(SystemExit) as exc:
        main(["eval", "fingerprints", str(folder), "--crop", "big"])
    assert exc.value.code == 2
