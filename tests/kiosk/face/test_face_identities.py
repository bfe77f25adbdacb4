"""Procedural faces with an identity (hw_sim/camera/identity.py): seeded, distinct, and what
the real face matcher makes of them (the full measurement: bench/face_identities.py)."""

from __future__ import annotations

import numpy as np

from hw_sim.camera.identity import draw_identity, face_params


def test_identities_are_seeded_and_distinct():
    assert face_params(3) == face_params(3)
    assert face_params(3) != face_params(4)
    a, b = draw_identity(3, session=1), draw_identity(3, session=1)
    assert a.dtype == np.uint8 and a.shape == (240, 320, 3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw_identity(3, session=2))  # another photo of them


def test_same_identity_scores_above_other_identities(matcher):
    enrol = {i: matcher.extract(draw_identity(i, session=0)) for i in range(4)}
    probe = {i: matcher.extract(draw_identity(i, session=1)) for i in range(4)}
    for i in range(4):
        own = matcher.compare(probe[i], enrol[i])
        assert own >= matcher.verify_threshold
        assert all(own > matcher.compare(probe[i], enrol[j]) for j in range(4) if j != i)
