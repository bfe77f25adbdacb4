"""A stand-in fingerprint matcher: classic minutiae extraction and matching, numpy only.

It exists so that the verification core can be built and tested before the int8
TFLite matcher lands; the CLI uses it only when ``load_matcher()`` is missing or
fails. It is a real matcher (genuine and impostor pairs of the synthetic
generator separate), not a canned one, but it was tuned on synthetic prints and
has no calibration on real ones: its thresholds are estimates, not FMR figures.

Pipeline: local normalisation, variance segmentation, gradient orientation field,
global ridge period from the spectrum, oriented Gabor enhancement, Zhang-Suen
thinning by lookup table, crossing-number minutiae with a direction, clean-up.
Matching: neighbourhood descriptors pick candidate minutia pairs, each pair
proposes a rigid alignment, and the alignment that pairs the most minutiae wins.

Template (little-endian): ``b"SDM1"``, u8 number of views (impressions), then
per view: u16 count, count x (u16 x, u16 y, u8 angle/256 turn, u8 type), and a
16 x 16 bit foreground map of the image (32 bytes).
"""

from __future__ import annotations

import struct
from functools import lru_cache

import numpy as np

from .interface import FingerprintMatcher, Guidance, NoUsableFingerprint, QualityReport

MAGIC = b"SDM1"
IMAGE_SHAPE = (288, 256)
ENDING, BIFURCATION = 0, 1
_N_ORIENT = 16
_SIG_ACROSS, _SIG_ALONG = 4.0, 5.0
_MAP = 16  # foreground map is _MAP x _MAP cells
_MAX_MINUTIAE = 70
_MAX_VIEWS = 4
_MIN_CONTRAST = 9.5  # grey levels of ridge/valley spread (4-bit sensor images: steps of 17)
_DESC_RADII = (14.0, 28.0, 42.0)
_DESC_PER_RING = 8
_N_DESC = len(_DESC_RADII) * _DESC_PER_RING

# Matching tolerances, in pixels at 500 dpi and radians.
_DIST_TOL = 6.0
_DIST_GROWTH = 0.04
_ANGLE_TOL = np.deg2rad(25)
_SEEDS = 30
_SEED_MIN = 0.5
_DESC_SIGMA = np.deg2rad(20)
_MIN_NORM = 15
_MAX_ROTATION = np.deg2rad(50)


# ---- small image tools -----------------------------------------------------------------
def _box(a: np.ndarray, k: int, mode: str = "edge") -> np.ndarray:
    """Mean over a k x k window (k odd) via an integral image; edges per ``mode``."""
    p = k // 2
    c = np.pad(a, ((p + 1, p), (p + 1, p)), mode=mode).cumsum(0).cumsum(1)
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def _smooth(a: np.ndarray, k: int) -> np.ndarray:
    # Three box passes approximate a Gaussian well enough here.
    return _box(_box(_box(a, k), k), k)


# ---- thinning and crossing numbers by lookup table over the 8-neighbourhood -------------
# Bit k of the code is neighbour P(k+2) of Zhang-Suen: N, NE, E, SE, S, SW, W, NW.
_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


