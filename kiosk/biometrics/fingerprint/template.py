"""The template format: versioned, compact, little-endian bytes (the store encrypts them).

    header  magic "SDFP", format version u8, record count u8, reserved u16
    code    EMB_DIM int8: fixed-length code for 1:N search (fused over records)
    record  finger u8 (255 = unknown), quality u8, minutia count u8, mask h u8, mask w u8,
            reserved u8,
            minutiae  n x (x u16, y u16 in 1/4 px; theta u8 in 2 pi/256; quality u8)
            mask      bit-packed foreground blocks (h x w, 8 px each)
            cylinders n x bit-packed cylinder bits, n x bit-packed cell validity

One record is one impression; an enrolment template holds several (up to 255),
of one or more fingers. A template of 40 minutiae is about 2.9 kB per impression.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from .features import CYL_BITS, CYL_NS, EMB_DIM, IN_CIRCLE

MAGIC = b"SDFP"
FORMAT_VERSION = 1
UNKNOWN_FINGER = 255
_HEAD = struct.Struct("<4sBBH")
_REC = struct.Struct("<BBBBBB")
_MIN = np.dtype([("x", "<u2"), ("y", "<u2"), ("t", "u1"), ("q", "u1")])
_CYL_BYTES = CYL_BITS // 8
MIN_VALID_FRACTION = 0.5  # of cylinder cells valid in both, for a local similarity
_VAL_BYTES = -(-CYL_NS * CYL_NS // 8)
_CIRCLE_CELLS = np.flatnonzero(IN_CIRCLE)
# Per-cell bit counts as one product: (N, C*ND) @ (C*ND, C).
_CELL_SUM = np.kron(np.eye(int(IN_CIRCLE.sum()), dtype=np.float32),
                    np.ones((CYL_BITS // (CYL_NS * CYL_NS), 1), np.float32))


@dataclass
class Record:
    """One impression, decoded: what the comparison works on."""

    finger: int
    quality: int
    minutiae: np.ndarray  # (N, 4) float32 x, y, theta, quality 0..1
    mask: np.ndarray  # bool (h, w) blocks
    bits: np.ndarray  # (N, C*ND) float32 0/1, C the cylinder cells inside the circle
    valid: np.ndarray  # (N, C) float32 0/1
    counts: np.ndarray  # (N, C) float32: set bits per cell

    def __post_init__(self):
        # Derived once at decoding, for the comparison's matrix products (match.py); built
        # in place, as a gallery's cold comparisons decode every template they meet.
        n, c = self.valid.shape
        mn = self.minutiae
        self.xy = np.ascontiguousarray(mn[:, :2])
        self.dirs = np.empty((n, 2), np.float32)
        np.cos(mn[:, 2], out=self.dirs[:, 0])
        np.sin(mn[:, 2], out=self.dirs[:, 1])
        self.z = self.xy.view(np.complex64)[:, 0]
        self.u = self.dirs.view(np.complex64)[:, 0]
        self.ones = np.ones(n, np.float32)
        self.qroot = np.sqrt(mn[:, 3])  # ranks alignment hypotheses (match.compare_records)
        self.ones_k = np.ones((16, n), np.float32)  # for up to 16 alignment hypotheses
        # Cylinder products: [counts; valid] rows against [valid] columns, each augmented so
        # that the common-cell count comes out less MIN_VALID_FRACTION of the cells' mean.
        half = (0.5 * MIN_VALID_FRACTION) * (self.valid @ np.ones(c, np.float32))
        self.counts_valid = np.zeros((2 * n, c + 2), np.float32)
        self.counts_valid[:n, :c] = self.counts
        self.counts_valid[n:, :c] = self.valid
        self.counts_valid[n:, c] = -half
        self.counts_valid[n:, c + 1] = 1.0
        self.valid_aug = np.empty((n, c + 2), np.float32)
        self.valid_aug[:, :c] = self.valid
        self.valid_aug[:, c] = 1.0
        self.valid_aug[:, c + 1] = -half
        # Columns of the pairing product: x, y, direction (cos, sin), -|p|^2 / 2, 1.
        self.pair_cols = np.empty((6, n), np.float32)
        self.pair_cols[:2] = self.xy.T
        self.pair_cols[2:4] = self.dirs.T
        self.pair_cols[4] = -0.5 * (self.xy[:, 0] ** 2 + self.xy[:, 1] ** 2)
        self.pair_cols[5] = 1.0
        # The mask with a border of background: clipped lookups need no bounds check.
        h, w = self.mask.shape
        self.mask_pad = np.zeros((h + 2, w + 2), bool)
        self.mask_pad[1:-1, 1:-1] = self.mask
        self.mask_pad_max = np.array([w + 1, h + 1])  # (x, y) limits


@dataclass
class Template:
    code: np.ndarray  # float32 (EMB_DIM,)
    records: list[Record]


def _code_to_bytes(code: np.ndarray) -> bytes:
    return np.clip(np.round(code * 127), -127, 127).astype(np.int8).tobytes()


def encode(code: np.ndarray, records: list[dict]) -> bytes:
    """Records as dicts: finger, quality (0..255), minutiae (N, 4), mask, bits, valid (bool)."""
    if not 1 <= len(records) <= 255:
        raise ValueError("a template holds 1 to 255 records")
    out = [_HEAD.pack(MAGIC, FORMAT_VERSION, len(records), 0), _code_to_bytes(code)]
    for r in records:
        mn = np.asarray(r["minutiae"], np.float64)[:255]
        mask = np.asarray(r["mask"], bool)
        mh, mw = mask.shape
        if mh > 255 or mw > 255:
            raise ValueError("mask too large for the template format")
        out.append(_REC.pack(int(r.get("finger", UNKNOWN_FINGER)), int(r["quality"]),
                             len(mn), mh, mw, 0))
        m = np.zeros(len(mn), _MIN)
        m["x"] = np.clip(np.round(mn[:, 0] * 4), 0, 65535) if len(mn) else 0
        m["y"] = np.clip(np.round(mn[:, 1] * 4), 0, 65535) if len(mn) else 0
        m["t"] = np.round(np.mod(mn[:, 2], 2 * np.pi) / (2 * np.pi) * 256).astype(int) % 256 \
            if len(mn) else 0
        m["q"] = np.clip(np.round(mn[:, 3] * 255), 0, 255) if len(mn) else 0
        out.append(m.tobytes())
        out.append(np.packbits(mask.ravel()).tobytes())
        out.append(np.packbits(np.asarray(r["bits"], bool)[: len(mn)], axis=1).tobytes())
        out.append(np.packbits(np.asarray(r["valid"], bool)[: len(mn)], axis=1).tobytes())
    return b"".join(out)


def read_code(data: bytes) -> np.ndarray:
    """Only the fixed-length code (cheap: for building 1:N galleries)."""
    _check_head(data)
    return np.frombuffer(data, np.int8, EMB_DIM, _HEAD.size).astype(np.float32) / 127.0


def _check_head(data: bytes) -> int:
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) < _HEAD.size + EMB_DIM:
        raise ValueError("not a Sidik fingerprint template (too short)")
    magic, version, count, _ = _HEAD.unpack_from(data, 0)
    if magic != MAGIC:
        raise ValueError("not a Sidik fingerprint template (bad magic)")
    if version != FORMAT_VERSION:
        raise ValueError(f"fingerprint template format {version} is not supported "
                         f"(this matcher reads {FORMAT_VERSION})")
    if count == 0:
        raise ValueError("corrupt fingerprint template (no records)")
    return count


def decode(data: bytes) -> Template:
    """Bytes -> Template; ValueError if the bytes are not a well-formed template."""
    count = _check_head(data)
    pos = _HEAD.size
    code = np.frombuffer(data, np.int8, EMB_DIM, pos).astype(np.float32) / 127.0
    pos += EMB_DIM
    records = []
    try:
        for _ in range(count):
            finger, quality, n, mh, mw, _r = _REC.unpack_from(data, pos)
            pos += _REC.size
            m = np.frombuffer(data, _MIN, n, pos)
            pos += n * _MIN.itemsize
            nmask = -(-mh * mw // 8)
            mask = np.unpackbits(np.frombuffer(data, np.uint8, nmask, pos))[: mh * mw]
            pos += nmask
            bits = np.frombuffer(data, np.uint8, n * _CYL_BYTES, pos)
            pos += n * _CYL_BYTES
            valid = np.frombuffer(data, np.uint8, n * _VAL_BYTES, pos)
            pos += n * _VAL_BYTES
            mn = np.empty((n, 4), np.float32)
            mn[:, 0] = m["x"] * 0.25
            mn[:, 1] = m["y"] * 0.25
            mn[:, 2] = m["t"] * (2 * np.pi / 256)
            mn[:, 3] = m["q"] / 255.0
            # Cells outside the cylinder's circle are never valid: left out of the products.
            b = np.unpackbits(bits.reshape(n, _CYL_BYTES), axis=1).reshape(
                n, CYL_NS * CYL_NS, -1)[:, IN_CIRCLE].astype(np.float32)
            v = np.unpackbits(valid.reshape(n, _VAL_BYTES), axis=1)[:, _CIRCLE_CELLS]
            b = b.reshape(n, -1)
            records.append(Record(
                finger, quality, mn, mask.reshape(mh, mw).view(bool), b,
                v.astype(np.float32), (b @ _CELL_SUM).astype(np.float32)))
    except (struct.error, ValueError) as exc:
        raise ValueError(f"corrupt fingerprint template ({exc})") from None
    if pos != len(data):
        raise ValueError("corrupt fingerprint template (length mismatch)")
    return Template(code, records)


def merge(templates: list[bytes], code: np.ndarray | None = None) -> bytes:
    """Concatenate the records of several templates; the code is their mean (renormalised)."""
    if not templates:
        raise ValueError("nothing to merge")
    decoded = [decode(t) for t in templates]
    if code is None:
        code = np.mean([d.code for d in decoded], axis=0)
        norm = np.linalg.norm(code)
        code = code / norm if norm > 0 else code
    parts = []
    for t in templates:
        count = _check_head(t)
        parts.append((count, bytes(t[_HEAD.size + EMB_DIM:])))
    total = sum(c for c, _ in parts)
    if total > 255:
        raise ValueError("a template holds at most 255 impressions")
    return b"".join([_HEAD.pack(MAGIC, FORMAT_VERSION, total, 0), _code_to_bytes(code),
                     *(p for _, p in parts)])
