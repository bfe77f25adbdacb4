"""The R30x driver against the simulated sensor (pty and TCP), faults included."""

import time

import numpy as np
import pytest

from firmware_bridge.r30x.driver import R30xSensor
from firmware_bridge.r30x.errors import (
    BadPageId,
    SensorDisconnected,
    SensorNotFound,
    SensorTimeout,
    TemplateReadError,
    WrongPassword,
)
from firmware_bridge.r30x.protocol import LedColour, LedMode
from hw_sim.sensor.faults import FaultConfig
from hw_sim.sensor.firmware import SensorSettings
from hw_sim.sensor.simulator import SensorSimulator


def noisy_image(seed=0):
    return (np.random.default_rng(seed).integers(0, 16, (288, 256), dtype=np.uint8) * 17)


def test_parameters_random_and_count(sim):
    with R30xSensor(sim.url, timeout=1) as sensor:
        params = sensor.read_system_parameters()
        assert (params.capacity, params.security_level, params.packet_size, params.baud) == (
            1000, 3, 128, 57600)
        assert params.address == 0xFFFFFFFF
        assert sensor.get_random_code() != sensor.get_random_code()
        assert sensor.template_count() == 0
        sensor.handshake()


def test_image_down_and_up(sim):
    image = noisy_image()
    with R30xSensor(sim.url, timeout=1) as sensor:
        sensor.down_image(image)
        np.testing.assert_array_equal(sensor.up_image(), image)


def test_burst_link_unlearns_pacing(sim):
    """A read that blocked long on a busy host makes the driver pace the wire; bursts must
    undo that, or every later upload sleeps its wire time. The decisions are checked with
    stated timings (a loaded test host can make any link look paced), then a paced upload."""
    image = noisy_image(1)
    with R30xSensor(sim.url, timeout=5) as sensor:
        wire = 1000 * 10 / sensor.baud  # seconds for 1000 bytes at the line rate
        sensor._learn_pace(1000, 0.9 * wire)  # the read blocked about the wire time
        assert sensor._line_paced
        sensor._check_pace(1000, 0.9 * wire)  # arrived at the wire's pace: keep pacing
        assert sensor._line_paced
        sensor._check_pace(1000, 0.2 * wire)  # far faster than the wire: a burst
        assert not sensor._line_paced
        sensor._learn_pace(1000, 0.9 * wire)
        sensor._learn_pace(1000, 0.05 * wire)  # a read that returned at once
        assert not sensor._line_paced
        sensor._learn_pace(20, 1.0)  # too few bytes to tell
        assert not sensor._line_paced
        # Paced or not, the transfer is whole.
        sensor.down_image(image)
        sensor._line_paced = True
        np.testing.assert_array_equal(sensor.up_image(), image)


def test_char_transfer_store_and_library(sim):
    data = bytes(range(256)) * 2
    with R30xSensor(sim.url, timeout=1) as sensor:
        sensor.down_char(data, 2)
        assert sensor.up_char(2) == data
        sensor.store(17, 2)
        sensor.store(300, 2)
        assert sensor.template_count() == 2
        assert sensor.used_pages() == [17, 300]
        sensor.load_char(17, 1)
        assert sensor.up_char(1) == data
        with pytest.raises(TemplateReadError):
            sensor.load_char(18, 1)
        with pytest.raises(BadPageId):
            sensor.store(1000)
        sensor.delete(17)
        assert sensor.used_pages() == [300]
        sensor.empty()
        assert sensor.template_count() == 0


def test_negotiate_fastest_link_and_back(pty_sim):
    with R30xSensor(pty_sim.url, timeout=1) as sensor:
        params = sensor.negotiate()
        assert (params.baud, params.packet_size) == (115200, 256)
        assert sensor.baud == 115200
        image = noisy_image(2)
        sensor.down_image(image)
        np.testing.assert_array_equal(sensor.up_image(), image)
        params = sensor.restore_factory_link()
        assert (params.baud, params.packet_size) == (57600, 128)


def test_wrong_baud_times_out_instead_of_hanging(pty_sim):
    start = time.monotonic()
    with pytest.raises(SensorTimeout):
        R30xSensor(pty_sim.url, baud=115200, timeout=0.3, retries=1).open()
    assert time.monotonic() - start < 3


