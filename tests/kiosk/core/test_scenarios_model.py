"""The verification core's scenarios with the real matcher (the int8 TFLite model) on
the simulated sensor: what a recipient meets at the kiosk, not the stand-in."""

from core_fixtures import ANI, ANI_ID, BUDI, BUDI_ID, DEWI, PERIOD, STRANGER_ID, deny

from kiosk.runtime.capture import Hand
from kiosk.security.chain import verify_chain


def test_real_matcher_is_the_one_in_use(model_kiosk, model_matcher):
    assert model_kiosk.matcher is model_matcher
    assert not model_matcher.version.startswith("standin")
    assert model_kiosk.store.fingers(ANI, model_matcher.version)  # enrolled by the model


def test_genuine_recipients_accepted_by_fingerprint(model_kiosk):
    for nik, identity in ((ANI, ANI_ID), (BUDI, BUDI_ID)):
        result, flow = model_kiosk.verify(nik, Hand(identity), ask_officer=deny())
        assert result.outcome == "accepted", flow.to_dict()
        ev = model_kiosk.event(result)
        assert ev["modality"] == "fingerprint", ev["ladder"]
        assert ev["model"] == model_kiosk.matcher.version
        # The threshold is the per-comparison share of the claim's FMR (1e-4 over three tries
        # on each enrolled finger); the event carries it and the score to four decimals.
        m = model_kiosk.matcher
        shares = [m.verify_threshold_at(1e-4 / (3 * k)) for k in range(1, 11)]
        assert ev["threshold"] > m.verify_threshold
        assert min(abs(ev["threshold"] - t) for t in shares) < 1e-4
        assert ev["score"] >= ev["threshold"]
        assert model_kiosk.store.claim(nik, "PKH", PERIOD).event_id == result.event_id


def test_impostors_rejected_by_the_model(model_kiosk):
    for nik, identity in ((BUDI, ANI_ID), (ANI, STRANGER_ID)):
        result, flow = model_kiosk.verify(nik, Hand(identity),
                                          ask_officer=deny("impostor_suspected"))
        assert (result.outcome, result.reason) == ("rejected", "officer_denied"), flow.to_dict()
        ev = model_kiosk.event(result)
        finger_rungs = [r for r in ev["ladder"] if r["rung"].startswith("finger:")]
        assert finger_rungs and all(r["reason"] == "no_match" for r in finger_rungs)
        assert model_kiosk.store.claim(nik, "PKH", PERIOD) is None
    rows = list(model_kiosk.store.event_rows())
    store = model_kiosk.store
    assert verify_chain(rows, store.identity.public_key, store.identity.device_id).ok


def test_duplicate_enrolment_flagged_by_the_model(model_kiosk):
    result, flow = model_kiosk.enrol(DEWI, Hand(ANI_ID))
    assert (result.outcome, result.reason) == ("flagged", "duplicate_finger"), flow.to_dict()
    ev = model_kiosk.event(result)
    assert ev["detail"]["duplicate_of"]["nik_ref"] == model_kiosk.store.nik_ref(ANI)[0]
    assert model_kiosk.store.fingers(DEWI, model_kiosk.matcher.version) == []


def test_new_person_enrolled_by_the_model(model_kiosk):
    result, flow = model_kiosk.enrol(DEWI, Hand(STRANGER_ID))
    assert result.outcome == "enrolled", flow.to_dict()
    assert len(model_kiosk.store.fingers(DEWI, model_kiosk.matcher.version)) >= 2
