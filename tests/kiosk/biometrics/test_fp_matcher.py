"""The TFLite fingerprint matcher: determinism, ranking, model integrity, bad input, templates."""

import itertools
import json
import shutil

import numpy as np
import pytest

from hw_sim.fingerprints import impression
from kiosk.biometrics.fingerprint import NoUsableFingerprint, load_matcher
from kiosk.biometrics.fingerprint import template as tpl
from kiosk.biometrics.fingerprint.matcher import Gallery, TFLiteFingerprintMatcher
from kiosk.biometrics.runtime import MANIFEST, ModelError, sha256_of


@pytest.fixture(scope="module")
def matcher():
    return load_matcher()


@pytest.fixture(scope="module")
def prints():
    """Two synthetic fingers, two impressions each: {(finger, index): image}."""
    return {(f, i): impression(900 + f, 3, i).image for f in range(2) for i in range(2)}


@pytest.fixture(scope="module")
def templates(matcher, prints):
    return {k: matcher.extract(v) for k, v in prints.items()}


def test_loads_and_implements_the_interface(matcher):
    assert isinstance(matcher, TFLiteFingerprintMatcher)
    assert matcher.version
    assert 0 < matcher.verify_threshold <= matcher.dedup_threshold <= 1


def test_extraction_is_deterministic(matcher, prints, templates):
    again = matcher.extract(prints[(0, 0)])
    assert again == templates[(0, 0)]
    assert len(again) < 8000  # compact: a few kB per impression


def test_genuine_pairs_score_above_impostors(matcher, templates):
    gen = [matcher.compare(templates[(f, 0)], templates[(f, 1)]) for f in range(2)]
    imp = [matcher.compare(templates[(0, i)], templates[(1, j)]) for i in range(2)
           for j in range(2)]
    assert min(gen) > 2 * max(imp)
    assert max(imp) < matcher.verify_threshold


def test_merge_and_identify(matcher, templates):
    enrolled = {f: matcher.merge([templates[(f, 0)]]) for f in range(2)}
    multi = matcher.merge([templates[(0, 0)], templates[(0, 1)]])
    assert len(tpl.decode(multi).records) == 2
    assert matcher.compare(templates[(0, 1)], multi) >= matcher.compare(
        templates[(0, 1)], enrolled[0])
    best = matcher.identify(templates[(1, 1)], enrolled.items(), top=2)
    assert best[0][0] == 1 and best[0][1] > best[1][1]
    gal = Gallery(enrolled.items())
    assert gal.search(matcher, templates[(0, 1)], top=1)[0][0] == 0


def test_corrupt_templates_raise_value_error(matcher, templates):
    t = templates[(0, 0)]
    for bad in (b"", b"XXXX" + t[4:], t[:-3], t + b"\0", t[:4] + bytes([99]) + t[5:]):
        with pytest.raises(ValueError):
            matcher.compare(bad, t)


@pytest.mark.parametrize("image, reason", [
    (np.full((288, 256), 255, np.uint8), "blank"),
    (np.zeros((288, 256), np.uint8), "blank"),
    (np.zeros((288, 256), np.float32), "wrong_dtype"),
    (np.zeros((288, 256, 3), np.uint8), "wrong_shape"),
    (np.zeros((20, 20), np.uint8), "too_small"),
    (np.zeros(100, np.uint8), "wrong_shape"),
    ([[1, 2], [3, 4]], "wrong_type"),
])
def test_bad_images_give_a_typed_reason(matcher, image, reason):
    with pytest.raises(NoUsableFingerprint) as exc:
        matcher.extract(image)
    assert exc.value.reason == reason
    assert not matcher.quality(image).usable


def test_random_noise_is_not_a_fingerprint(matcher):
    noise = np.random.default_rng(3).integers(0, 256, (288, 256), dtype=np.uint8)
    with pytest.raises(NoUsableFingerprint) as exc:
        matcher.extract(noise)
    assert exc.value.reason in {"low_quality", "too_small", "too_few_features"}


def test_quality_of_a_good_print(matcher, prints):
    q = matcher.quality(prints[(0, 0)])
    assert q.usable and q.score > 0.2


def _copy_models(tmp_path):
    dst = tmp_path / "models"
    dst.mkdir()
    manifest = json.loads(MANIFEST.read_text())
    for entry in manifest["models"].values():
        for spec in (entry, entry.get("code_whitening")):
            if spec is not None:
                shutil.copy(MANIFEST.parent / spec["file"], dst / spec["file"])
    (dst / "manifest.json").write_text(json.dumps(manifest))
    return dst, manifest


