"""The configuration file: the documented example is complete and valid; a wrong file is
refused whole with one line naming the key; the CLI takes its settings from it."""

import json
import re
from pathlib import Path

import pytest

from kiosk import config
from kiosk.cli.app import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


def test_example_documents_every_key_and_loads():
    text = EXAMPLE.read_text()
    conf = config.load(EXAMPLE)
    assert conf.values == config.defaults().values  # what it shows are the defaults
    for section, keys in config.SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert re.search(rf"^#? ?{key} = ", text, re.M), f"[{section}] {key} undocumented"


@pytest.mark.parametrize("body, says", [
    ("[hub]\nwindow = \"ten\"\n", "[hub] window must be a whole number (got 'ten')"),
    ("[hub]\nwindow = 0\n", "[hub] window must be at least 1"),
    ("[hub]\nwindow = true\n", "[hub] window must be a whole number (got True)"),
    ("[hub]\nprotocol = \"4\"\n", "[hub] protocol must be one of auto, 5, 3.1.1"),
    ("[hub]\nbrokr = \"mqtt://x\"\n", "unknown key 'brokr' in [hub]"),
    ("[hubb]\n", "unknown section [hubb]"),
    ("hub = 3\n", "hub must be a [hub] table"),
    ("[hub\n", "is not valid TOML"),
    ("[sensor]\nbaud = 12345\n", "[sensor] baud must be one of 9600"),
])
def test_wrong_file_refused_with_the_key_named(tmp_path, body, says):
    path = tmp_path / "kiosk.toml"
    path.write_text(body)
    with pytest.raises(config.ConfigError) as exc:
        config.load(path)
    assert says in str(exc.value) and str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_lookup_order(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SYSTEM_PATH", tmp_path / "absent.toml")
    monkeypatch.delenv("SIDIK_CONFIG", raising=False)
    assert config.load().source is None
    env_file = tmp_path / "env.toml"
    env_file.write_text("[hub]\nvillage = \"3510\"\n")
    monkeypatch.setenv("SIDIK_CONFIG", str(env_file))
    assert config.load().get("hub", "village") == "3510"
    with pytest.raises(config.ConfigError, match="not found"):
        config.load(tmp_path / "missing.toml")
    assert config.load(EXAMPLE).source == EXAMPLE  # an explicit path wins


def test_numbers_are_normalised(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text("[hub]\nack_timeout_s = 3\n")
    assert config.load(path).get("hub", "ack_timeout_s") == 3.0


def test_cli_check_and_show(tmp_path, capsys):
    assert main(["config", "check", "--config", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.strip().endswith(": ok")
    assert main(["config", "show", "--json", "--config", str(EXAMPLE)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["hub"]["window"] == 100 and shown["source"] == str(EXAMPLE)
    bad = tmp_path / "bad.toml"
    bad.write_text("[camera]\nbackend = \"webcam\"\n")
    assert main(["config", "check", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: error: ") and "[camera] backend must be one of" in err


def test_report_takes_link_and_data_dir_from_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIDIK_DATA_DIR", raising=False)
    monkeypatch.delenv("SIDIK_KEY_DIR", raising=False)
    from kiosk.security.keys import DataPaths, provision

    data = tmp_path / "data"
    provision(DataPaths.resolve(data), hub_public_key=b"\x01" * 32)
    conf = tmp_path / "kiosk.toml"
    conf.write_text(f"[device]\ndata_dir = \"{data}\"\n[hub]\nvillage = \"3510\"\n"
                    "disk_warn_mb = 1\ndisk_critical_mb = 1\n")
    # No broker anywhere: one line says where to set it.
    assert main(["report", "run", "--config", str(conf)]) == 2
    err = capsys.readouterr().err
    assert f"no broker configured: set [hub] broker in {conf} or pass --broker" in err
    # The data directory comes from [device]: the status reads that kiosk's outbox.
    assert main(["report", "status", "--json", "--config", str(conf)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pending"] == 0 and status["disk_alarm"] is None
    # A password file that is not there is named.
    conf.write_text(f"[device]\ndata_dir = \"{data}\"\n[hub]\nbroker = \"mqtt://127.0.0.1:1\"\n"
                    f"village = \"3510\"\npassword_file = \"{tmp_path / 'nope'}\"\n")
    assert main(["report", "run", "--config", str(conf)]) == 2
    assert "[hub] password_file file" in capsys.readouterr().err
