"""Face template bytes: magic, format version, model id, dimension, float32 little-endian."""

from __future__ import annotations

import struct

import numpy as np

MAGIC = b"SDFC"
FORMAT = 1
_HEADER = struct.Struct("<4sBBH")  # magic, format, model id, dim

MODEL_IDS = {"dlib-resnet-v1": 1}


def pack(vector: np.ndarray, model: str = "dlib-resnet-v1") -> bytes:
    v = np.asarray(vector, np.float32).ravel()
    if not np.all(np.isfinite(v)):
        raise ValueError("embedding has non-finite values")
    return _HEADER.pack(MAGIC, FORMAT, MODEL_IDS[model], len(v)) + v.astype("<f4").tobytes()


def unpack(data: bytes, model: str = "dlib-resnet-v1") -> np.ndarray:
    """Template bytes -> vector; ValueError for anything corrupt or from another model."""
    if not isinstance(data, bytes | bytearray) or len(data) < _HEADER.size:
        raise ValueError("face template is truncated")
    magic, fmt, model_id, dim = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not a face template")
    if fmt != FORMAT:
        raise ValueError(f"face template format {fmt} is not supported (expected {FORMAT})")
    if model_id != MODEL_IDS[model]:
        raise ValueError(f"face template was made by model id {model_id}; re-enrol the face")
    if len(data) != _HEADER.size + 4 * dim:
        raise ValueError("face template length does not match its header")
    v = np.frombuffer(bytes(data), "<f4", count=dim, offset=_HEADER.size).astype(np.float32)
    if not np.all(np.isfinite(v)):
        raise ValueError("face template has non-finite values")
    return v
