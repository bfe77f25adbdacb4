"""The simulated glass (finger API) and the simulator's persistent library."""

import numpy as np
import pytest

from firmware_bridge.r30x.driver import R30xSensor
from firmware_bridge.r30x.errors import NoFinger
from hw_sim.sensor.glass import Glass, fit_to_sensor
from hw_sim.sensor.simulator import SensorSimulator


def test_fit_to_sensor_crops_and_pads():
    big = np.arange(400 * 400, dtype=np.uint32).reshape(400, 400) % 256
    out = fit_to_sensor(big.astype(np.uint8))
    assert out.shape == (288, 256)
    assert out[0, 0] == big[56, 72] % 256
    small = np.zeros((100, 50), np.uint8)
    out = fit_to_sensor(small)
    assert out[0, 0] == 255 and out[144, 128] == 0
    rgb = np.zeros((288, 256, 3), np.uint8)
    assert fit_to_sensor(rgb).shape == (288, 256)
    with pytest.raises(ValueError):
        fit_to_sensor(np.zeros(10, np.uint8))


def test_script_steps_then_last_step_stays():
    glass = Glass()
    a = np.zeros((288, 256), np.uint8)
    glass.script([(2, None), (1, a), (1, None)])
    seen = [glass.capture() is not None for _ in range(5)]
    assert seen == [False, False, True, False, False]


def test_place_lift_and_fresh_impressions():
    glass = Glass()
    assert glass.capture() is None
    glass.place_synthetic(1, 0)
    first, second = glass.capture(), glass.capture()
    assert not np.array_equal(first, second)  # a finger never lands twice the same
    glass.lift()
    assert glass.capture() is None and not glass.occupied


def test_unknown_condition_is_refused():
    with pytest.raises(ValueError, match="condition"):
        Glass().place_synthetic(1, 0, condition="muddy")


def test_scripted_finger_seen_by_the_driver():
    with SensorSimulator() as sim, R30xSensor(sim.url, timeout=1) as sensor:
        sim.script([(3, None), (1, np.full((288, 256), 40, np.uint8) |
                                   (np.indices((288, 256))[1] % 9 < 4).astype(np.uint8) * 200)])
        for _ in range(3):
            with pytest.raises(NoFinger):
                sensor.gen_img()
        sensor.gen_img()


def test_library_survives_a_restart(tmp_path):
    path = tmp_path / "flash.json"
    with SensorSimulator(library_path=path) as sim, R30xSensor(sim.url, timeout=1) as sensor:
        sensor.down_char(bytes(range(256)) * 2)
        sensor.store(42)
    with SensorSimulator(library_path=path) as sim, R30xSensor(sim.url, timeout=1) as sensor:
        assert sensor.used_pages() == [42]
        sensor.load_char(42, 2)
        assert sensor.up_char(2) == bytes(range(256)) * 2