@lru_cache(maxsize=1)
def _luts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    p2, p4, p6, p8 = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    count = bits.sum(1)
    transitions = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(1)
    base = (count >= 2) & (count <= 6) & (transitions == 1)
    first = base & (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    second = base & (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    crossing = np.abs(bits - np.roll(bits, -1, axis=1)).sum(1) // 2
    return first, second, crossing


def _codes(b: np.ndarray) -> np.ndarray:
    padded = np.pad(b.astype(np.uint8), 1)
    h, w = b.shape
    code = np.zeros(b.shape, np.uint8)
    for k, (dy, dx) in enumerate(_OFFSETS):
        code |= padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] << k
    return code


def _thin(binary: np.ndarray, max_passes: int = 40) -> np.ndarray:
    first, second, _ = _luts()
    skel = binary.copy()
    for _ in range(max_passes):
        changed = False
        for lut in (first, second):
            kill = skel & lut[_codes(skel)]
            if kill.any():
                skel &= ~kill
                changed = True
        if not changed:
            break
    return skel


# ---- feature extraction ----------------------------------------------------------------
class _Analysis:
    """Everything extraction and the quality gate need from one image."""

    def __init__(self, image: np.ndarray):
        img = 255.0 - image.astype(np.float64)  # ridges bright
        mean = _smooth(img, 9)
        dev = img - mean
        spread = np.sqrt(np.maximum(_smooth(dev * dev, 9), 0))  # rounding can dip below 0
        self.contrast = spread
        self.norm = dev / (spread + 4.0)
        self.raw_mean = float(image.mean())
        # Foreground: enough ridge texture, cleaned of specks and holes.
        texture = _box(spread, 15)
        level = max(6.0, 0.3 * float(np.percentile(texture, 98)))
        fg = _box((texture > level).astype(np.float64), 25) > 0.5
        self.mask = fg
        gy, gx = np.gradient(_smooth(self.norm, 3))
        gxx, gyy, gxy = (_smooth(v, 11) for v in (gx * gx, gy * gy, gx * gy))
        gxx, gyy = np.maximum(gxx, 0), np.maximum(gyy, 0)
        # Ridges run perpendicular to the dominant gradient.
        self.theta = (0.5 * np.arctan2(2 * gxy, gxx - gyy) + np.pi / 2) % np.pi
        energy = gxx + gyy
        self.coherence = np.clip(np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / (energy + 1e-9), 0, 1)
        self.period = _ridge_period(self.norm, fg)

    @property
    def foreground(self) -> float:
        return float(self.mask.mean())


def _ridge_period(norm: np.ndarray, mask: np.ndarray) -> float:
    """Dominant ridge period (px) from the radial spectrum of the foreground."""
    if mask.mean() < 0.02:
        return 9.0
    spec = np.abs(np.fft.rfft2(norm * mask)) ** 2
    fy = np.fft.fftfreq(norm.shape[0])[:, None]
    fx = np.fft.rfftfreq(norm.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    band = (radius > 1 / 14.0) & (radius < 1 / 5.5)
    bins = np.linspace(1 / 14.0, 1 / 5.5, 25)
    idx = np.digitize(radius[band], bins)
    power = np.bincount(idx, weights=spec[band], minlength=len(bins) + 1)[1 : len(bins)]
    centres = 0.5 * (bins[1:] + bins[:-1])
    return float(1.0 / centres[int(np.argmax(power))])


@lru_cache(maxsize=8)
def _gabor_bank(period: float, shape: tuple[int, int]) -> np.ndarray:
    """rfft2 of even Gabor kernels, one per orientation, zero-padded to ``shape``."""
    size = 25
    r = np.arange(size) - size // 2
    y, x = np.meshgrid(r, r, indexing="ij")
    bank = []
    for k in range(_N_ORIENT):
        t = k * np.pi / _N_ORIENT  # ridge direction
        across = -x * np.sin(t) + y * np.cos(t)
        along = x * np.cos(t) + y * np.sin(t)
        g = np.exp(-0.5 * (across**2 / _SIG_ACROSS**2 + along**2 / _SIG_ALONG**2))
        g = g * np.cos(2 * np.pi * across / period)
        g -= g.mean()
        g /= np.abs(g).sum()
        padded = np.zeros(shape)
        padded[:size, :size] = g
        padded = np.roll(padded, (-(size // 2), -(size // 2)), axis=(0, 1))
        bank.append(np.fft.rfft2(padded))
    return np.stack(bank)


def _enhance(an: _Analysis) -> np.ndarray:
    h, w = an.norm.shape
    shape = (h + 32, w + 32)
    src = np.zeros(shape)
    src[:h, :w] = an.norm * an.mask
    spec = np.fft.rfft2(src)
    bank = _gabor_bank(round(an.period * 4) / 4, shape)
    index = np.rint(an.theta / np.pi * _N_ORIENT).astype(int) % _N_ORIENT
    out = np.zeros((h, w))
    for k in range(_N_ORIENT):
        sel = index == k
        if sel.any():
            out[sel] = np.fft.irfft2(spec * bank[k], s=shape)[:h, :w][sel]
    return out


def _minutiae(an: _Analysis) -> np.ndarray:
    """(N, 4 + _N_DESC) float array: x, y, direction (0..2pi), type, orientation descriptor."""
    enhanced = _enhance(an)
    ridges = (enhanced > 0) & an.mask
    skel = _thin(ridges)
    _, _, crossing = _luts()
    cn = np.where(skel, crossing[_codes(skel)], 0)
    # Only well inside the print: border minutiae are artefacts of the finger's edge.
    # Outside the image counts as background, so the image edge is a border too.
    inner = _box(an.mask.astype(np.float64), 31, mode="constant") > 0.999
    ys, xs = np.nonzero(((cn == 1) | (cn == 3)) & inner)
    if len(xs) == 0:
        return np.zeros((0, 4 + _N_DESC))
    kinds = np.where(cn[ys, xs] == 1, ENDING, BIFURCATION)
    # Breaks and spurs create close pairs of minutiae: drop both partners.
    pts = np.stack([xs, ys], 1).astype(np.float64)
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    keep = d.min(1) > 0.8 * an.period
    xs, ys, kinds = xs[keep], ys[keep], kinds[keep]
    theta = an.theta[ys, xs]
    direction = _direction(skel, xs, ys, theta, an.period)
    quality = an.coherence[ys, xs]
    order = np.argsort(-quality)[:_MAX_MINUTIAE]
    m = np.stack([xs, ys, direction, kinds], 1).astype(np.float64)[order]
    return np.concatenate([m, _orientation_descriptor(an, m)], 1)


def _descriptor_points() -> tuple[np.ndarray, np.ndarray]:
    """Sample points around a minutia, as (radius, angle from its direction)."""
    radii = np.repeat(_DESC_RADII, _DESC_PER_RING)
    angles = np.tile(np.arange(_DESC_PER_RING) * 2 * np.pi / _DESC_PER_RING, len(_DESC_RADII))
    return radii, angles


def _orientation_descriptor(an: _Analysis, m: np.ndarray) -> np.ndarray:
    """Ridge orientation at points on rings around each minutia, relative to its direction
    (mod pi); NaN off the print. Rotation-invariant, and far more telling than positions
    alone: another finger's ridges rarely flow the same way all around a minutia."""
    radii, angles = _descriptor_points()
    h, w = an.mask.shape
    a = m[:, 2:3] + angles[None, :]
    px = np.rint(m[:, 0:1] + radii[None, :] * np.cos(a)).astype(int)
    py = np.rint(m[:, 1:2] + radii[None, :] * np.sin(a)).astype(int)
    inside = (px >= 0) & (py >= 0) & (px < w) & (py < h)
    px, py = np.clip(px, 0, w - 1), np.clip(py, 0, h - 1)
    rel = (an.theta[py, px] - m[:, 2:3]) % np.pi
    return np.where(inside & an.mask[py, px], rel, np.nan)


def _direction(skel: np.ndarray, xs, ys, theta, period: float) -> np.ndarray:
    """Pick theta or theta + pi: endings point into their ridge, bifurcations between
    their branches (so a minutia keeps its direction when its type flips).

    Counted on the skeleton in a strip along the ridge direction: an ending has its
    one ridge on the inner side and none on the other; a bifurcation has two
    branches on the inner side and one stem on the other.
    """
    r = 9
    h, w = skel.shape
    oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
    ring = (ox**2 + oy**2 <= r * r) & (ox**2 + oy**2 > 9)
    oy, ox = oy[ring], ox[ring]
    yy = np.clip(ys[:, None] + oy[None, :], 0, h - 1)
    xx = np.clip(xs[:, None] + ox[None, :], 0, w - 1)
    on = skel[yy, xx]
    ux, uy = np.cos(theta), np.sin(theta)
    along = ox[None, :] * ux[:, None] + oy[None, :] * uy[:, None]
    across = np.abs(-ox[None, :] * uy[:, None] + oy[None, :] * ux[:, None])
    near = on & (across < 0.6 * period)
    side = (near * np.sign(along)).sum(1)
    return np.where(side < 0, theta + np.pi, theta) % (2 * np.pi)


def _foreground_bits(mask: np.ndarray) -> bytes:
    h, w = mask.shape
    cells = mask[: h - h % _MAP, : w - w % _MAP].reshape(_MAP, h // _MAP, _MAP, w // _MAP)
    return np.packbits(cells.mean(axis=(1, 3)) > 0.5).tobytes()


# ---- template encoding -----------------------------------------------------------------
def _encode(views: list[tuple[np.ndarray, bytes]]) -> bytes:
    out = [MAGIC, struct.pack("<B", len(views))]
    for m, fg in views:
        out.append(struct.pack("<H", len(m)))
        rec = np.zeros(len(m), _RECORD)
        rec["x"], rec["y"], rec["t"] = m[:, 0], m[:, 1], m[:, 3]
        rec["a"] = np.rint(m[:, 2] / (2 * np.pi) * 256).astype(int) % 256
        desc = m[:, 4:]
        rec["d"] = np.where(np.isnan(desc), 255,
                            np.rint(np.nan_to_num(desc) / np.pi * 180).astype(int) % 180)
        out += [rec.tobytes(), fg]
    return b"".join(out)


_RECORD = np.dtype([("x", "<u2"), ("y", "<u2"), ("a", "u1"), ("t", "u1"),
                    ("d", "u1", (_N_DESC,))])


def _decode(blob: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
    """Template -> views of (minutiae (N, 4 + _N_DESC), foreground map (16, 16) bool)."""
    try:
        if not isinstance(blob, bytes | bytearray) or blob[:4] != MAGIC:
            raise ValueError("not a stand-in template")
        n_views = blob[4]
        pos, views = 5, []
        if not 1 <= n_views <= _MAX_VIEWS:
            raise ValueError(f"{n_views} views")
        for _ in range(n_views):
            (count,) = struct.unpack_from("<H", blob, pos)
            pos += 2
            rec = np.frombuffer(blob, _RECORD, count, pos)
            pos += _RECORD.itemsize * count
            d = rec["d"].astype(np.float64).reshape(count, _N_DESC)
            if ((d > 179) & (d != 255)).any() or (rec["t"] > 1).any():
                raise ValueError("bad minutia record")
            desc = np.where(d == 255, np.nan, d / 180 * np.pi)
            m = np.concatenate([np.stack([rec["x"], rec["y"], rec["a"] / 256.0 * 2 * np.pi,
                                          rec["t"]], 1).astype(np.float64), desc], 1)
            fg = np.unpackbits(np.frombuffer(blob, np.uint8, _MAP * _MAP // 8, pos))
            pos += _MAP * _MAP // 8
            if (m[:, 0] >= IMAGE_SHAPE[1]).any() or (m[:, 1] >= IMAGE_SHAPE[0]).any():
                raise ValueError("minutia outside the image")
            views.append((m, fg.reshape(_MAP, _MAP).astype(bool)))
        if pos != len(blob):
            raise ValueError("trailing bytes")
        return views
    except (struct.error, ValueError, IndexError, TypeError) as exc:
        raise ValueError(f"corrupt fingerprint template: {exc}") from None


# ---- matching ----------------------------------------------------------------------------
def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def _desc_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(Na, Nb) similarity in 0..1 of the minutiae's orientation descriptors."""
    da, db = a[:, None, 4:], b[None, :, 4:]
    diff = np.abs(da - db) % np.pi
    diff = np.minimum(diff, np.pi - diff)
    valid = ~np.isnan(diff)
    close = np.exp(-((np.nan_to_num(diff) / _DESC_SIGMA) ** 2)) * valid
    n_valid = valid.sum(2)
    # Few comparable points say little: shrink towards zero.
    return close.sum(2) / np.maximum(n_valid, _N_DESC // 2)


def _apply(a: np.ndarray, rot: float, tx: float, ty: float) -> np.ndarray:
    c, s = np.cos(rot), np.sin(rot)
    return np.stack([c * a[:, 0] - s * a[:, 1] + tx, s * a[:, 0] + c * a[:, 1] + ty,
                     (a[:, 2] + rot) % (2 * np.pi), a[:, 3]], 1)


def _pair(ta: np.ndarray, b: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one pairs (mutual nearest neighbours) of aligned minutiae within tolerance.

    The distance tolerance grows away from the alignment centre, where skin
    distortion has had more room to move a minutia.
    """
    d = np.hypot(ta[:, None, 0] - b[None, :, 0], ta[:, None, 1] - b[None, :, 1])
    r = np.hypot(b[:, 0] - centre[0], b[:, 1] - centre[1])
    tol = _DIST_TOL + _DIST_GROWTH * r
    dang = np.abs(_wrap(ta[:, None, 2] - b[None, :, 2]))
    cost = np.where((d < tol[None, :]) & (dang < _ANGLE_TOL), d, np.inf)
    if not np.isfinite(cost).any():
        return np.zeros(0, int), np.zeros(0, int)
    best_b = cost.argmin(1)
    best_a = cost.argmin(0)
    ia = np.nonzero(np.isfinite(cost.min(1)) & (best_a[best_b] == np.arange(len(ta))))[0]
    return ia, best_b[ia]


def _fit(pa: np.ndarray, pb: np.ndarray) -> tuple[float, float, float]:
    """Least-squares rotation + translation taking points pa onto pb."""
    ca, cb = pa.mean(0), pb.mean(0)
    qa, qb = pa - ca, pb - cb
    rot = float(np.arctan2((qa[:, 0] * qb[:, 1] - qa[:, 1] * qb[:, 0]).sum(),
                           (qa * qb).sum()))
    c, s = np.cos(rot), np.sin(rot)
    return rot, float(cb[0] - (c * ca[0] - s * ca[1])), float(cb[1] - (s * ca[0] + c * ca[1]))


def _match_views(a: np.ndarray, fa: np.ndarray, b: np.ndarray, fb: np.ndarray) -> float:
    """Similarity in 0..1 of two minutiae sets (a: probe, b: reference)."""
    if len(a) < 4 or len(b) < 4:
        return 0.0
    sim = _desc_similarity(a, b)
    rot_all = _wrap(b[None, :, 2] - a[:, None, 2])
    sim[np.abs(rot_all) > _MAX_ROTATION] = -1
    flat = np.argsort(-sim, axis=None)[:_SEEDS]
    seeds = [(i, j) for i, j in zip(*np.unravel_index(flat, sim.shape), strict=True)
             if sim[i, j] >= _SEED_MIN]
    best = (0.0, None)
    for i, j in seeds:
        rot = float(rot_all[i, j])
        c, s = np.cos(rot), np.sin(rot)
        tx = b[j, 0] - (c * a[i, 0] - s * a[i, 1])
        ty = b[j, 1] - (s * a[i, 0] + c * a[i, 1])
        ia, ib = _pair(_apply(a, rot, tx, ty), b, b[j, :2])
        weight = float(sim[ia, ib].clip(0).sum())
        if weight > best[0]:
            best = (weight, (ia, ib))
    if best[1] is None or len(best[1][0]) < 3:
        return 0.0
    # Refit on all pairs of the best seed and pair again around their centre.
    ia, ib = best[1]
    rot, tx, ty = _fit(a[ia, :2], b[ib, :2])
    ta = _apply(a, rot, tx, ty)
    ja, jb = _pair(ta, b, b[ib, :2].mean(0))
    # Each pair counts as much as its neighbourhoods agree.
    n_pair = max(float(sim[ja, jb].clip(0).sum()), best[0])
    # Count only minutiae that fall inside the other print, so a small overlap is fair.
    n_a = max(int(_inside(ta[:, 0], ta[:, 1], fb).sum()), n_pair)
    back = _apply(b, -rot, 0, 0)
    c, s = np.cos(-rot), np.sin(-rot)
    back[:, 0] -= c * tx - s * ty
    back[:, 1] -= s * tx + c * ty
    n_b = max(int(_inside(back[:, 0], back[:, 1], fa).sum()), n_pair)
    return float(min(1.0, n_pair**2 / (max(n_a, _MIN_NORM) * max(n_b, _MIN_NORM))))


def _inside(x: np.ndarray, y: np.ndarray, fg: np.ndarray) -> np.ndarray:
    h, w = IMAGE_SHAPE
    cx = np.floor(x / (w / _MAP)).astype(int)
    cy = np.floor(y / (h / _MAP)).astype(int)
    ok = (cx >= 0) & (cy >= 0) & (cx < _MAP) & (cy < _MAP)
    return ok & fg[np.clip(cy, 0, _MAP - 1), np.clip(cx, 0, _MAP - 1)]


# ---- the matcher -------------------------------------------------------------------------
class StandInMatcher(FingerprintMatcher):
    """Minutiae matcher implementing :class:`FingerprintMatcher` (numpy only)."""

    version = "standin-minutiae-1"
    # Measured on 60 genuine / 810 impostor synthetic pairs (4-bit sensor images,
    # three-impression templates): the highest impostor score was 0.126, 99th
    # percentile 0.10; 0.13 then misses about 30 % of single genuine attempts, in
    # line with the generator's own baseline matcher (docs/fingerprint_generator.md).
    # Estimates, not calibrated FMRs.
    verify_threshold = 0.13
    dedup_threshold = 0.25
    min_minutiae = 6

    def _check(self, image: np.ndarray) -> None:
        if not isinstance(image, np.ndarray):
            raise NoUsableFingerprint("wrong_type", "the image is not an array")
        if image.shape != IMAGE_SHAPE:
            raise NoUsableFingerprint("wrong_shape", f"image shape {image.shape}, "
                                      f"expected {IMAGE_SHAPE}")
        if image.dtype != np.uint8:
            raise NoUsableFingerprint("wrong_dtype", f"image dtype {image.dtype}, expected uint8")

    def quality(self, image: np.ndarray) -> QualityReport:
        try:
            self._check(image)
        except NoUsableFingerprint as exc:
            return QualityReport(0.0, False, Guidance.NO_FINGER, {"reason": exc.reason})
        an = _Analysis(image)
        return _assess(an)

    def extract(self, image: np.ndarray) -> bytes:
        self._check(image)
        an = _Analysis(image)
        report = _assess(an)
        if not report.usable:
            raise NoUsableFingerprint(report.details.get("reason", "low_quality"),
                                      "the fingerprint image is not good enough",
                                      report.guidance)
        m = _minutiae(an)
        if len(m) < self.min_minutiae:
            raise NoUsableFingerprint("too_few_features",
                                      f"only {len(m)} minutiae found", Guidance.PRESS_HARDER)
        return _encode([(m, _foreground_bits(an.mask))])

    def merge(self, templates: list[bytes]) -> bytes:
        if not templates:
            raise ValueError("nothing to merge")
        views = []
        for t in templates:
            for m, fg in _decode(t):
                views.append((m, np.packbits(fg).tobytes()))
        # Keep the richest impressions: they cover the most of the finger.
        views.sort(key=lambda v: -len(v[0]))
        return _encode(views[:_MAX_VIEWS])

    def compare(self, probe: bytes, reference: bytes) -> float:
        pv, rv = _decode(probe), _decode(reference)
        return max(_match_views(a, fa, b, fb) for a, fa in pv for b, fb in rv)


def _assess(an: _Analysis) -> QualityReport:
    """Quality in 0..1 and the advice that would most improve the next capture."""
    fg = an.foreground
    details = {"foreground": round(fg, 3), "period": round(an.period, 2)}
    if fg < 0.03:
        return QualityReport(0.0, False, Guidance.NO_FINGER, {**details, "reason": "blank"})
    coherence = float(an.coherence[an.mask].mean())
    contrast = float(np.median(an.contrast[an.mask]))
    ys, xs = np.nonzero(an.mask)
    h, w = an.mask.shape
    off_centre = float(np.hypot(xs.mean() / w - 0.5, ys.mean() / h - 0.5))
    details.update(coherence=round(coherence, 3), contrast=round(contrast, 1),
                   off_centre=round(off_centre, 3), mean_grey=round(an.raw_mean, 1))
    score = float(np.clip(min(fg / 0.45, 1.0) * 0.4 + min(coherence / 0.6, 1.0) * 0.4
                          + min(contrast / 25.0, 1.0) * 0.2, 0, 1))
    details["score"] = round(score, 3)
    if fg < 0.25:
        guidance = Guidance.CENTRE_FINGER if off_centre > 0.15 else Guidance.PRESS_HARDER
        return QualityReport(score, False, guidance, {**details, "reason": "too_small"})
    if contrast < _MIN_CONTRAST:
        # Ridges barely darker than the glass: light touch, or skin worn smooth.
        return QualityReport(score, False, Guidance.PRESS_HARDER, {**details, "reason": "faint"})
    if an.raw_mean < 70 or (an.raw_mean < 110 and coherence < 0.45):
        return QualityReport(score, False, Guidance.CLEAN_OR_DRY, {**details, "reason": "smeared"})
    if coherence < 0.3:
        guidance = Guidance.MOISTEN if an.raw_mean > 165 else Guidance.CLEAN_OR_DRY
        return QualityReport(score, False, guidance, {**details, "reason": "low_quality"})
    if off_centre > 0.2:
        return QualityReport(score, True, Guidance.CENTRE_FINGER, details)
    return QualityReport(score, True, Guidance.OK, details)
