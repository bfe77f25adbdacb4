"""The simulated sensor's on-board algorithm: Img2Tz, RegModel, Match on synthetic prints."""

from __future__ import annotations

import itertools
import struct
import zlib
from functools import cache

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.r30x.protocol import CHAR_FILE_SIZE, Code
from hw_sim.fingerprints import make_impression, make_master
from hw_sim.sensor import onboard
from hw_sim.sensor.onboard import OnboardError

# Masters are the slow part of the generator (~1 s each): a few fingers, several
# impressions of each.
IDENTITIES = range(1, 7)
IMPRESSIONS = range(4)
LEVEL = 3


@cache
def image(identity: int, index: int, condition: str = "normal") -> np.ndarray:
    return make_impression(make_master(identity, 0), index, condition).image


@cache
def char(identity: int, index: int, condition: str = "normal") -> bytes | None:
    try:
        return onboard.generate_char(image(identity, index, condition))
    except OnboardError:
        return None


def pair_score(a: bytes | None, b: bytes | None) -> int:
    """A capture that fails Img2Tz counts as a non-match."""
    return -1 if a is None or b is None else onboard.score(a, b)


# ---- Img2Tz ---------------------------------------------------------------------------
def test_generate_char_is_a_valid_deterministic_char_file():
    img = image(1, 0)
    first = onboard.generate_char(img)
    assert len(first) == CHAR_FILE_SIZE
    assert onboard.is_valid_char(first)
    assert onboard.generate_char(img.copy()) == first
    minutiae, info = onboard.decode_char(first)
    assert onboard.MIN_MINUTIAE <= len(minutiae) <= onboard.MAX_MINUTIAE
    assert info["width"] == 256 and info["height"] == 288 and not info["merged"]


def test_score_is_deterministic_and_symmetric():
    a, b = char(1, 0), char(1, 1)
    assert a is not None and b is not None
    assert onboard.score(a, b) == onboard.score(a, b) == onboard.score(b, a)
    assert onboard.score(a, a) == 999


def test_finger_present():
    assert onboard.finger_present(image(1, 0))
    assert onboard.finger_present(image(2, 1, "dry"))
    assert not onboard.finger_present(np.full((288, 256), 255, np.uint8))
    assert not onboard.finger_present(np.zeros((288, 256), np.uint8))
    rng = np.random.default_rng(0)
    glass = np.clip(rng.normal(205, 10, (288, 256)), 0, 255).astype(np.uint8)
    assert not onboard.finger_present(glass)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("white", Code.NO_VALID_IMAGE),
        ("black", Code.NO_VALID_IMAGE),
        ("glass", Code.NO_VALID_IMAGE),
        ("noise", Code.IMAGE_TOO_MESSY),
        ("blurred_noise", Code.IMAGE_TOO_MESSY),
        ("sliver", Code.TOO_FEW_FEATURES),
    ],
)
def test_bad_images_raise_the_firmware_code(name, code):
    rng = np.random.default_rng(1)
    if name == "white":
        img = np.full((288, 256), 255, np.uint8)
    elif name == "black":
        img = np.zeros((288, 256), np.uint8)
    elif name == "glass":  # bare glass with sensor noise
        img = np.clip(rng.normal(205, 10, (288, 256)), 0, 255).astype(np.uint8)
    elif name == "noise":
        img = rng.integers(0, 256, (288, 256), dtype=np.uint8)
    elif name == "blurred_noise":
        noise = rng.integers(0, 256, (288, 256)).astype(np.float32)
        img = np.clip(cv2.GaussianBlur(noise, (0, 0), 2.0) * 3 - 256, 0, 255).astype(np.uint8)
    else:  # a finger touching only a thin strip of the window
        img = np.full((288, 256), 205, np.uint8)
        img[:, :24] = image(1, 0)[:, 116:140]
    with pytest.raises(OnboardError) as err:
        onboard.generate_char(img)
    assert err.value.code == code


def test_wrong_shape_is_a_programming_error():
    with pytest.raises(ValueError):
        onboard.generate_char(np.zeros((288, 256, 3), np.uint8))


# ---- Match -----------------------------------------------------------------------------
def test_genuine_pairs_match():
    pairs = [(i, a, b) for i in IDENTITIES for a, b in ((0, 1), (0, 2), (1, 2), (1, 3), (2, 3))]
    scores = [pair_score(char(i, a), char(i, b)) for i, a, b in pairs]
    threshold = onboard.match_threshold(LEVEL)
    assert len(pairs) >= 20
    assert np.mean(np.array(scores) >= threshold) >= 0.9, scores


def test_impostor_pairs_do_not_match():
    pairs = [
        (i, a, j, b)
        for i, j in itertools.combinations(IDENTITIES, 2)
        for a, b in ((0, 1), (2, 3), (1, 2), (3, 0))
    ]
    scores = [pair_score(char(i, a), char(j, b)) for i, a, j, b in pairs]
    threshold = onboard.match_threshold(LEVEL)
    assert len(pairs) >= 50
    assert np.mean(np.array(scores) < threshold) >= 0.98, sorted(scores)[-5:]