def test_model_hash_is_checked(tmp_path):
    entry = json.loads(MANIFEST.read_text())["models"]["fingerprint"]
    assert sha256_of(MANIFEST.parent / entry["file"]) == entry["sha256"]
    dst, manifest = _copy_models(tmp_path)
    f = dst / manifest["models"]["fingerprint"]["file"]
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_matcher(dst / "manifest.json")


def test_missing_model_file_is_a_clear_error(tmp_path):
    dst, manifest = _copy_models(tmp_path)
    (dst / manifest["models"]["fingerprint"]["file"]).unlink()
    with pytest.raises(ModelError, match="missing") as exc:
        load_matcher(dst / "manifest.json")
    assert "\n" not in str(exc.value) and exc.value.hint


def test_corrupt_model_that_matches_its_hash_is_a_clear_error(tmp_path):
    dst, manifest = _copy_models(tmp_path)
    f = dst / manifest["models"]["fingerprint"]["file"]
    f.write_bytes(b"not a flatbuffer at all" * 10)
    manifest["models"]["fingerprint"]["sha256"] = sha256_of(f)
    (dst / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="cannot be loaded"):
        load_matcher(dst / "manifest.json")


def test_code_whitening_is_hash_checked(tmp_path):
    dst, manifest = _copy_models(tmp_path)
    assert load_matcher(dst / "manifest.json").code_space is not None
    f = dst / manifest["models"]["fingerprint"]["code_whitening"]["file"]
    f.write_bytes(f.read_bytes()[:-1] + b"x")
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_matcher(dst / "manifest.json")


def test_shortlist_compares_whitened_unit_codes(matcher, templates):
    codes = np.array([tpl.read_code(t) for t in templates.values()])
    out = matcher.shortlist_codes(codes)
    mu, w = matcher.code_space
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert np.allclose(out[0], (codes[0] - mu) @ w / np.linalg.norm((codes[0] - mu) @ w),
                       atol=1e-5)
    gal = Gallery((k, t) for k, t in templates.items())
    assert gal.search(matcher, templates[(1, 1)], top=1)[0][0] == (1, 1)
    assert np.allclose(np.linalg.norm(gal.codes, axis=1), 1, atol=1e-5)  # converted once
    again = load_matcher()  # another instance, the same code space: fine
    assert gal.search(again, templates[(0, 1)], top=1)[0][0] == (0, 1)
    other = load_matcher()
    other.code_space = (mu + 1, w)
    with pytest.raises(ValueError, match="code space"):
        gal.search(other, templates[(0, 1)], top=1)


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="manifest"):
        load_matcher(tmp_path / "nope.json")


def test_no_runtime_installed_is_a_clear_error(monkeypatch):
    import builtins

    from kiosk.biometrics import runtime

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith(("ai_edge_litert", "tflite_runtime")):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ModelError, match="no TFLite runtime") as exc:
        runtime.interpreter_class()
    assert "ai-edge-litert" in exc.value.hint


def test_template_round_trip_keeps_minutiae():
    from kiosk.biometrics.fingerprint import features as ft

    mn = np.array([[10.25, 20.5, 1.0, 0.5], [100.0, 200.0, 6.0, 1.0]], np.float32)
    mask = np.ones((36, 32), bool)
    bits, valid = ft.cylinders(mn, mask)
    data = tpl.encode(ft.embedding(mn), [{"finger": 2, "quality": 200, "minutiae": mn,
                                          "mask": mask, "bits": bits, "valid": valid}])
    rec = tpl.decode(data).records[0]
    assert rec.finger == 2 and rec.mask.shape == (36, 32)
    assert np.allclose(rec.minutiae[:, :2], mn[:, :2], atol=0.13)
    assert np.allclose(rec.minutiae[:, 2], mn[:, 2], atol=2 * np.pi / 256)
    # Decoded cylinders keep only the cells inside the circle (the others are never valid).
    assert np.array_equal(rec.bits.astype(bool),
                          bits.reshape(2, ft.CYL_NS ** 2, -1)[:, ft.IN_CIRCLE].reshape(2, -1))
    assert not valid[:, ~ft.IN_CIRCLE].any()


def test_overlap_lookup_counts_only_points_on_the_finger():
    from kiosk.biometrics.fingerprint import features as ft
    from kiosk.biometrics.fingerprint import match

    mn = np.array([[40.0, 40.0, 1.0, 1.0], [60.0, 50.0, 2.0, 1.0]], np.float32)
    mask = np.zeros((10, 10), bool)
    mask[2:6, 2:6] = True  # finger on px 16..47
    bits, valid = ft.cylinders(mn, mask)
    data = tpl.encode(ft.embedding(mn), [{"quality": 9, "minutiae": mn, "mask": mask,
                                          "bits": bits, "valid": valid}])
    rec = tpl.decode(data).records[0]
    z = np.array([20 + 20j, 47 + 16j, 48 + 20j, -5 + 20j, 20 - 1j, 1e4 + 1e4j, -1e4 + 30j,
                  30 + 1e5j], np.complex64)
    assert match._inside(rec, z) == 2


