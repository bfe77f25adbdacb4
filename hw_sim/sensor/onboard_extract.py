"""Image -> minutiae for the simulated sensor's Img2Tz (see onboard.py).

Pipeline: local normalisation, variance segmentation, gradient orientation field,
global ridge period from the spectrum, oriented Gabor enhancement, Zhang-Suen
thinning by lookup table, crossing-number minutiae, structural and geometric
clean-up. Everything is vectorised; the only Python loops run over orientations
and thinning passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

# Minutia types, as stored in the character file.
ENDING = 0
BIFURCATION = 1

# Texture is measured on a lightly smoothed image: sensor noise (pixel-to-pixel)
# mostly goes, ridges (period ~9 px) mostly stay. Below this local spread the
# glass is bare.
_PRE_SMOOTH = 1.5
_TEXTURE_FLOOR = 4.0
_N_ORIENT = 16
_MIN_PERIOD, _MAX_PERIOD, _DEFAULT_PERIOD = 6.0, 14.0, 9.0
_BLOCK = 15  # window of the local variance used for segmentation
_PRESENT_FRACTION = 0.05  # of the window covered by dark ridge pixels
# Clean-up lengths, in ridge periods: spurs, short ridges/dots, bridges/lakes,
# minutiae too close to both be real, facing endings of a broken ridge, and the
# margin along the print's edge where every ridge seems to end.
SPUR_LEN, SHORT_LEN, BRIDGE_LEN = 1.0, 1.0, 1.2
CLOSE_DIST, BROKEN_DIST, EDGE_MARGIN = 0.7, 1.8, 1.3
MIN_COHERENCE = 0.2
MIN_AMPLITUDE = 0.5  # of the median Gabor amplitude over the print
MESSY_COHERENCE = 0.2  # mean over the print; random noise gives ~0.07
ORIENT_SIGMA = 12.0  # px, smoothing of the gradient tensor
NORM_SIGMA = 5.0  # px, local mean/contrast normalisation


class ExtractFailure(Exception):
    """Why an image yields no usable features; ``reason`` is blank, messy or few."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class Features:
    """Minutiae of one image.

    ``minutiae`` is (N, 5) float64: x, y (pixels), theta (radians, [0, 2pi)), type
    (ENDING/BIFURCATION), quality (0..1). Endings point into their ridge,
    bifurcations into the fork, so a ridge ending that turns into a bifurcation on
    a wetter impression keeps roughly its direction.
    """

    minutiae: np.ndarray
    period: float
    coherence: float  # mean over the foreground, 0..1
    foreground: float  # fraction of the image


# ---- lookup tables over the 8-neighbourhood code ---------------------------------------
# Neighbour k of the code is P(k+2) of Zhang-Suen: N, NE, E, SE, S, SW, W, NW.
_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _build_luts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    count = bits.sum(1)
    transitions = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(1)
    p2, _, p4, _, p6, _, p8, _ = bits.T
    base = (count >= 2) & (count <= 6) & (transitions == 1)
    first = base & (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    second = base & (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    return first, second, transitions.astype(np.uint8)


_ZS_FIRST, _ZS_SECOND, _CROSSING = _build_luts()


def _code_kernel() -> np.ndarray:
    ker = np.zeros((3, 3), np.float32)
    for k, (dy, dx) in enumerate(_OFFSETS):
        ker[1 + dy, 1 + dx] = 1 << k
    return ker


_CODE_KERNEL = _code_kernel()


def _neighbour_code(b: np.ndarray) -> np.ndarray:
    """8-bit code of each pixel's 0/1 neighbours (a correlation; sums stay <= 255)."""
    return cv2.filter2D(b, -1, _CODE_KERNEL, borderType=cv2.BORDER_CONSTANT)


def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen skeleton of a 0/1 uint8 image (both sub-iterations by table)."""
    sk = (binary > 0).astype(np.uint8)
    while True:
        changed = False
        for lut in (_ZS_FIRST, _ZS_SECOND):
            kill = lut[_neighbour_code(sk)] & (sk == 1)
            if kill.any():
                sk[kill] = 0
                changed = True
        if not changed:
            return sk


# ---- image-level analysis ----------------------------------------------------------------
def _local_stats(img: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    mean = cv2.GaussianBlur(img, (0, 0), sigma)
    var = cv2.GaussianBlur(img * img, (0, 0), sigma) - mean * mean
    return mean, np.sqrt(np.maximum(var, 0.0))


def _largest_components(mask: np.ndarray, min_frac: float = 0.25) -> np.ndarray:
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros_like(mask)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(n, np.uint8)
    keep[1:] = areas >= min_frac * areas.max()
    return keep[lab]


def _texture(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lightly smoothed image and its local standard deviation."""
    sm = cv2.GaussianBlur(img, (0, 0), _PRE_SMOOTH)
    mean = cv2.blur(sm, (_BLOCK, _BLOCK))
    std = np.sqrt(np.maximum(cv2.blur(sm * sm, (_BLOCK, _BLOCK)) - mean * mean, 0.0))
    return sm, std


def segment(img: np.ndarray) -> np.ndarray:
    """Foreground (finger on glass) mask, uint8 0/1, from the local grey-level spread."""
    _, std = _texture(img)
    # Relative to the best-textured part so a faint (dry) print is not all background.
    level = max(_TEXTURE_FLOOR, 0.3 * float(np.percentile(std, 95)))
    mask = (std > level).astype(np.uint8)
    ker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, ker)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, ker)
    mask = _largest_components(mask)
    # Fill holes (a wet blotch inside the print is still finger).
    inv = (1 - mask).astype(np.uint8)
    n, lab = cv2.connectedComponents(inv, connectivity=4)
    if n > 1:
        touches = np.zeros(n, bool)
        for edge in (lab[0], lab[-1], lab[:, 0], lab[:, -1]):
            touches[edge] = True
        hole = ~touches
        hole[0] = False
        mask = mask | hole[lab].astype(np.uint8)
    return mask


