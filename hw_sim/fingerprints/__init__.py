"""Synthetic fingerprints in the manner of SFinGe: masters, impressions, ground truth.

    from hw_sim.fingerprints import CONDITIONS, make_master, make_impression, impression

    master = make_master(identity=7, finger=2)          # cached, deterministic
    imp = make_impression(master, index=3, condition="dry")
    imp.image        # uint8 (288, 256): light background, dark ridges, 500 dpi
    imp.minutiae     # float32 (N, 4): x, y, theta, type (0 ending, 1 bifurcation)
    imp.orientation  # float32 (36, 32): ridge direction per 8 x 8 block, NaN off-finger

    write_fvc_folder("out/", fingers=100, impressions=8, condition="mixed")
    for images, labels in ImpressionStream(fingers=5000, per_batch=16, per_finger=4): ...

See docs/fingerprint_generator.md for the model and its measured realism.
"""

from .conditions import CONDITIONS
from .dataset import ImpressionStream
from .impression import SENSOR_SIZE, Impression, impression, make_impression
from .master import Master, make_master
from .singular import CLASSES
from .writers import read_fvc_folder, write_fvc_folder

__all__ = [
    "CLASSES",
    "CONDITIONS",
    "SENSOR_SIZE",
    "Impression",
    "ImpressionStream",
    "Master",
    "impression",
    "make_impression",
    "make_master",
    "read_fvc_folder",
    "write_fvc_folder",
]
