"""``kiosk run``: what it says when the devices or the roster are not there (one line each)."""

from __future__ import annotations

import shutil

from kiosk.cli.app import main


def test_run_without_a_sensor_says_so(village, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    shutil.copytree(village, tmp_path / "data")
    code = main(["run", "--programme", "PKH", "--port", str(tmp_path / "no-such-port"),
                 "--data-dir", str(tmp_path / "data"), "--windowed", "--mute",
                 "--matcher", "standin"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "cannot open sensor port" in err[0]


def test_run_needs_a_period_in_the_roster(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    code = main(["run", "--programme", "PKH", "--data-dir", str(tmp_path / "empty"), "--mute",
                 "--matcher", "standin"])
    assert code == 2 and "no period of PKH" in capsys.readouterr().err


def test_broker_needs_a_village(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_VILLAGE", raising=False)
    monkeypatch.setenv("SIDIK_CONFIG", str(tmp_path / "kiosk.toml"))
    (tmp_path / "kiosk.toml").write_text('[hub]\nbroker = "mqtt://127.0.0.1"\n')
    code = main(["run", "--programme", "PKH", "--data-dir", str(tmp_path / "d"), "--mute"])
    assert code == 2 and "village" in capsys.readouterr().err
