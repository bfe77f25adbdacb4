"""``kiosk demo``: the README's first command, in fast mode."""

import numpy as np
from PIL import Image

from kiosk.cli.app import main


def test_demo_captures_a_synthetic_finger(tmp_path, capsys):
    out = tmp_path / "demo.png"
    assert main(["demo", "--fast", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "115200 baud, 256-byte packets" in text and "features extracted" in text
    image = np.asarray(Image.open(out))
    assert image.shape == (288, 256) and image.std() > 20
