"""``kiosk demo``: the README's first command, played headless with a scripted journey."""

from PIL import Image

from kiosk.cli.app import main


def test_demo_plays_a_verification_through_the_screen(tmp_path, capsys, monkeypatch, request):
    # The demo memoises synthetic fingers under $XDG_CACHE_HOME: keep the test's apart.
    cache = getattr(request.config, "cache", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache.mkdir("sidik_demo_cache") if cache
                                             else tmp_path / "cache"))
    shots = tmp_path / "shots"
    code = main(["demo", "--script", "verified", "--no-broker", "--mute",
                 "--data-dir", str(tmp_path / "village"), "--shots", str(shots)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "verified: accepted (matched)" in text and "event " in text
    names = sorted(p.name for p in shots.iterdir())
    assert any("card" in n for n in names) and names[-1].endswith("_result.png")
    assert Image.open(shots / names[-1]).size == (800, 480)
