"""The simulated R30x module's on-board algorithm: GenImg, Img2Tz, RegModel, Match.

A stand-in for the vendor's proprietary matcher: results follow the image content
(same finger matches, another finger does not), never byte equality. Extraction is
in :mod:`.onboard_extract`, alignment in :mod:`.onboard_match`; this module owns
the character-file format, the score and the thresholds. See
docs/sensor_simulator_onboard.md.

Character file (CHAR_FILE_SIZE = 512 bytes, little-endian)::

    0   2  magic b"SK"
    2   1  version (1)
    3   1  flags: bit 0 = merged template (RegModel output)
    4   1  minutiae count n (0..82)
    5   1  impressions merged into it (1 for a plain Img2Tz)
    6   1  ridge period, 1/16 px
    7   1  mean ridge coherence of the image, 1/255
    8   2  image width   (px)
    10  2  image height  (px)
    12  2  foreground area, units of 64 px
    14  2  reserved, 0
    16  6n minutiae: x int16, y int16 (px, may lie outside the image in a merged
           template), angle uint8 (2pi/256), info uint8 (bit 7 type: 0 ending,
           1 bifurcation; bits 0-6 quality 0..127)
    ..     zero padding up to 508
    508 4  CRC-32 (zlib) of bytes 0..507
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from firmware_bridge.r30x.protocol import CHAR_FILE_SIZE, Code

from . import onboard_extract as _ex
from . import onboard_match as _mt

__all__ = [
    "MAX_MINUTIAE",
    "OnboardError",
    "combine",
    "decode_char",
    "encode_char",
    "finger_present",
    "generate_char",
    "is_valid_char",
    "match_threshold",
    "score",
]

MAGIC = b"SK"
VERSION = 1
FLAG_MERGED = 0x01
_HEADER = struct.Struct("<2sBBBBBBHHHH")
_RECORD = np.dtype([("x", "<i2"), ("y", "<i2"), ("angle", "u1"), ("info", "u1")])
_CRC_AT = CHAR_FILE_SIZE - 4
MAX_MINUTIAE = (_CRC_AT - _HEADER.size) // _RECORD.itemsize  # 82
MIN_MINUTIAE = 10  # fewer and Img2Tz answers TOO_FEW_FEATURES

# Match score (0..999) needed per security level; see the doc for how these sit
# between the measured impostor and genuine score distributions.
_THRESHOLDS = {1: 220, 2: 250, 3: 280, 4: 330, 5: 380}
# RegModel merges only two captures that clearly are one finger.
_COMBINE_THRESHOLD = _THRESHOLDS[3]

# Score model: pairs count fully when >= _SUPPORT_FULL of their neighbours agree
# and their types agree; a type flip (ending <-> bifurcation, common between dry
# and wet captures) costs _TYPE_PENALTY of the pair.
_SUPPORT_FULL = 3
_TYPE_PENALTY = 0.25
# Denominator floors: the overlap may not shrink below this share of a print's
# minutiae or below _MIN_OVERLAP, so a tiny lucky overlap cannot score high.
_OVERLAP_SHARE = 0.6
_MIN_OVERLAP = 10
# A handful of pairs is weak evidence however well it fills a small overlap:
# below _FULL_PAIRS weighted pairs the ratio is scaled down (square root ramp).
_FULL_PAIRS = 10.0
_PAIRS_POWER = 0.5


class OnboardError(Exception):
    """A failed on-board operation; ``code`` is the confirmation code to reply with."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = Code(code)
        super().__init__(f"{self.code.name}: {message}" if message else self.code.name)


# ---- character file ---------------------------------------------------------------------
def encode_char(
    minutiae: np.ndarray,
    *,
    period: float,
    coherence: float,
    width: int,
    height: int,
    foreground: float,
    samples: int = 1,
    merged: bool = False,
) -> bytes:
    """Pack (N, 5) minutiae (x, y, theta, type, quality 0..1) and globals into 512 bytes."""
    m = np.asarray(minutiae, dtype=np.float64).reshape(-1, 5)[:MAX_MINUTIAE]
    rec = np.zeros(len(m), _RECORD)
    rec["x"] = np.clip(np.rint(m[:, 0]), -32768, 32767)
    rec["y"] = np.clip(np.rint(m[:, 1]), -32768, 32767)
    rec["angle"] = np.rint(m[:, 2] % (2 * np.pi) / (2 * np.pi) * 256).astype(np.int64) % 256
    quality = np.clip(np.rint(m[:, 4] * 127), 0, 127).astype(np.uint8)
    rec["info"] = (m[:, 3] > 0.5).astype(np.uint8) << 7 | quality
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        FLAG_MERGED if merged else 0,
        len(m),
        max(1, min(int(samples), 255)),
        int(np.clip(round(period * 16), 1, 255)),
        int(np.clip(round(coherence * 255), 0, 255)),
        int(width),
        int(height),
        int(np.clip(round(foreground * width * height / 64), 0, 0xFFFF)),
        0,
    )
    body = (header + rec.tobytes()).ljust(_CRC_AT, b"\0")
    return body + struct.pack("<I", zlib.crc32(body))


