"""Conformance: the third-party pyfingerprint client and our driver run the same
scenarios against the simulated sensor and see the same behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from firmware_bridge.r30x.driver import R30xSensor
from firmware_bridge.r30x.errors import CombineFailed, NoFinger, WrongPassword
from hw_sim.sensor.simulator import SensorSimulator

pyfingerprint = pytest.importorskip("pyfingerprint.pyfingerprint")


class PyFingerprintClient:
    def __init__(self, port, password=0):
        self.f = pyfingerprint.PyFingerprint(port, 57600, 0xFFFFFFFF, password)

    def verify_password(self):
        return self.f.verifyPassword()

    def capacity(self):
        return self.f.getSystemParameters()[2]

    def count(self):
        return self.f.getTemplateCount()

    def index(self, page=0):
        return self.f.getTemplateIndex(page)

    def read_image(self):
        return self.f.readImage()

    def download_image(self, path):
        self.f.downloadImage(str(path))
        return np.asarray(Image.open(path).convert("L"))

    def convert(self, buf):
        self.f.convertImage(buf)

    def create_template(self):
        return self.f.createTemplate()

    def store(self, pos=-1, buf=1):
        return self.f.storeTemplate(pos, buf)

    def search(self):
        return self.f.searchTemplate()

    def compare(self):
        return self.f.compareCharacteristics()

    def load(self, pos, buf=1):
        self.f.loadTemplate(pos, buf)

    def delete(self, pos):
        return self.f.deleteTemplate(pos)

    def clear(self):
        return self.f.clearDatabase()

    def set_password(self, pw):
        return self.f.setPassword(pw)

    def random(self):
        return self.f.generateRandomNumber()

    def download_char(self, buf=1):
        return bytes(self.f.downloadCharacteristics(buf))

    def upload_char(self, data, buf=1):
        return self.f.uploadCharacteristics(buf, list(data))

    def close(self):
        del self.f


class SidikClient:
    """Our driver behind the same small interface."""

    def __init__(self, port, password=0):
        self.s = R30xSensor(port, password=password, timeout=2)
        self.s._connect()
        self.password = password

    def verify_password(self):
        try:
            self.s.verify_password(self.password)
            return True
        except WrongPassword:
            return False

    def capacity(self):
        return self.s.read_system_parameters().capacity

    def count(self):
        return self.s.template_count()

    def index(self, page=0):
        used = set(self.s.read_index_table(page))
        return [page * 256 + i in used for i in range(256)]

    def read_image(self):
        try:
            self.s.gen_img()
            return True
        except NoFinger:
            return False

    def download_image(self, path):
        return self.s.up_image()

    def convert(self, buf):
        self.s.img2tz(buf)

    def create_template(self):
        try:
            self.s.reg_model()
            return True
        except CombineFailed:
            return False

    def store(self, pos=-1, buf=1):
        if pos < 0:
            used = set(self.s.used_pages())
            pos = next(p for p in range(self.capacity()) if p not in used)
        self.s.store(pos, buf)
        return pos

    def search(self):
        found = self.s.search()
        return (found.page, found.score) if found else (-1, -1)

    def compare(self):
        result = self.s.match()
        return result.score if result.matched else 0

    def load(self, pos, buf=1):
        self.s.load_char(pos, buf)

    def delete(self, pos):
        self.s.delete(pos)
        return True

    def clear(self):
        self.s.empty()
        return True

    def set_password(self, pw):
        self.s.set_password(pw)
        return True

    def random(self):
        return self.s.get_random_code()

    def download_char(self, buf=1):
        return self.s.up_char(buf)

    def upload_char(self, data, buf=1):
        self.s.down_char(bytes(data), buf)
        return self.s.up_char(buf) == bytes(data)

    def close(self):
        self.s.close()


CLIENTS = {"pyfingerprint": PyFingerprintClient, "sidik": SidikClient}


@pytest.fixture(params=list(CLIENTS))
def client_cls(request):
    return CLIENTS[request.param]


@pytest.fixture
def simulator():
    with SensorSimulator(transport="pty") as sim:
        yield sim


def enrol(client, sim, identity):
    """Two impressions of one finger -> one template, as a kiosk enrols."""
    sim.place_synthetic(identity, 0, first_index=0)
    assert client.read_image()
    client.convert(1)
    sim.place_synthetic(identity, 0, first_index=1)
    assert client.read_image()
    client.convert(2)
    assert client.create_template() is True
    return client.store()


def test_handshake_parameters_index_random(client_cls, simulator):
    client = client_cls(simulator.url)
    assert client.verify_password() is True
    assert client.capacity() == 1000
    assert client.count() == 0
    assert client.index(0) == [False] * 256
    assert client.random() != client.random()
    client.close()


def test_read_and_download_image(client_cls, simulator, tmp_path):
    client = client_cls(simulator.url)
    assert client.verify_password()
    assert client.read_image() is False  # nothing on the glass
    simulator.place_synthetic(1, 0)
    assert client.read_image() is True
    image = client.download_image(tmp_path / "finger.png")
    assert image.shape == (288, 256)
    expected = (simulator.firmware.image >> 4) * 17
    np.testing.assert_array_equal(image, expected)
    client.close()


def test_enrol_search_compare_delete_clear(client_cls, simulator):
    client = client_cls(simulator.url)
    assert client.verify_password()
    assert enrol(client, simulator, identity=1) == 0
    assert enrol(client, simulator, identity=2) == 1
    assert client.count() == 2
    assert client.index(0)[:3] == [True, True, False]

    # The same finger, a new impression: found at its position.
    simulator.place_synthetic(1, 0, first_index=5)
    assert client.read_image()
    client.convert(1)
    position, score = client.search()
    assert position == 0 and score > 0

    # Someone else: not found.
    simulator.place_synthetic(3, 0, first_index=0)
    assert client.read_image()
    client.convert(1)
    assert client.search() == (-1, -1)

    # 1:1 comparison of buffer 1 against a stored template loaded into buffer 2.
    client.load(1, 2)
    assert client.compare() == 0
    simulator.place_synthetic(2, 0, first_index=6)
    assert client.read_image()
    client.convert(1)
    assert client.compare() > 0

    assert client.delete(0) is True
    assert client.count() == 1
    assert client.clear() is True
    assert client.count() == 0
    client.close()


def test_create_template_from_two_fingers_fails(client_cls, simulator):
    client = client_cls(simulator.url)
    assert client.verify_password()
    simulator.place_synthetic(1, 0)
    assert client.read_image()
    client.convert(1)
    simulator.place_synthetic(2, 0)
    assert client.read_image()
    client.convert(2)
    assert client.create_template() is False
    client.close()


def test_characteristics_round_trip(client_cls, simulator):
    client = client_cls(simulator.url)
    assert client.verify_password()
    simulator.place_synthetic(1, 0)
    assert client.read_image()
    client.convert(1)
    data = client.download_char(1)
    assert len(data) == 512
    assert client.upload_char(data, 2) is True
    assert client.compare() > 0  # the two buffers now hold the same features
    client.close()


def test_set_password(client_cls, simulator):
    client = client_cls(simulator.url)
    assert client.verify_password()
    assert client.set_password(0x1234) is True
    client.close()
    assert client_cls(simulator.url, password=0).verify_password() is False
    assert client_cls(simulator.url, password=0x1234).verify_password() is True
