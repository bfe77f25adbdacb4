"""Loading on-device models: manifest, sha256 check, LiteRT interpreter.

``models/manifest.json`` names every model file with its sha256; a model is
only ever loaded after its bytes match. The interpreter comes from LiteRT
(``ai-edge-litert``) and falls back to ``tflite_runtime`` where only that is
installed. Every failure is a :class:`ModelError` with a one-line hint.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGED_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def models_dir(environ=os.environ) -> Path:
    """``$SIDIK_MODELS_DIR`` once a model update has put a release there (see
    kiosk/ops/update.py), else the models that came with the software."""
    updated = environ.get("SIDIK_MODELS_DIR")
    if updated and (Path(updated) / "manifest.json").is_file():
        return Path(updated)
    return PACKAGED_MODELS_DIR


MODELS_DIR = models_dir()
MANIFEST = MODELS_DIR / "manifest.json"


class ModelError(Exception):
    """A model cannot be loaded; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(f"{message} ({hint})" if hint else message)
        self.hint = hint


def read_manifest(path: Path | str = MANIFEST) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"model manifest {path} is missing",
                         "reinstall Sidik or restore models/manifest.json from git") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"model manifest {path} is unreadable: {exc}",
                         "restore models/manifest.json from git") from None
    if not isinstance(data, dict) or "models" not in data:
        raise ModelError(f"model manifest {path} has no 'models' section",
                         "restore models/manifest.json from git")
    return data


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified_model_bytes(entry: dict, models_dir: Path) -> bytes:
    """The model file's bytes, after checking they hash to the manifest's sha256."""
    path = Path(models_dir) / entry["file"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"model file {path} is missing",
                         "reinstall Sidik or restore the models/ folder from git") from None
    except OSError as exc:
        raise ModelError(f"model file {path} cannot be read: {exc}", "check permissions") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.get("sha256"):
        raise ModelError(
            f"model file {path} does not match its manifest (sha256 {digest[:12]}..., "
            f"expected {str(entry.get('sha256'))[:12]}...)",
            "the file is corrupt or was replaced; restore models/ from git")
    return data


def interpreter_class():
    """LiteRT's Interpreter, else tflite_runtime's."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise ModelError("no TFLite runtime is installed",
                             "pip install ai-edge-litert (or tflite-runtime)") from None
    return Interpreter


@dataclass
class QuantSpec:
    scale: float
    zero_point: int
    dtype: type


class TFLiteModel:
    """One verified model; ``run`` feeds a float array (quantising if the model is int8).

    The input's height and width may change between calls: the interpreter is
    resized, which fully convolutional models allow.
    """

    def __init__(self, model_bytes: bytes, num_threads: int = 1):
        cls = interpreter_class()
        try:
            self._it = cls(model_content=model_bytes, num_threads=num_threads)
            self._it.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"model cannot be loaded: {exc}",
                             "the file is corrupt; restore models/ from git") from None
        self._in = self._it.get_input_details()[0]
        self._out = self._it.get_output_details()[0]
        self.input = _spec(self._in)
        self.output = _spec(self._out)
        self._shape = tuple(self._in["shape"])

    def run(self, x: np.ndarray) -> np.ndarray:
        """float32 (1, h, w, c) -> float32 output (dequantised)."""
        if tuple(x.shape) != self._shape:
            self._it.resize_tensor_input(self._in["index"], list(x.shape))
            self._it.allocate_tensors()
            self._in = self._it.get_input_details()[0]
            self._out = self._it.get_output_details()[0]
            self._shape = tuple(x.shape)
        spec = self.input
        if spec.dtype is np.float32:
            q = x.astype(np.float32)
        else:
            info = np.iinfo(spec.dtype)
            q = np.clip(np.round(x / spec.scale) + spec.zero_point, info.min, info.max)
            q = q.astype(spec.dtype)
        self._it.set_tensor(self._in["index"], q)
        self._it.invoke()
        y = self._it.get_tensor(self._out["index"])
        if self.output.dtype is np.float32:
            return y.astype(np.float32)
        return (y.astype(np.float32) - self.output.zero_point) * self.output.scale


def _spec(detail: dict) -> QuantSpec:
    scale, zp = detail.get("quantization", (0.0, 0))
    return QuantSpec(float(scale), int(zp), np.dtype(detail["dtype"]).type)


def load_model(name: str, manifest_path: Path | str = MANIFEST, num_threads: int = 1):
    """(TFLiteModel, manifest entry) for the manifest's model ``name``, hash-checked."""
    manifest = read_manifest(manifest_path)
    entry = manifest["models"].get(name)
    if entry is None:
        raise ModelError(f"model {name!r} is not in {manifest_path}",
                         "restore models/manifest.json from git")
    data = verified_model_bytes(entry, Path(manifest_path).parent)
    return TFLiteModel(data, num_threads=num_threads), entry