def decode_char(data: bytes) -> tuple[np.ndarray, dict]:
    """Inverse of :func:`encode_char`: (N, 5) minutiae and a dict of the header fields.

    Raises OnboardError(TEMPLATE_READ_ERROR) when ``data`` is not a valid char file.
    """
    if not is_valid_char(data):
        raise OnboardError(Code.TEMPLATE_READ_ERROR, "not a character file")
    return _decode(bytes(data))


def _decode(data: bytes) -> tuple[np.ndarray, dict]:
    (_, version, flags, n, samples, period, coh, width, height, area, _) = _HEADER.unpack_from(data)
    rec = np.frombuffer(data, _RECORD, count=n, offset=_HEADER.size)
    m = np.empty((n, 5))
    m[:, 0] = rec["x"]
    m[:, 1] = rec["y"]
    m[:, 2] = rec["angle"] * (2 * np.pi / 256)
    m[:, 3] = rec["info"] >> 7
    m[:, 4] = (rec["info"] & 0x7F) / 127
    info = {
        "version": version,
        "merged": bool(flags & FLAG_MERGED),
        "samples": samples,
        "period": period / 16,
        "coherence": coh / 255,
        "width": width,
        "height": height,
        "foreground": area * 64 / (width * height),
    }
    return m, info


def is_valid_char(data: bytes) -> bool:
    """True for a well-formed character file (header, ranges, zero padding, CRC)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        return False
    data = bytes(data)
    if len(data) != CHAR_FILE_SIZE:
        return False
    if struct.unpack_from("<I", data, _CRC_AT)[0] != zlib.crc32(data[:_CRC_AT]):
        return False
    magic, version, flags, n, samples, period, _, width, height, _, reserved = _HEADER.unpack_from(
        data
    )
    if magic != MAGIC or version != VERSION or flags & ~FLAG_MERGED or reserved:
        return False
    if n > MAX_MINUTIAE or samples == 0 or period == 0:
        return False
    if not (0 < width <= 4096 and 0 < height <= 4096):
        return False
    end = _HEADER.size + n * _RECORD.itemsize
    if any(data[end:_CRC_AT]):
        return False
    rec = np.frombuffer(data, _RECORD, count=n, offset=_HEADER.size)
    # A merged template may reach one frame beyond the image on each side, no further.
    return bool(
        np.all((rec["x"] >= -width) & (rec["x"] < 2 * width))
        and np.all((rec["y"] >= -height) & (rec["y"] < 2 * height))
    )


# ---- firmware operations ------------------------------------------------------------------
def finger_present(image: np.ndarray) -> bool:
    """GenImg's finger detection: enough dark, textured (ridge) area on the glass."""
    return _ex.finger_present(_check_image(image))


def generate_char(image: np.ndarray) -> bytes:
    """Img2Tz: a (288, 256) uint8 capture -> 512-byte character file.

    Raises OnboardError with NO_VALID_IMAGE (blank), IMAGE_TOO_MESSY (no coherent
    ridge flow) or TOO_FEW_FEATURES (print too small, too few minutiae).
    """
    img = _check_image(image)
    try:
        feats = _ex.extract(img, MAX_MINUTIAE)
    except _ex.ExtractFailure as exc:
        code = {
            "blank": Code.NO_VALID_IMAGE,
            "messy": Code.IMAGE_TOO_MESSY,
            "few": Code.TOO_FEW_FEATURES,
        }[exc.reason]
        raise OnboardError(code, str(exc)) from None
    if len(feats.minutiae) < MIN_MINUTIAE:
        raise OnboardError(Code.TOO_FEW_FEATURES, f"{len(feats.minutiae)} minutiae")
    h, w = img.shape
    return encode_char(
        feats.minutiae,
        period=feats.period,
        coherence=feats.coherence,
        width=w,
        height=h,
        foreground=feats.foreground,
    )


