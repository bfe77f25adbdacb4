"""The on-device matcher: int8 TFLite minutia network + cylinder matcher + fixed-length code.

    from kiosk.biometrics.fingerprint import load_matcher
    m = load_matcher()                       # models/manifest.json, hash-checked
    t = m.extract(image)                     # uint8 (288, 256) -> template bytes
    m.compare(t, enrolled) >= m.verify_threshold

Image -> (quality gate) -> 500 dpi -> local normalisation -> network (stride-4
maps: foreground, minutia heat, offsets, directions) -> minutiae, mask,
cylinders, code -> template. Comparison decodes templates (cached) and fuses
impression scores (match.py). 1:N: the fixed-length code shortlists, the
minutia comparison ranks (Gallery).
"""

from __future__ import annotations

import io
import itertools
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..runtime import MANIFEST, ModelError, TFLiteModel, load_model, verified_model_bytes
from . import features as ft
from . import preprocess as pp
from . import template as tpl
from .interface import FingerprintMatcher, Guidance, NoUsableFingerprint, QualityReport
from .match import fuse

MODEL_NAME = "fingerprint"
MIN_MINUTIAE = 6
_CACHE = 128  # decoded templates: ~150 kB per impression, so 128 of 3 impressions ~ 58 MB


class TFLiteFingerprintMatcher(FingerprintMatcher):
    """FingerprintMatcher over a hash-checked TFLite model; see the module docstring."""

    def __init__(self, model: TFLiteModel, entry: dict, dpi: float = pp.SENSOR_DPI,
                 code_space: tuple[np.ndarray, np.ndarray] | None = None):
        self.model = model
        self.code_space = code_space  # (mean, whitening) for the 1:N shortlist, or None
        self.entry = entry
        self.version = str(entry.get("version", "unknown"))
        thr = entry.get("thresholds", {})
        self.verify_threshold = float(thr.get("verify", 0.5))
        self.dedup_threshold = float(thr.get("dedup", 0.7))
        self.dpi = float(dpi)
        self.heat_threshold = float(entry.get("heat_threshold", ft.HEAT_THRESHOLD))
        self.max_minutiae = int(entry.get("max_minutiae", ft.MAX_MINUTIAE))
        self.ridge_sigma = float(entry.get("ridge_sigma", pp.RIDGE_SIGMA))
        # (fmr, threshold) rows, most lenient first: the calibrated per-comparison table
        self._by_fmr = sorted(((float(r[0]), float(r[1])) for r in thr.get("verify_by_fmr", ())),
                              reverse=True)
        self._decoded: OrderedDict[bytes, tpl.Template] = OrderedDict()

    def verify_threshold_at(self, fmr: float) -> float:
        """Interpolated in log(FMR) between the manifest's calibrated rows; never below
        ``verify_threshold``; past the strictest row, that row's threshold (no extrapolation
        beyond what calibration measured: the manifest says how far that is)."""
        rows = self._by_fmr
        if not rows or fmr >= rows[0][0]:
            return self.verify_threshold
        if fmr <= rows[-1][0]:
            return max(rows[-1][1], self.verify_threshold)
        for (f0, t0), (f1, t1) in itertools.pairwise(rows):
            if f1 <= fmr <= f0:
                w = (np.log(fmr) - np.log(f0)) / (np.log(f1) - np.log(f0))
                return max(float(t0 + w * (t1 - t0)), self.verify_threshold)
        return self.verify_threshold

    # -- capture side ---------------------------------------------------------------------
    def quality(self, image: np.ndarray) -> QualityReport:
        try:
            img = pp.check_image(image)
        except NoUsableFingerprint as exc:
            return QualityReport(0.0, False, exc.guidance, {"reason": exc.reason})
        score, usable, guidance, details = pp.assess(img)
        return QualityReport(round(score, 3), usable, guidance, details)

    def features(self, image: np.ndarray) -> ft.Features:
        """Minutiae (in 500 dpi pixels) and foreground mask of one capture."""
        img = pp.check_image(image)
        _score, usable, guidance, details = pp.assess(img)
        if not usable:
            reason = details.get("reason", "low_quality")
            raise NoUsableFingerprint(reason, f"no usable fingerprint ({reason}): "
                                      f"foreground {details['foreground']:.0%}", guidance)
        img = pp.rescale(img, self.dpi)
        x = pp.normalise(pp.stretch(img))
        maps = self.model.run(pp.pad_to(x)[None, :, :, None])[0]
        if self.ridge_sigma > 0:
            # Second pass on the image smoothed along the first pass's ridge orientation: on
            # faint, pore-dotted or dry prints the first pass finds many unstable minutiae.
            gh, gw = -(-x.shape[0] // ft.STRIDE), -(-x.shape[1] // ft.STRIDE)
            xs = pp.smooth_along_ridges(x, maps[:gh, :gw, ft.ORIENT_COS2],
                                        maps[:gh, :gw, ft.ORIENT_SIN2], ft.STRIDE,
                                        self.ridge_sigma)
            maps = self.model.run(pp.pad_to(xs)[None, :, :, None])[0]
        return ft.decode(maps, img.shape, self.heat_threshold, self.max_minutiae)

    def extract(self, image: np.ndarray, finger: int = tpl.UNKNOWN_FINGER) -> bytes:
        f = self.features(image)
        if len(f.minutiae) < MIN_MINUTIAE:
            raise NoUsableFingerprint(
                "too_few_features", f"only {len(f.minutiae)} minutiae found "
                f"(at least {MIN_MINUTIAE} needed)", Guidance.PRESS_HARDER)
        bits, valid = ft.cylinders(f.minutiae, f.mask)
        quality = int(np.clip(np.mean(f.minutiae[:, 3]) * 255, 0, 255))
        rec = {"finger": finger, "quality": quality, "minutiae": f.minutiae, "mask": f.mask,
               "bits": bits, "valid": valid}
        return tpl.encode(ft.embedding(f.minutiae), [rec])

    def merge(self, templates: list[bytes]) -> bytes:
        return tpl.merge(list(templates))

    # -- comparison side ------------------------------------------------------------------
    def _decode(self, data: bytes) -> tpl.Template:
        key = bytes(data)
        t = self._decoded.get(key)
        if t is None:
            t = tpl.decode(key)
            self._decoded[key] = t
            if len(self._decoded) > _CACHE:
                self._decoded.popitem(last=False)
        return t

    def compare(self, probe: bytes, reference: bytes) -> float:
        return fuse(self._decode(probe), self._decode(reference))

    def shortlist_codes(self, codes: np.ndarray) -> np.ndarray:
        """Fixed-length codes (rows) as the shortlist compares them: whitened, unit length."""
        codes = np.asarray(codes, np.float32)
        if self.code_space is not None:
            mu, w = self.code_space
            codes = (codes - mu) @ w
        norm = np.linalg.norm(codes, axis=-1, keepdims=True)
        return codes / np.maximum(norm, 1e-9)

    def identify(self, probe: bytes, gallery, top: int = 5) -> list[tuple[object, float]]:
        if not isinstance(gallery, Gallery):
            gallery = Gallery(gallery)
        return gallery.search(self, probe, top)


class Gallery:
    """Enrolled templates for 1:N: their fixed-length codes stacked in one matrix.

    ``search`` scores the probe's code against all (one matrix-vector product, in
    the matcher's code space: the first search converts the matrix in place), then
    ranks the ``shortlist`` best by the full minutia comparison.
    """

    def __init__(self, items: Iterable[tuple[object, bytes]] = ()):
        self.keys: list[object] = []
        self.templates: list[bytes] = []
        codes = []
        for key, data in items:
            self.keys.append(key)
            self.templates.append(data)
            codes.append(tpl.read_code(data))
        self.codes = np.array(codes, np.float32).reshape(-1, ft.EMB_DIM)
        self._space = None  # (code_space,) once self.codes are converted into it

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, matcher: FingerprintMatcher, probe: bytes, top: int = 5,
               shortlist: int = 100) -> list[tuple[object, float]]:
        if len(self) == 0:
            return []
        convert = getattr(matcher, "shortlist_codes", None)
        space = getattr(matcher, "code_space", None)
        if convert is not None and self._space is None:
            for i in range(0, len(self.codes), 16384):  # in place, in slices: no second matrix
                self.codes[i:i + 16384] = convert(self.codes[i:i + 16384])
            self._space = (space,)
        elif convert is not None and not _same_space(self._space[0], space):
            raise ValueError("this gallery's codes are in another matcher's code space")
        code = tpl.read_code(probe)
        sims = self.codes @ (convert(code) if convert is not None else code)
        k = min(shortlist, len(sims))
        cand = np.argpartition(-sims, k - 1)[:k]
        scored = [(self.keys[i], matcher.compare(probe, self.templates[i])) for i in cand]
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored[:top]


