"""Error-rate arithmetic (kiosk.biometrics.metrics)."""

import numpy as np
import pytest

from kiosk.biometrics import metrics


def test_perfect_separation_has_zero_eer():
    assert metrics.eer([0.9, 0.8, 0.95], [0.1, 0.2, 0.3]) == 0.0
    assert metrics.fnmr_at_fmr([0.9, 0.8], [0.1, 0.2], 1e-3) == 0.0


def test_total_overlap_has_half_eer():
    s = np.linspace(0, 1, 101)
    assert metrics.eer(s, s) == pytest.approx(0.5, abs=0.02)


def test_known_eer_of_shifted_uniforms():
    rng = np.random.default_rng(0)
    g = rng.uniform(0.2, 1.2, 20000)
    i = rng.uniform(0.0, 1.0, 20000)
    # Crossing at t = 0.6: FMR = 0.4, FNMR = 0.4.
    assert metrics.eer(g, i) == pytest.approx(0.4, abs=0.01)
    assert metrics.fnmr_at_fmr(g, i, 0.01) == pytest.approx(0.79, abs=0.02)


def test_failures_as_minus_inf_count_as_rejections():
    g = [0.9, -np.inf]
    i = [0.1, -np.inf]
    assert metrics.fnmr_at_fmr(g, i, 0.0) == 0.5


def test_threshold_at_fmr_admits_at_most_the_target():
    i = np.arange(10000) / 10000.0
    t = metrics.threshold_at_fmr(i, 1e-3)
    assert np.mean(i >= t) <= 1e-3
    assert np.mean(i >= t - 2e-4) > 1e-3


def test_extrapolated_threshold_on_exponential_tail():
    rng = np.random.default_rng(1)
    i = rng.exponential(0.05, 200000)
    t = metrics.extrapolated_threshold(i, 1e-6)
    assert t == pytest.approx(0.05 * np.log(1e6), rel=0.1)


def test_summary_keys_and_empty_input():
    s = metrics.summary([1.0], [0.0])
    assert {"eer", "fnmr_at_fmr_1e-2", "fnmr_at_fmr_1e-3"} <= set(s)
    with pytest.raises(ValueError):
        metrics.eer([], [0.1])