def test_degraded_captures_still_match_their_finger():
    threshold = onboard.match_threshold(1)
    scores = [
        pair_score(char(i, 0), char(i, 1, condition))
        for i in (1, 2, 3)
        for condition in ("dry", "wet", "labourer")
    ]
    assert np.mean(np.array(scores) >= threshold) >= 0.75, scores


def test_thresholds_rise_with_security_level():
    levels = [onboard.match_threshold(level) for level in range(1, 6)]
    assert levels == sorted(levels) and len(set(levels)) == 5
    assert all(0 < t < 1000 for t in levels)
    assert onboard.match_threshold(0) == levels[0] and onboard.match_threshold(9) == levels[-1]


# ---- RegModel --------------------------------------------------------------------------
def test_combine_then_match_a_third_impression():
    threshold = onboard.match_threshold(LEVEL)
    ok = 0
    for i in IDENTITIES:
        a, b = char(i, 0), char(i, 1)
        if a is None or b is None:
            continue
        try:
            template = onboard.combine(a, b)
        except OnboardError:
            continue
        assert onboard.is_valid_char(template)
        minutiae, info = onboard.decode_char(template)
        assert info["merged"] and info["samples"] == 2
        # The union: at least as many minutiae as the richer capture.
        assert len(minutiae) >= max(len(onboard.decode_char(x)[0]) for x in (a, b))
        ok += max(pair_score(template, char(i, k)) for k in (2, 3)) >= threshold
    assert ok >= len(IDENTITIES) - 1


def test_combine_different_fingers_fails():
    for i, j in itertools.combinations(IDENTITIES, 2):
        a, b = char(i, 0), char(j, 1)
        if a is None or b is None:
            continue
        with pytest.raises(OnboardError) as err:
            onboard.combine(a, b)
        assert err.value.code == Code.COMBINE_FAIL


def test_combine_is_deterministic():
    a, b = char(2, 0), char(2, 2)
    assert onboard.combine(a, b) == onboard.combine(a, b)


# ---- the char file -------------------------------------------------------------------
def test_invalid_char_files_are_rejected():
    good = char(1, 0)
    rng = np.random.default_rng(7)
    for _ in range(200):
        assert not onboard.is_valid_char(rng.bytes(CHAR_FILE_SIZE))
    assert not onboard.is_valid_char(bytes(CHAR_FILE_SIZE))
    assert not onboard.is_valid_char(good[:-1])
    assert not onboard.is_valid_char(good + b"\0")
    assert not onboard.is_valid_char("not bytes")
    flipped = bytearray(good)
    flipped[40] ^= 0x10
    assert not onboard.is_valid_char(bytes(flipped))
    with pytest.raises(OnboardError) as err:
        onboard.score(good, rng.bytes(CHAR_FILE_SIZE))
    assert err.value.code == Code.TEMPLATE_READ_ERROR
    with pytest.raises(OnboardError) as err:
        onboard.combine(rng.bytes(CHAR_FILE_SIZE), good)
    assert err.value.code == Code.TEMPLATE_READ_ERROR


def test_checksum_is_not_the_only_guard():
    body = bytearray(char(1, 0)[:-4])
    body[4] = onboard.MAX_MINUTIAE + 1  # count past the capacity, CRC made to fit
    forged = bytes(body) + struct.pack("<I", zlib.crc32(bytes(body)))
    assert not onboard.is_valid_char(forged)


minutia = st.tuples(
    st.integers(-256, 511),
    st.integers(-288, 575),
    st.integers(0, 255),
    st.integers(0, 1),
    st.integers(0, 127),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(minutia, max_size=onboard.MAX_MINUTIAE),
    st.floats(6.0, 14.0),
    st.floats(0.0, 1.0),
    st.integers(1, 9),
    st.booleans(),
)
def test_char_format_round_trip(records, period, coherence, samples, merged):
    m = np.array(records, float).reshape(-1, 5)
    m[:, 2] *= 2 * np.pi / 256
    m[:, 4] /= 127
    data = onboard.encode_char(
        m,
        period=period,
        coherence=coherence,
        width=256,
        height=288,
        foreground=0.5,
        samples=samples,
        merged=merged,
    )
    assert len(data) == CHAR_FILE_SIZE and onboard.is_valid_char(data)
    back, info = onboard.decode_char(data)
    np.testing.assert_allclose(back, m, atol=1e-9)
    assert info["samples"] == samples and info["merged"] == merged
    assert abs(info["period"] - period) <= 1 / 32 and abs(info["coherence"] - coherence) <= 1 / 510
    # Re-encoding what was decoded gives the same bytes.
    again = onboard.encode_char(
        back,
        period=info["period"],
        coherence=info["coherence"],
        width=256,
        height=288,
        foreground=info["foreground"],
        samples=samples,
        merged=merged,
    )
    assert again == data
