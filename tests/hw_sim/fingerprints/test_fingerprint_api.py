"""The public contract of hw_sim.fingerprints: shapes, determinism, errors."""

import numpy as np
import pytest

from hw_sim.fingerprints import CONDITIONS, impression, make_impression, make_master


def test_conditions_tuple():
    assert CONDITIONS == ("normal", "dry", "wet", "worn", "labourer", "partial")


def test_master_is_cached_and_deterministic():
    a = make_master(3, 1)
    assert make_master(3, 1, 0) is a
    from hw_sim.fingerprints.master import build_master

    b = build_master(3, 1, 0)
    assert np.array_equal(a.ridges, b.ridges)
    assert np.array_equal(a.minutiae, b.minutiae)


def test_impression_deterministic():
    a = impression(3, 1, index=2, condition="dry")
    b = make_impression(make_master(3, 1), 2, "dry")
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.minutiae, b.minutiae)
    c = impression(3, 1, index=3, condition="dry")
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_renders(condition):
    imp = impression(3, 1, index=0, condition=condition)
    img = imp.image
    assert img.shape == (288, 256) and img.dtype == np.uint8
    assert img.std() > 10
    assert imp.mask.mean() > 0.1
    # Light background, dark ridges: inside the contact area is darker on average.
    assert img[~imp.mask].mean() > img[imp.mask].mean() if (~imp.mask).any() else True
    m = imp.minutiae
    assert m.dtype == np.float32 and m.ndim == 2 and m.shape[1] == 4
    assert len(m) > 5
    assert np.all((m[:, 0] >= 0) & (m[:, 0] < 256) & (m[:, 1] >= 0) & (m[:, 1] < 288))
    assert set(np.unique(m[:, 3])) <= {0.0, 1.0}
    assert imp.orientation.shape == (36, 32)
    assert (imp.identity, imp.finger, imp.index, imp.condition) == (3, 1, 0, condition)
    assert imp.fingerprint_class in ("arch", "tented_arch", "left_loop", "right_loop", "whorl")


def test_other_geometries():
    imp = impression(3, 1, index=0, size=(200, 180))
    assert imp.image.shape == (200, 180)
    hi = impression(3, 1, index=0, size=(320, 290), dpi=569)
    assert hi.image.shape == (320, 290) and hi.dpi == 569
    m = hi.minutiae
    assert len(m) > 5 and np.all((m[:, 0] < 290) & (m[:, 1] < 320))
    # Same finger, finer sampling: the common minutiae spread 569/500 times wider.
    base = impression(3, 1, index=0)
    common, ia, ib = np.intersect1d(base.minutiae_ids, hi.minutiae_ids, return_indices=True)
    spread = np.std(hi.minutiae[ib, :2], 0).sum() / np.std(base.minutiae[ia, :2], 0).sum()
    assert len(common) > 5 and abs(spread - 569 / 500) < 0.05


def test_unknown_condition():
    with pytest.raises(ValueError, match="normal"):
        impression(3, 1, condition="muddy")
    with pytest.raises(ValueError, match="partial"):
        make_impression(make_master(3, 1), 0, "sweaty")