def orientation_field(img: np.ndarray, sigma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ridge direction (radians mod pi, image axes x right / y down) and coherence."""
    sigma = ORIENT_SIGMA if sigma is None else sigma
    sm = cv2.GaussianBlur(img, (0, 0), 1.0)
    gx = cv2.Sobel(sm, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(sm, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    gyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    gxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    diff = gxx - gyy
    # Gradient direction is 0.5*atan2(2gxy, gxx-gyy); ridges run across it.
    theta = (0.5 * np.arctan2(2.0 * gxy, diff) + np.pi / 2.0) % np.pi
    coh = np.sqrt(diff * diff + 4.0 * gxy * gxy) / (gxx + gyy + 1e-6)
    return theta.astype(np.float32), coh.astype(np.float32)


def ridge_period(norm: np.ndarray, mask: np.ndarray) -> float:
    """Dominant ridge period in pixels from the radial power spectrum of the print."""
    h, w = norm.shape
    spec = np.abs(np.fft.rfft2(norm * mask)) ** 2
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    radius = np.sqrt(fy * fy + fx * fx) * 256.0  # units of 1/256 cycle per pixel
    bins = np.rint(radius).astype(np.int64).ravel()
    prof = np.bincount(bins, spec.ravel(), minlength=200)[:200]
    counts = np.bincount(bins, minlength=200)[:200]
    prof = prof / np.maximum(counts, 1)
    prof = np.convolve(prof, [0.25, 0.5, 0.25], mode="same")
    lo, hi = int(256 / _MAX_PERIOD), int(np.ceil(256 / _MIN_PERIOD))
    k = lo + int(np.argmax(prof[lo : hi + 1]))
    if prof[k] <= 0:
        return _DEFAULT_PERIOD
    # Parabolic refinement of the peak bin.
    a, b, c = prof[k - 1], prof[k], prof[k + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den < 0 else 0.0
    return float(np.clip(256.0 / (k + off), _MIN_PERIOD, _MAX_PERIOD))


_PAD = 16  # reflection margin so the circular FFT convolution does not wrap


# Envelope sigmas in ridge periods: across the ridges (selectivity) and along
# them (how far a gap or a pore is bridged).
GABOR_ACROSS, GABOR_ALONG = 0.5, 0.5


def _half_band(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (cycle/px) kept for a half-resolution inverse transform."""
    ph, pw = shape
    fy = np.fft.fftfreq(ph)
    fy = np.concatenate([fy[: ph // 4], fy[ph - ph // 4 :]])
    fx = np.fft.rfftfreq(pw)[: pw // 4 + 1]
    return fy[:, None], fx[None, :]


@lru_cache(maxsize=16)
def _gabor_bank(period: float, shape: tuple[int, int]) -> np.ndarray:
    """Frequency responses of even Gabor filters, one per orientation, on the half band.

    The transform of a Gaussian-windowed cosine is a Gaussian pair at +-1/period
    across the ridges, so the bank is built directly in the frequency domain.
    """
    fu = 1.0 / (2 * np.pi * GABOR_ACROSS * period)
    fv = 1.0 / (2 * np.pi * GABOR_ALONG * period)
    fy, fx = _half_band(shape)
    bank = np.empty((_N_ORIENT, fy.shape[0], fx.shape[1]), np.float32)
    for k in range(_N_ORIENT):
        phi = np.pi * k / _N_ORIENT  # gradient (across-ridge) direction
        u = fx * np.cos(phi) + fy * np.sin(phi)
        v = (fy * np.cos(phi) - fx * np.sin(phi)) / fv
        g = np.exp(-0.5 * (((u - 1 / period) / fu) ** 2 + v * v))
        g += np.exp(-0.5 * (((u + 1 / period) / fu) ** 2 + v * v))
        g[0, 0] = 0.0  # no DC: brightness must not leak into the ridge map
        bank[k] = g / g.max()
    return bank


def enhance(norm: np.ndarray, theta: np.ndarray, period: float) -> np.ndarray:
    """Gabor response tuned to the local orientation; ridges (dark) come out positive.

    The filtered signal has no energy above ~0.22 cycle/px, so each orientation is
    inverse-transformed at half resolution (a quarter of the work) and only the
    selected response is brought back to full size.
    """
    h, w = norm.shape
    padded = cv2.copyMakeBorder(-norm, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REFLECT)
    ph, pw = padded.shape
    spec = np.fft.rfft2(padded)
    rows = np.r_[0 : ph // 4, ph - ph // 4 : ph]
    half = spec[rows, : pw // 4 + 1]
    bank = _gabor_bank(round(period * 4) / 4, padded.shape)
    theta_p = cv2.copyMakeBorder(theta, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REPLICATE)
    # Angles cannot be averaged as numbers: sample, do not interpolate.
    phi = (theta_p[::2, ::2] + np.pi / 2.0) % np.pi
    idx = np.rint(phi / np.pi * _N_ORIENT).astype(np.intp) % _N_ORIENT
    out = np.zeros(idx.shape, np.float32)
    for k in np.unique(idx):
        resp = np.fft.irfft2(half * bank[k], s=idx.shape)
        np.copyto(out, resp, where=idx == k)
    full = cv2.resize(out, (pw, ph), interpolation=cv2.INTER_CUBIC)
    return full[_PAD : _PAD + h, _PAD : _PAD + w]


# ---- minutiae --------------------------------------------------------------------------
def _disc_offsets(radius: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    keep = (yy * yy + xx * xx) <= radius * radius
    keep[radius, radius] = False
    return yy[keep], xx[keep]


def _mean_direction(
    labels: np.ndarray, py: np.ndarray, px: np.ndarray, want: np.ndarray, radius: int
) -> np.ndarray:
    """Angle from each point to the centroid of nearby pixels carrying label ``want``."""
    if len(py) == 0:
        return np.zeros(0)
    dy, dx = _disc_offsets(radius)
    pad = np.pad(labels, radius)
    lab = pad[py[:, None] + radius + dy[None], px[:, None] + radius + dx[None]]
    hit = lab == want[:, None]
    n = np.maximum(hit.sum(1), 1)
    my = (hit * dy[None]).sum(1) / n
    mx = (hit * dx[None]).sum(1) / n
    return np.arctan2(my, mx)


def _snap_to_field(angle: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Use the smoother orientation field, in the sense the skeleton says, where they agree."""
    cand = np.where(np.cos(angle - field) >= 0, field, field + np.pi)
    diff = np.abs(np.angle(np.exp(1j * (cand - angle))))
    return np.where(diff < np.pi / 4, cand, angle) % (2 * np.pi)


def skeleton_minutiae(
    sk: np.ndarray, theta: np.ndarray, period: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Crossing-number minutiae with spurs, short ridges, bridges and lakes removed.

    Returns x, y, angle, type arrays.
    """
    code = _neighbour_code(sk)
    cn = _CROSSING[code] * sk
    ends = (cn == 1) & (sk == 1)
    junc = ((cn >= 3) & (sk == 1)).astype(np.uint8)
    ker3 = np.ones((3, 3), np.uint8)
    zone = cv2.dilate(junc, ker3) & sk  # skeleton pixels of a junction
    seg = sk & (1 - zone)
    nseg, seg_lab, seg_stats, _ = cv2.connectedComponentsWithStats(seg, connectivity=8)
    nz, zone_lab, _, zone_cent = cv2.connectedComponentsWithStats(zone, connectivity=8)
    seg_len = seg_stats[:, cv2.CC_STAT_AREA]

    # Which segments touch which junction zones.
    h, w = sk.shape
    zpad = np.pad(zone_lab, 1)
    pairs = []
    sy, sx = np.nonzero(seg_lab)
    sl = seg_lab[sy, sx]
    for dy, dx in _OFFSETS:
        z = zpad[sy + 1 + dy, sx + 1 + dx]
        hit = z > 0
        pairs.append(np.stack([z[hit], sl[hit]], 1))
    pairs = np.unique(np.concatenate(pairs), axis=0) if pairs else np.zeros((0, 2), int)
    zone_id, branch_seg = pairs[:, 0], pairs[:, 1]

    # Per segment: number of zone attachments and of endings.
    attach = np.bincount(branch_seg, minlength=nseg)
    ey, ex = np.nonzero(ends)
    e_seg = seg_lab[ey, ex]
    end_count = np.bincount(e_seg, minlength=nseg)
    end_count[0] = 0

    spur_len = SPUR_LEN * period
    end_ok = e_seg > 0  # an ending inside a junction zone is a one-pixel spur
    zone_ok = np.ones(nz, bool)
    zone_ok[0] = False
    zone_ok[zone_lab[ey[~end_ok], ex[~end_ok]]] = False
    # Spur: ending whose segment runs into a junction within a ridge period.
    spur_seg = (end_count == 1) & (attach == 1) & (seg_len < spur_len)
    end_ok &= ~spur_seg[e_seg]
    zone_ok[zone_id[spur_seg[branch_seg]]] = False
    # Short ridge or dot.
    short = (end_count == 2) & (seg_len < SHORT_LEN * period)
    end_ok &= ~short[e_seg]
    # Bridge between ridges or the rim of a lake (both ends at junctions).
    bridge = (end_count == 0) & (attach >= 1) & (seg_len < BRIDGE_LEN * period)
    zone_ok[zone_id[bridge[branch_seg]]] = False
    branches = np.bincount(zone_id, minlength=nz)
    zone_ok &= branches == 3

    radius = max(4, round(period))
    # Endings point towards the body of their ridge.
    ey, ex = ey[end_ok], ex[end_ok]
    e_ang = _mean_direction(seg_lab, ey, ex, seg_lab[ey, ex], radius)
    # Bifurcations point into the fork: between the two branches closest in angle.
    zsel = np.nonzero(zone_ok)[0]
    bsel = np.isin(zone_id, zsel)
    bz, bs = zone_id[bsel], branch_seg[bsel]  # sorted by zone, 3 per zone
    cy = np.rint(zone_cent[bz, 1]).astype(np.intp)
    cx = np.rint(zone_cent[bz, 0]).astype(np.intp)
    b_ang = _mean_direction(seg_lab, cy, cx, bs, radius + 2).reshape(-1, 3)
    vec = np.exp(1j * b_ang)
    pair_cos = np.stack(
        [(vec[:, i] * np.conj(vec[:, j])).real for i, j in ((0, 1), (0, 2), (1, 2))], 1
    )
    best = np.argmax(pair_cos, 1)
    pick = np.array([[0, 1], [0, 2], [1, 2]])[best]
    rows = np.arange(len(vec))
    fork = vec[rows, pick[:, 0]] + vec[rows, pick[:, 1]]
    z_ang = np.angle(fork)
    zy, zx = zone_cent[zsel, 1], zone_cent[zsel, 0]

    x = np.concatenate([ex.astype(float), zx])
    y = np.concatenate([ey.astype(float), zy])
    ang = np.concatenate([e_ang, z_ang])
    typ = np.concatenate([np.full(len(ex), ENDING), np.full(len(zx), BIFURCATION)])
    iy = np.clip(np.rint(y).astype(np.intp), 0, h - 1)
    ix = np.clip(np.rint(x).astype(np.intp), 0, w - 1)
    ang = _snap_to_field(ang, theta[iy, ix].astype(float))
    return x, y, ang, typ


def _remove_clusters(
    x: np.ndarray, y: np.ndarray, ang: np.ndarray, typ: np.ndarray, period: float
) -> np.ndarray:
    """Keep-mask dropping pairs too close to both be real (breaks, holes, noise)."""
    n = len(x)
    if n < 2:
        return np.ones(n, bool)
    dx = x[:, None] - x[None]
    dy = y[:, None] - y[None]
    d = np.hypot(dx, dy)
    np.fill_diagonal(d, np.inf)
    close = d < CLOSE_DIST * period
    # A broken ridge: two endings facing each other across a short gap.
    facing = np.cos(ang[:, None] - ang[None]) < -0.7
    both_end = (typ[:, None] == ENDING) & (typ[None] == ENDING)
    broken = both_end & facing & (d < BROKEN_DIST * period)
    return ~(close | broken).any(1)


def finger_present(image: np.ndarray) -> bool:
    """Enough dark, textured area (ridges in contact) for GenImg to take the image."""
    sm, std = _texture(np.asarray(image, dtype=np.float32))
    glass = float(np.percentile(sm, 95))
    ridge = (std > _TEXTURE_FLOOR) & (sm < glass - 3 * _TEXTURE_FLOOR)
    return float(ridge.mean()) >= _PRESENT_FRACTION


def extract(image: np.ndarray, max_minutiae: int = 82) -> Features:
    """Minutiae of a grey image (dark ridges on light glass); raises ExtractFailure."""
    img = np.asarray(image, dtype=np.float32)
    h, w = img.shape
    lo, hi = np.percentile(cv2.GaussianBlur(img, (0, 0), _PRE_SMOOTH), [1, 99])
    if hi - lo < 2 * _TEXTURE_FLOOR:
        raise ExtractFailure("blank", "no contrast")
    mask = segment(img)
    fg = float(mask.mean())
    if fg < 0.03:
        raise ExtractFailure("blank", "no textured area")

    theta, coh = orientation_field(img)
    fg_coh = float(coh[mask > 0].mean())
    if fg_coh < MESSY_COHERENCE:
        raise ExtractFailure("messy", f"ridge coherence {fg_coh:.2f}")
    if fg < 0.12:
        raise ExtractFailure("few", f"print covers {fg:.0%} of the window")

    mean, std = _local_stats(img, NORM_SIGMA)
    norm = (img - mean) / np.maximum(std, 4.0)
    period = ridge_period(norm, mask)
    resp = enhance(norm, theta, period)
    ridges = ((resp > 0) & (mask > 0)).astype(np.uint8)
    sk = thin(ridges)
    x, y, ang, typ = skeleton_minutiae(sk, theta, period)

    # Gabor amplitude relative to the print's typical one: low where the ridges
    # are lost (wet blotches, worn skin) and the binary pattern is made up.
    amp = cv2.GaussianBlur(np.abs(resp), (0, 0), period)
    amp /= max(float(np.median(amp[mask > 0])), 1e-6)

    # Away from the print's edge, where every ridge "ends", and in clear flow.
    dist = cv2.distanceTransform(np.pad(mask, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    iy = np.clip(np.rint(y).astype(np.intp), 0, h - 1)
    ix = np.clip(np.rint(x).astype(np.intp), 0, w - 1)
    d_edge, c, a = dist[iy, ix], coh[iy, ix], amp[iy, ix]
    keep = (d_edge > EDGE_MARGIN * period) & (c > MIN_COHERENCE) & (a > MIN_AMPLITUDE)
    x, y, ang, typ, d_edge, c, a = (v[keep] for v in (x, y, ang, typ, d_edge, c, a))
    keep = _remove_clusters(x, y, ang, typ, period)
    x, y, ang, typ, d_edge, c, a = (v[keep] for v in (x, y, ang, typ, d_edge, c, a))
    quality = np.clip(c, 0, 1) * np.clip(a, 0, 1) * np.clip(d_edge / (3.0 * period), 0.3, 1.0)
    order = np.lexsort((x, y, -np.round(quality, 3)))[:max_minutiae]
    minutiae = np.stack([x, y, ang, typ.astype(float), quality], 1)[order]
    return Features(minutiae, period, fg_coh, fg)
