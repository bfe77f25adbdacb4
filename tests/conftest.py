"""Shared fixtures: simulated hardware in fast mode."""

import pytest

from hw_sim.sensor.simulator import SensorSimulator


@pytest.fixture(params=["pty", "tcp"])
def sim(request):
    """A running simulated sensor on a pty and on TCP, no line-rate pacing."""
    with SensorSimulator(transport=request.param) as simulator:
        yield simulator


@pytest.fixture
def pty_sim():
    with SensorSimulator() as simulator:
        yield simulator
