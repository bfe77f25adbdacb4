"""Ground truth: it matches the image and is consistent between impressions."""

import numpy as np

from hw_sim.fingerprints import impression, make_impression, make_master
from hw_sim.fingerprints.analysis import image_minutiae


def _rigid_residual(p: np.ndarray, q: np.ndarray) -> float:
    """RMS error of the best rotation + translation taking p onto q."""
    pc, qc = p - p.mean(0), q - q.mean(0)
    u, _, vt = np.linalg.svd(pc.T @ qc)
    r = (u @ vt).T
    if np.linalg.det(r) < 0:
        vt[-1] *= -1
        r = (u @ vt).T
    return float(np.sqrt(np.mean(np.sum((pc @ r.T - qc) ** 2, 1))))


def test_impressions_of_one_master_share_minutiae():
    master = make_master(3, 1)
    a = make_impression(master, 0)
    b = make_impression(master, 5)
    common, ia, ib = np.intersect1d(a.minutiae_ids, b.minutiae_ids, return_indices=True)
    assert len(common) >= 8
    assert np.array_equal(a.minutiae[ia, 3], b.minutiae[ib, 3])  # types survive
    # Same finger: a rigid motion explains the common minutiae up to skin distortion.
    assert _rigid_residual(a.minutiae[ia, :2], b.minutiae[ib, :2]) < 8.0
    # Directions turn with the finger.
    rot = np.angle(np.exp(1j * (b.minutiae[ib, 2] - a.minutiae[ia, 2])))
    spread = np.abs(np.angle(np.exp(1j * (rot - np.angle(np.mean(np.exp(1j * rot)))))))
    assert np.median(spread) < 0.2


def test_ground_truth_minutiae_are_in_the_image():
    imp = impression(3, 1, index=1)
    found = image_minutiae(imp.image)
    gt = imp.minutiae
    d = np.hypot(gt[:, None, 0] - found[None, :, 0], gt[:, None, 1] - found[None, :, 1])
    assert (d.min(1) < 10).mean() > 0.6  # most truth is seen
    assert (d.min(0) < 10).mean() > 0.6  # most of what is seen is truth


def test_ground_truth_orientation_follows_image():
    imp = impression(3, 1, index=2)
    from hw_sim.fingerprints.analysis import analyse

    an = analyse(imp.image)
    b = imp.orientation_block
    ys = np.arange(imp.orientation.shape[0]) * b + b // 2
    xs = np.arange(imp.orientation.shape[1]) * b + b // 2
    est = an.orientation[np.ix_(ys, xs)]
    ok = np.isfinite(imp.orientation) & an.mask[np.ix_(ys, xs)]
    diff = np.abs(np.angle(np.exp(2j * (est[ok] - imp.orientation[ok])))) / 2
    assert ok.sum() > 200
    assert np.median(diff) < np.deg2rad(10)


def test_different_masters_differ():
    a, b = make_master(3, 1), make_master(3, 0)
    assert not np.array_equal(a.ridges, b.ridges)
    ia, ib = impression(3, 1), impression(3, 0)
    assert np.mean(np.abs(ia.image.astype(int) - ib.image.astype(int))) > 10
    assert make_master(3, 1, seed=1) is not a
    assert not np.array_equal(make_master(3, 1, seed=1).minutiae, a.minutiae)