def _check_image(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim != 2 or not (64 <= img.shape[0] <= 4096 and 64 <= img.shape[1] <= 4096):
        raise ValueError(f"expected a 2-D grey image, got shape {img.shape}")
    return img


def _ratio(a: np.ndarray, b: np.ndarray, al: _mt.Alignment) -> float:
    """Weighted share of the overlapping minutiae that pair up, 0..1."""
    p = al.pairs
    k = len(p)
    if k == 0:
        return 0.0
    same = a[p[:, 0], 3] == b[p[:, 1], 3]
    w = np.minimum(al.support, _SUPPORT_FULL) / _SUPPORT_FULL * np.where(same, 1, 1 - _TYPE_PENALTY)
    na = max(al.overlap_a, _OVERLAP_SHARE * len(a), k, _MIN_OVERLAP)
    nb = max(al.overlap_b, _OVERLAP_SHARE * len(b), k, _MIN_OVERLAP)
    kw = float(w.sum())
    return kw / np.sqrt(na * nb) * min(1.0, kw / _FULL_PAIRS) ** _PAIRS_POWER


def score(a: bytes, b: bytes) -> int:
    """Match: similarity 0..999 of two character files (or merged templates)."""
    ma, _ = decode_char(a)
    mb, _ = decode_char(b)
    # The alignment search is not exactly symmetric; a fixed order makes
    # Match(a, b) equal Match(b, a), as on the module.
    if bytes(a) > bytes(b):
        ma, mb = mb, ma
    al = _mt.align(ma, mb)
    if al is None:
        return 0
    return min(999, round(1000 * _ratio(ma, mb, al)))


def combine(a: bytes, b: bytes) -> bytes:
    """RegModel: merge two character files of one finger into a template (b aligned onto a).

    Paired minutiae are averaged and gain quality; unpaired ones of both are kept
    (b's moved into a's frame) where they do not conflict; the best fit in 82.
    Raises OnboardError(COMBINE_FAIL) when the two are not clearly the same finger.
    """
    ma, ia = decode_char(a)
    mb, ib = decode_char(b)
    al = _mt.align(ma, mb)
    if al is None or round(1000 * _ratio(ma, mb, al)) < _COMBINE_THRESHOLD:
        raise OnboardError(Code.COMBINE_FAIL, "captures are not of the same finger")
    tb = _mt.transform_minutiae(mb, al)
    ia_idx, ib_idx = al.pairs[:, 0], al.pairs[:, 1]

    paired = ma[ia_idx].copy()
    paired[:, :2] = (ma[ia_idx, :2] + tb[ib_idx, :2]) / 2
    paired[:, 2] = np.angle(np.exp(1j * ma[ia_idx, 2]) + np.exp(1j * tb[ib_idx, 2])) % (2 * np.pi)
    paired[:, 3] = np.where(ma[ia_idx, 4] >= tb[ib_idx, 4], ma[ia_idx, 3], tb[ib_idx, 3])
    # Seen twice: more trustworthy than either sighting.
    paired[:, 4] = np.minimum(1.0, np.maximum(ma[ia_idx, 4], tb[ib_idx, 4]) + 0.25)

    only_a = np.setdiff1d(np.arange(len(ma)), ia_idx)
    only_b = np.setdiff1d(np.arange(len(mb)), ib_idx)
    extra_b = tb[only_b]
    if len(extra_b) and len(ma):
        d = np.hypot(extra_b[:, None, 0] - ma[None, :, 0], extra_b[:, None, 1] - ma[None, :, 1])
        # Near one of a's minutiae but not paired with it: the two captures disagree there.
        extra_b = extra_b[d.min(1) > _mt.DIST_TOL]
    w, h = ia["width"], ia["height"]
    ex, ey = extra_b[:, 0], extra_b[:, 1]
    extra_b = extra_b[(ex >= -w) & (ex < 2 * w) & (ey >= -h) & (ey < 2 * h)]
    single = np.concatenate([ma[only_a], extra_b])
    single = single[np.lexsort((single[:, 1], single[:, 0], -single[:, 4]))]
    merged = np.concatenate([paired, single])[:MAX_MINUTIAE]
    return encode_char(
        merged,
        period=(ia["period"] + ib["period"]) / 2,
        coherence=max(ia["coherence"], ib["coherence"]),
        width=w,
        height=h,
        foreground=max(ia["foreground"], ib["foreground"]),
        samples=ia["samples"] + ib["samples"],
        merged=True,
    )


def match_threshold(security_level: int) -> int:
    """Score a Match/Search needs at security level 1 (lenient) .. 5 (strict)."""
    # Clamped: the firmware must answer whatever a client stored with SetSysPara.
    return _THRESHOLDS[min(5, max(1, int(security_level)))]