def test_fusion_averages_the_best_two_impression_pairs(matcher, templates):
    from kiosk.biometrics.fingerprint import match

    probe = tpl.decode(templates[(0, 1)])
    recs = [tpl.decode(templates[k]).records[0] for k in ((0, 0), (1, 0), (1, 1))]
    single = [match.compare_records(probe.records[0], r) for r in recs]
    enrolled = tpl.decode(matcher.merge([templates[(0, 0)], templates[(1, 0)],
                                         templates[(1, 1)]]))
    assert match.fuse(probe, enrolled) == pytest.approx(np.mean(sorted(single)[-2:]), abs=1e-6)
    # Records of another known finger are not compared.
    for r in enrolled.records[1:]:
        r.finger = 7
    probe.records[0].finger = enrolled.records[0].finger = 3
    assert match.fuse(probe, enrolled) == pytest.approx(single[0], abs=1e-6)


def test_tied_heat_cells_give_one_minutia():
    """The int8 heat map is coarse: two neighbouring cells of equal heat are one minutia."""
    from kiosk.biometrics.fingerprint import features as ft

    maps = np.zeros((20, 20, 8), np.float32)
    maps[..., 0] = 1.0  # all foreground
    maps[..., 4] = 1.0  # direction 0
    maps[10, 10, 1] = maps[10, 11, 1] = 0.8  # a plateau of two cells
    maps[10, 12, 1] = 0.5  # its right-hand neighbour makes the right cell the hotter one
    maps[4, 4, 1] = maps[4, 5, 1] = 0.6  # a plateau with nothing around: raster order decides
    mn = ft.decode(maps, (80, 80)).minutiae
    assert len(mn) == 2
    assert sorted(mn[:, 0].tolist()) == [16.0, 44.0]  # (4, 4) and (10, 11), x = col * stride


def test_smoothing_along_ridges_removes_specks_and_keeps_ridges():
    from kiosk.biometrics.fingerprint.preprocess import smooth_along_ridges

    h, w = 64, 64
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = np.deg2rad(30.0)  # ridges run at 30 degrees
    # distance across the ridges: ridges every 9 px
    ridges = np.cos(2 * np.pi * (-xs * np.sin(theta) + ys * np.cos(theta)) / 9.0)
    specks = np.zeros_like(ridges)
    rng = np.random.default_rng(1)
    specks[rng.integers(8, h - 8, 40), rng.integers(8, w - 8, 40)] = -2.0  # pores, dirt
    grid = np.ones((h // 4, w // 4), np.float32)
    cos2, sin2 = grid * np.cos(2 * theta), grid * np.sin(2 * theta)
    out = smooth_along_ridges(ridges + specks, cos2, sin2, 4)
    inner = (slice(8, -8), slice(8, -8))
    # specks are mostly averaged away...
    assert np.abs(out - ridges)[inner].max() < 0.5 * np.abs(specks).max()
    # ...while the ridge pattern keeps most of its contrast (smoothing across would flatten it)
    assert np.corrcoef(out[inner].ravel(), ridges[inner].ravel())[0, 1] > 0.95
    assert out[inner].std() > 0.8 * ridges[inner].std()
    across = smooth_along_ridges(ridges, -cos2, -sin2, 4)  # the wrong orientation: across ridges
    assert across[inner].std() < 0.5 * ridges[inner].std()


def test_threshold_for_a_smaller_fmr_is_stricter(matcher):
    rows = matcher.entry["thresholds"]["verify_by_fmr"]
    assert rows[0][0] == 1e-4 and rows[0][1] == pytest.approx(matcher.verify_threshold)
    for fmr, thr, _fnmr in rows:
        assert matcher.verify_threshold_at(fmr) == pytest.approx(thr)
    ts = [matcher.verify_threshold_at(f) for f in (1e-3, 1e-4, 3e-5, 1.67e-5, 1e-5, 1e-6, 1e-9)]
    assert ts[0] == ts[1] == matcher.verify_threshold  # never more lenient than calibrated
    assert all(a <= b for a, b in itertools.pairwise(ts))
    assert ts[-1] == ts[-2]  # no extrapolation past the strictest calibrated row