def test_password_set_and_required(sim):
    with R30xSensor(sim.url, timeout=1) as sensor:
        sensor.set_password(0xCAFE)
    with pytest.raises(WrongPassword):
        R30xSensor(sim.url, timeout=1).open()
    with R30xSensor(sim.url, timeout=1, password=0xCAFE) as sensor:
        assert sensor.template_count() == 0


def test_set_address(sim):
    with R30xSensor(sim.url, timeout=0.5) as sensor:
        sensor.set_address(0x0A0B0C0D)
        assert sensor.read_system_parameters().address == 0x0A0B0C0D
    with pytest.raises(SensorTimeout):
        R30xSensor(sim.url, timeout=0.2, retries=0).open()


def test_led_ring(sim):
    with R30xSensor(sim.url, timeout=1) as sensor:
        sensor.aura_led(LedMode.BREATHING, LedColour.GREEN)
    assert sim.firmware.led.colour == LedColour.GREEN


def test_missing_port_is_sensor_not_found():
    with pytest.raises(SensorNotFound, match="cannot open sensor port"):
        R30xSensor("/dev/does-not-exist-sidik").open()


def test_no_reply_is_a_timeout_within_bounds():
    # A simulator whose module never answers (busy forever).
    with SensorSimulator(faults=FaultConfig(busy_rate=1.0)) as sim:
        start = time.monotonic()
        with pytest.raises(SensorTimeout):
            R30xSensor(sim.url, timeout=0.2, retries=2).open()
        assert time.monotonic() - start < 2


@pytest.mark.parametrize("faults", [
    FaultConfig(seed=1, garbage_rate=0.5),
    FaultConfig(seed=2, bit_flip_rate=3e-5),
    FaultConfig(seed=3, drop_rate=3e-5),
    FaultConfig(seed=4, busy_rate=0.2),
    FaultConfig(seed=5, rx_bit_flip_rate=2e-3),
    FaultConfig(seed=6, stall_rate=0.3, stall_s=0.05),
], ids=["garbage", "bit-flips", "drops", "busy", "rx-flips", "stalls"])
def test_survives_a_bad_line(faults):
    image = noisy_image(3)
    with SensorSimulator(faults=faults) as sim:
        sensor = R30xSensor(sim.url, timeout=0.4, retries=6)
        sensor.open()
        sensor.down_char(bytes(512))
        for _ in range(5):
            assert sensor.read_system_parameters().capacity == 1000
            sensor.store(1)
            assert sensor.template_count() == 1
        sim.firmware.image = image
        for _ in range(4):
            np.testing.assert_array_equal(sensor.up_image(), image)
        sensor.close()
        assert sum(sim.faults.counts.values()) > 0


def test_reconnects_after_unplug(sim):
    with R30xSensor(sim.url, timeout=0.5, reconnect_timeout=5) as sensor:
        assert sensor.template_count() == 0
        sim.unplug(seconds=0.4)
        time.sleep(0.1)
        assert sensor.template_count() == 0
        assert sensor.stats["reconnects"] >= 1


def test_unplugged_for_good_is_disconnected_error(sim):
    with R30xSensor(sim.url, timeout=0.3, reconnect_timeout=0.5) as sensor:
        sim.unplug()
        start = time.monotonic()
        with pytest.raises((SensorDisconnected, SensorTimeout)):
            sensor.template_count()
        assert time.monotonic() - start < 4


def test_reconnect_restores_password_handshake():
    settings = SensorSettings(password=42)
    with SensorSimulator(settings=settings) as sim, \
            R30xSensor(sim.url, timeout=0.5, password=42) as sensor:
        sim.unplug(seconds=0.3)
        time.sleep(0.05)
        assert sensor.template_count() == 0


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_survives_random_disconnects(transport):
    """The module drops off the bus now and then (and loses its RAM, as on a real
    power cut); every call still returns, after a reconnect where needed."""
    faults = FaultConfig(seed=7, disconnect_rate=0.1, disconnect_s=0.2)
    with SensorSimulator(transport=transport, faults=faults) as sim, \
            R30xSensor(sim.url, timeout=0.5, reconnect_timeout=3) as sensor:
        for _ in range(30):
            assert sensor.read_system_parameters().capacity == 1000
            assert sensor.template_count() == 0
        assert sim.faults.counts["disconnects"] > 0
        assert sensor.stats["reconnects"] > 0