def _same_space(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def load_matcher(manifest: Path | str = MANIFEST, dpi: float = pp.SENSOR_DPI,
                 num_threads: int = 1, model: str = MODEL_NAME) -> TFLiteFingerprintMatcher:
    """The committed matcher, its model hash-checked against ``models/manifest.json``.

    ``model`` picks another manifest entry (``fingerprint_float``: the float twin,
    for measuring what int8 quantisation costs).
    """
    net, entry = load_model(model, manifest, num_threads=num_threads)
    if net.input.dtype not in (np.int8, np.float32):
        raise ModelError(f"unexpected model input type {net.input.dtype}",
                         "restore models/ from git")
    return TFLiteFingerprintMatcher(net, entry, dpi=dpi,
                                    code_space=_code_space(entry, Path(manifest).parent))


def _code_space(entry: dict, models_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The shortlist's code whitening (models/recipe/codespace.py), hash-checked; None if the
    manifest names none (the raw codes are then compared)."""
    spec = entry.get("code_whitening")
    if spec is None:
        return None
    data = verified_model_bytes(spec, models_dir)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            mu, w = z["mu"].astype(np.float32), z["w"].astype(np.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"code whitening {spec['file']} cannot be loaded: {exc}",
                         "restore models/ from git") from None
    if mu.shape != (ft.EMB_DIM,) or w.shape != (ft.EMB_DIM, ft.EMB_DIM):
        raise ModelError(f"code whitening {spec['file']} has the wrong shape",
                         "restore models/ from git")
    return mu, w
