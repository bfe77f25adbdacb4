"""The simulated village: quick mode end to end (kiosk -> outbox -> MQTT -> hub -> report),
its bookkeeping, its determinism for a seed, and the report's pure pieces."""

from __future__ import annotations

import json
import shutil

import pytest

from hw_sim.village import QUICK_PEOPLE, run
from hw_sim.village import population as pop
from hw_sim.village import report as rp

needs_broker = pytest.mark.skipif(shutil.which("mosquitto") is None,
                                  reason="mosquitto is not installed")


@pytest.fixture(scope="module")
def masters(request, tmp_path_factory):
    # Masters take seconds each; pytest's cache (when on) keeps them between local runs.
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("village-masters") if cache else tmp_path_factory.mktemp("masters")


@pytest.fixture(scope="module")
def quick(masters, tmp_path_factory):
    out = tmp_path_factory.mktemp("village")
    return run(QUICK_PEOPLE, 1, 5, out, masters, workers=2, quick=True,
               command=f"kiosk sim village --quick --seed 5 --impostor-attempts {CAMPAIGN}",
               records=out / "records.json.gz", impostor_attempts=CAMPAIGN), out


CAMPAIGN = 12  # impostor campaign attempts in quick mode


@needs_broker
def test_quick_mode_end_to_end_through_mqtt_and_the_hub(quick):
    r, out = quick
    books = r["books"]
    assert books["ok"], books
    assert books["hub_events"] == sum(books["kiosk_counts"].values())
    # The roster import, the officer and everyone eligible enrolled, every visit: all booked.
    assert books["hub_counts"]["roster_applied:-:-"] == 1
    enrolments = sum(n for k, n in books["hub_counts"].items() if k.startswith("enrolment:"))
    assert enrolments == 1 + sum(sum(c.values()) for c in r["enrolment"].values())
    assert r["visits"] + r["campaign"]["attempts"] == sum(
        n for k, n in books["hub_counts"].items() if k.startswith("verification:"))
    # Quick mode has every kind of visit: genuine, ineligible, walk-in, relative, stranger.
    assert r["genuine"]["visits"] > 0 and r["ineligible"]["visits"] >= 1
    assert r["walk_ins"]["visits"] >= 1
    assert {k for k, v in r["impostors"]["by_kind"].items() if v["attempts"]} == {
        "relative", "stranger"}
    # Eligibility is decided before biometrics: ineligible and walk-ins are refused.
    assert r["ineligible"]["correctly_refused"] == r["ineligible"]["visits"]
    assert r["walk_ins"]["refused_not_in_roster"] == r["walk_ins"]["visits"]
    text = (out / "README.md").read_text()
    assert rp.summary_line(r) in text and "## Assumptions" in text
    for png in ("outcomes_by_group.png", "attempts.png", "time_per_person.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "figures.json").read_text())["books"]["ok"]


@needs_broker
def test_impostor_campaign_booked_at_the_hub(quick):
    r, out = quick
    c = r["campaign"]
    k = c["bookkeeping"]
    # Every attempt run is booked at the hub (the report counts the hub's events) and the
    # village's own figures leave them out.
    assert c["attempts"] == k["attempts"] == CAMPAIGN
    verifications = sum(n for key, n in r["books"]["hub_counts"].items()
                        if key.startswith("verification:"))
    assert verifications == r["visits"] + CAMPAIGN
    assert sum(x["attempts"] for x in c["by_kind"].values()) == CAMPAIGN
    assert c["accepted"] == c["biometric"]["accepted"] + c["officer"]["accepted"]
    # Distinct (presenter, claimed person) and (impression, claimed person) pairs; every
    # attempt reached the fingers (a round is a period: no double-claim guard).
    assert k["pairs_distinct"] and k["impression_pairs"] == c["captures"]["captures"]
    assert k["rounds"] >= 2 and k["outsiders"] == 0
    assert c["comparisons"] > 0 and "already_claimed" not in str(c["by_kind"])
    assert c["officer"]["approval_withheld"] + c["officer"]["approval_open"] == (
        c["officer"]["decided"])
    assert "## Impostor campaign" in (out / "README.md").read_text()


@needs_broker
def test_every_person_accounted_for_exactly_once_per_period(quick):
    r, _ = quick
    books = r["books"]
    assert books["people_not_exactly_once"] == {"2026-Q1": []}
    assert books["visits_missing_at_hub"] == 0
    assert books["hub_verifications_without_visit"] == 0
    assert books["events_not_matching_truth"] == 0
    assert books["duplicate_event_ids"] == []
    g = r["genuine"]
    eligible = r["people"] - sum(r["population"]["ineligible"].values())
    assert g["visits"] == eligible == sum(g["categories"].values())


@needs_broker
def test_hub_counts_equal_kiosk_counts(quick):
    r, _ = quick
    assert r["books"]["hub_counts_equal_kiosk"]
    assert r["books"]["hub_counts"] == r["books"]["kiosk_counts"]


@needs_broker
def test_same_seed_same_figures(quick, masters, tmp_path):
    r, _ = quick
    again = run(QUICK_PEOPLE, 1, 5, None, masters, workers=1, quick=True,
                impostor_attempts=CAMPAIGN)
    assert rp.figures(again) == rp.figures(r)


@needs_broker
def test_report_recomputed_from_saved_records(quick, tmp_path):
    from kiosk.cli.app import main

    r, out = quick
    assert main(["sim", "village", "--report-from", str(out / "records.json.gz"),
                 "--out", str(tmp_path)]) == 0
    again = json.loads((tmp_path / "figures.json").read_text())
    assert again["genuine"] == json.loads(json.dumps(r["genuine"]))
    assert again["books"]["ok"]


def test_population_is_seeded_and_quick_mode_has_every_kind():
    a, b = pop.draw_village(40, 3), pop.draw_village(40, 3)
    assert a.people == b.people
    assert pop.draw_village(40, 4).people != a.people
    assert len({p.nik for p in a.people}) == 40
    tiny = pop.draw_village(4, 0, every_kind=True)
    assert any(p.ineligible for p in tiny.people)
    visits = pop.arrivals(tiny, "2026-Q1", 0, every_kind=True)
    kinds = [v.kind for v in visits]
    assert {"walk_in", "relative", "stranger"} <= set(kinds)
    # Everyone on the roster comes exactly once, under their own NIK.
    own = [v.person for v in visits if v.kind in ("genuine", "ineligible")]
    assert sorted(own) == list(range(4))
    assert visits == pop.arrivals(tiny, "2026-Q1", 0, every_kind=True)


def test_nik_structure():
    from kiosk.roster.nik import validate_nik

    for p in pop.draw_village(30, 1).people:
        validate_nik(p.nik)


def test_binomial_bound_and_attempts_needed():
    assert rp.upper_bound(0, 3000) == pytest.approx(1 - 0.05 ** (1 / 3000), rel=1e-3)
    assert 0.0009 < rp.upper_bound(0, 3000) < 0.0011  # the rule of three
    assert rp.upper_bound(5, 100) > 0.05
    assert 29_000 < rp.attempts_needed(0.0001) < 31_000


def test_category_and_time_model():
    first = {"decision": "accepted", "reason": "matched",
             "ladder": [{"rung": "finger:1", "status": "used", "reason": None}],
             "attempts": [{"p": "recipient"}], "officer": None}
    second = {**first, "ladder": [{"rung": "finger:1", "status": "exhausted",
                                   "reason": "no_match"}, first["ladder"][0]]}
    officer = {"decision": "accepted", "reason": "officer_approved",
               "ladder": [{"rung": "officer", "status": "used", "reason": "approve"}],
               "attempts": [{"p": "recipient"}] * 6 + [{"p": "officer"}],
               "officer": {"reason": "worn_fingerprints"}}
    refused = {**officer, "decision": "referred", "reason": "officer_referred"}
    assert [rp.category(e) for e in (first, second, officer, refused)] == [
        "first finger", "after fallback", "officer approved", "refused"]
    assert rp.visit_seconds(first) == rp.T_NIK + rp.T_RESULT + rp.T_CAPTURE
    assert rp.visit_seconds(officer) == (rp.T_NIK + rp.T_RESULT + 7 * rp.T_CAPTURE
                                         + rp.T_OFFICER_CALL + rp.T_OFFICER_DECIDE)
    assert "finger:1 exhausted (no_match)" in rp.path(second)
    assert rp.path({**refused, "officer": {"reason": "documents_missing"}}).endswith(
        "-> referred officer_referred (documents_missing)")


def test_a_recipient_period_ends_with_the_visit_that_served_them():
    """Sent home for the KTP: the return visit decides the period; no return, refused."""
    ktp = {"decision": "referred", "reason": "officer_referred",
           "officer": {"reason": "documents_missing"}, "ladder": [], "attempts": []}
    ok = {"decision": "accepted", "reason": "officer_approved",
          "officer": {"reason": "worn_fingerprints"}, "ladder": [], "attempts": []}
    first = {"person": 0, "period": "Q1", "kind": "genuine"}
    back = {**first, "return": True}
    other = {"person": 1, "period": "Q1", "kind": "genuine"}
    periods = rp.recipient_periods([(first, ktp), (other, ktp), (back, ok)])
    assert [(v["person"], e["decision"], len(visits)) for v, e, visits in periods] == [
        (0, "accepted", 2), (1, "referred", 1)]
    assert [rp.final_category(v, e) for v, e, _ in periods] == ["on a return visit", "refused"]
    assert rp.final_category(back, ktp) == "refused"


@needs_broker
@pytest.mark.parametrize("back", [1.0, 0.0])
def test_sent_home_for_the_ktp_comes_back_and_is_served(masters, monkeypatch, back):
    """Everyone without a usable print, every one sent home for the KTP, every one back (or
    none): each recipient's period counts once, by its last visit, books balanced."""
    from hw_sim.village import behaviour as bh

    monkeypatch.setattr(pop, "NO_USABLE_PRINT", dict.fromkeys(pop.NO_USABLE_PRINT, 1.0))
    monkeypatch.setattr(bh, "NO_KTP", 1.0)
    monkeypatch.setattr(bh, "RETURNS_WITH_KTP", back)
    r = run(QUICK_PEOPLE, 1, 5, None, masters, workers=2, quick=True)
    g, eligible = r["genuine"], r["people"] - sum(r["population"]["ineligible"].values())
    assert r["books"]["ok"] and r["books"]["returns_without_referral"] == 0
    assert r["books"]["people_not_exactly_once"] == {"2026-Q1": []}
    n = eligible if back else 0
    assert g["visits"] == eligible and g["all_visits"] == eligible + n
    assert g["return_visits"] == {"sent_for_ktp": eligible, "came_back": n, "served": n,
                                  "assumed_share": back}
    if back:
        assert g["categories"] == {"on a return visit": eligible} and g["exclusion"] == 0
    else:
        assert g["categories"] == {"refused": eligible} and g["exclusion"] == 1
        assert all(x["path"].endswith("(documents_missing)") for x in g["refused"])


def test_return_visit_books_need_a_referral_first():
    ktp = {"officer": {"reason": "documents_missing"}}
    other = {"officer": {"reason": "needs_review"}}
    by_id = {"a": ktp, "b": {}, "c": other, "d": {}, "e": {}, "f": ktp}
    visit = [{"event_id": i, "person": p, "period": "Q1", **({"return": True} if r else {})}
             for i, p, r in (("a", 0, 0), ("b", 0, 1), ("c", 1, 0), ("d", 1, 1), ("e", 2, 1),
                             ("f", 2, 0))]
    # 0: referred then back (fine); 1: back after another referral; 2: back before it.
    assert rp.returns_without_referral(visit, by_id) == 2
    assert rp.returns_without_referral(visit[:2], by_id) == 0


def test_hardest_group_is_the_most_refused_then_the_most_helped():
    groups = {"condition: elderly": {"first finger": 99, "after fallback": 1},
              "condition: no usable print": {"officer approved": 9, "on a return visit": 1},
              "age: 75+": {"first finger": 9, "officer approved": 1}}
    assert rp.hardest_group(groups)[0] == "condition: no usable print"
    groups["age: 75+"]["refused"] = 1
    assert rp.hardest_group(groups)[0] == "age: 75+"
    assert rp.hardest_group({}) == (None, {})


def test_cli_refuses_a_village_of_one(capsys):
    from kiosk.cli.app import main

    assert main(["sim", "village", "--people", "1"]) == 2
    err = capsys.readouterr().err
    assert "--people" in err and "Traceback" not in err
    assert main(["sim", "village", "--people", "10000"]) == 2
    assert "--people must be 2..9999" in capsys.readouterr().err
    assert main(["sim", "village", "--impostor-attempts", "-5"]) == 2
    err = capsys.readouterr().err
    assert "--impostor-attempts" in err and "Traceback" not in err


def test_campaign_schedule_pairs_are_distinct_and_seeded():
    from hw_sim.village import campaign

    village = pop.draw_village(30, 2)
    plan = campaign.schedule(village, 500, 2)
    assert plan == campaign.schedule(village, 500, 2)
    assert len(plan) == 500
    assert len({(a["presenter"], a["person"]) for a in plan}) == 500
    eligible = {p.index for p in village.people if not p.ineligible}
    by_index = {p.identity: p for p in village.people}
    for a in plan:
        assert a["person"] in eligible and a["presenter"] != village.people[a["person"]].identity
        presenter = by_index.get(a["presenter"])
        same_household = (presenter is not None
                          and presenter.household == village.people[a["person"]].household)
        assert same_household == (a["kind"] == "relative")
    # A round claims each NIK at most once.
    rounds = {}
    for a in plan:
        assert a["person"] not in rounds.setdefault(a["period"], set())
        rounds[a["period"]].add(a["person"])
    assert len(rounds) == len(campaign.campaign_periods(500, len(eligible)))


def test_memo_matcher_is_the_matcher_computed_once_per_image(masters):
    from hw_sim.village.bank import ImpressionBank
    from hw_sim.village.campaign import MemoMatcher
    from kiosk.biometrics.fingerprint import load_matcher
    from kiosk.biometrics.fingerprint.interface import NoUsableFingerprint

    matcher, bank = load_matcher(), ImpressionBank(masters)
    memo = MemoMatcher(matcher)
    image = bank(pop.IDENTITY_BASE, 1, "normal", 3)
    assert memo.extract(image) == memo.extract(image.copy()) == matcher.extract(image)
    assert memo.quality(image) == matcher.quality(image) and memo.distinct_images == 1
    assert memo.verify_threshold == matcher.verify_threshold
    assert memo.version == matcher.version
    faint = bank(pop.IDENTITY_BASE, 1, "faint", 0)
    for _ in range(2):
        with pytest.raises(NoUsableFingerprint):
            memo.extract(faint)


def test_no_usable_print_is_refused_by_the_quality_gate(masters):
    from hw_sim.village.bank import ImpressionBank
    from kiosk.biometrics.fingerprint import load_matcher

    matcher, bank = load_matcher(), ImpressionBank(masters)
    identity = pop.IDENTITY_BASE  # the quick village's first person: usually cached
    for index in range(4):
        assert not matcher.quality(bank(identity, 1, "faint", index)).usable
    assert matcher.quality(bank(identity, 1, "normal", 0)).usable


def test_report_gate_is_the_flows_gate():
    """The report's re-application of the officer gate to booked events agrees with the flow."""
    from kiosk.flows.verify import VerifyConfig

    thr = 0.3
    far = VerifyConfig().mismatch_ratio * thr

    def event(*attempts):
        return {"attempts": [{"p": "recipient", "f": f, "q": q, "s": s, "r": "no_match"}
                             for f, q, s in attempts]}

    strong = event((1, 0.9, 0.05), (1, 0.8, 0.1), (6, 0.7, 0.1))
    assert rp.strong_mismatch(strong, thr, 0.5)
    near = event((1, 0.9, 0.05), (1, 0.8, 0.1), (6, 0.7, far + 0.001))
    assert not rp.strong_mismatch(near, thr, 0.5)
    poor = event((1, 0.9, 0.05), (1, 0.4, 0.1), (6, 0.4, 0.1))
    assert not rp.strong_mismatch(poor, thr, 0.5) and rp.strong_mismatch(poor, thr, 0.3)
    one_finger = event((1, 0.9, 0.05), (1, 0.8, 0.1), (1, 0.7, 0.1))
    assert not rp.strong_mismatch(one_finger, thr, 0.0)
