"""The village report, computed from the hub's booked events as an auditor would: pure.

The hub's events say what the kiosk decided and how (attempts, ladder, officer); the
simulation's ground truth (``Truth``) says who actually stood there. An auditor holding
the hub's NIK key can re-link events to roster people by ``nik_ref``; we check that the
link agrees with the ground truth, then classify every visit.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from kiosk.security.crypto import keyed_hash

# Targets of the issue.
EXCLUSION_TARGET = 0.005  # genuine recipients finally refused, all groups
HARDEST_GROUP_TARGET = 0.02
INCLUSION_TARGET = 0.0001  # impostor attempts accepted

# Time model (seconds) applied to each event's record: what the person and officer do.
T_NIK = 20.0  # typing the NIK / showing the KTP to the reader
T_CAPTURE = 7.0  # place a finger, capture, upload, match, feedback
T_OFFICER_CALL = 60.0  # fetching the officer to the kiosk
T_OFFICER_DECIDE = 90.0  # KTP check, choosing the reason, note
T_RESULT = 10.0  # result screen, receipt
TIME_MODEL = {"NIK entry": T_NIK, "each finger capture (person or officer)": T_CAPTURE,
              "calling the officer": T_OFFICER_CALL,
              "officer's check and decision": T_OFFICER_DECIDE, "result and receipt": T_RESULT}

SERVED = ("first finger", "after fallback", "officer approved", "on a return visit")
CATEGORIES = (*SERVED, "refused")


def visit_seconds(event: dict) -> float:
    """Modelled time at the kiosk for one verification event."""
    t = T_NIK + T_RESULT + T_CAPTURE * len(event.get("attempts") or [])
    if any(r.get("rung") == "officer" for r in event.get("ladder") or []):
        t += T_OFFICER_CALL
    if (event.get("officer") or {}).get("reason"):
        t += T_OFFICER_DECIDE
    return t


def category(event: dict) -> str:
    """How a genuine recipient's visit ended."""
    if event["decision"] != "accepted":
        return "refused"
    if event["reason"] == "officer_approved":
        return "officer approved"
    ladder = event.get("ladder") or []
    return "first finger" if ladder and ladder[0]["status"] == "used" else "after fallback"


def recipient_periods(genuine: list[tuple[dict, dict]]) -> list[tuple[dict, dict, list]]:
    """Each genuine recipient's period, as (deciding visit, its event, all its visits): the
    visit that served them, else their last one (finally refused). Visits in kiosk order."""
    by: dict[tuple, list] = {}
    for v, e in genuine:
        by.setdefault((v["person"], v["period"]), []).append((v, e))
    out = []
    for visits in by.values():
        served = [(v, e) for v, e in visits if e["decision"] == "accepted"]
        v, e = served[0] if served else visits[-1]
        out.append((v, e, visits))
    return out


def returns_without_referral(visits: list[dict], by_id: dict[str, dict]) -> int:
    """Recipient-periods with more return visits than ``documents_missing`` referrals before
    them (the simulation sends someone back only after one)."""
    pending: Counter = Counter()  # referrals not yet followed by a return, per period
    wrong = set()
    for v in visits:
        e = by_id.get(v["event_id"])
        if e is None or v.get("campaign"):
            continue
        key = (v["person"], v["period"])
        if v.get("return"):
            if pending[key]:
                pending[key] -= 1
            else:
                wrong.add(key)
        elif sent_for_ktp(e):
            pending[key] += 1
    return len(wrong)


def sent_for_ktp(event: dict) -> bool:
    """The officer referred the person to fetch their KTP (the kiosk says: come back)."""
    return (event.get("officer") or {}).get("reason") == "documents_missing"


def final_category(v: dict, e: dict) -> str:
    """How a genuine recipient's period ended (its deciding visit, recipient_periods)."""
    c = category(e)
    return "on a return visit" if v.get("return") and c != "refused" else c


def hardest_group(groups: dict[str, dict]) -> tuple:
    """(name, counts) of the group with the highest refused rate; among equal rates, the one
    that most needed more than the first finger (with nobody refused: the group nearest to
    it, not the first in the list)."""
    def key(gc):
        n = sum(gc[1].values())
        return _rate(gc[1].get("refused", 0), n), 1 - _rate(gc[1].get("first finger", 0), n)

    return max(groups.items(), key=key, default=(None, {}))


def path(event: dict) -> str:
    """The ladder as one line: which rungs were tried and why each did not serve."""
    steps = []
    for r in event.get("ladder") or []:
        why = f" ({r['reason']})" if r.get("reason") else ""
        steps.append(f"{r['rung']} {r['status']}{why}")
    said = (event.get("officer") or {}).get("reason")  # the officer's own reason code
    steps.append(f"-> {event['decision']} {event['reason']}" + (f" ({said})" if said else ""))
    return "; ".join(steps)


def upper_bound(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact (Clopper-Pearson) upper bound of a binomial rate, by bisection."""
    if n == 0:
        return 1.0
    if k >= n:
        return 1.0
    alpha = 1 - confidence

    def cdf(p: float) -> float:  # P(X <= k), in logs (the binomials overflow a float)
        if p <= 0.0:
            return 1.0
        lp, lq = math.log(p), math.log1p(-p)
        return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                            + i * lp + (n - i) * lq) for i in range(k + 1))

    lo, hi = k / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > alpha else (lo, mid)
    return hi


def attempts_needed(target: float, confidence: float = 0.95) -> int:
    """Attempts with none accepted that bound the rate below ``target``."""
    return math.ceil(math.log(1 - confidence) / math.log(1 - target))


def _rate(k: int, n: int) -> float:
    return k / n if n else 0.0


def compute(events: list[dict], truth) -> dict:
    """Every figure of the report, from the hub's events and the ground truth."""
    by_id: dict[str, dict] = {}
    dup_ids = []
    for e in events:
        if e["event_id"] in by_id:
            dup_ids.append(e["event_id"])
        by_id[e["event_id"]] = e
    people = truth.people
    refs = {keyed_hash(truth.nik_key, p.nik): p.index for p in people}
    hub_counts = Counter(f"{e.get('type')}:{e.get('decision') or '-'}:{e.get('reason') or '-'}"
                         for e in events)
    books = {"hub_events": len(events), "duplicate_event_ids": dup_ids,
             "hub_counts_equal_kiosk": dict(sorted(hub_counts.items())) == truth.kiosk_counts,
             "hub_counts": dict(sorted(hub_counts.items())), "kiosk_counts": truth.kiosk_counts}
    missing = [v for v in truth.visits if v["event_id"] not in by_id]
    books["visits_missing_at_hub"] = len(missing)
    visit_ids = Counter(v["event_id"] for v in truth.visits)
    verifications = [e for e in events if e["type"] == "verification"]
    books["hub_verifications_without_visit"] = sum(
        1 for e in verifications if e["event_id"] not in visit_ids)
    books["visits_sharing_an_event"] = sum(1 for n in visit_ids.values() if n > 1)
    wrong_link = 0
    per_period_people: dict[str, Counter] = {q: Counter() for q in truth.periods}
    for v in truth.visits:
        e = by_id.get(v["event_id"])
        if v["kind"] in ("genuine", "ineligible") and not v.get("return"):
            per_period_people[v["period"]][v["person"]] += 1
        if e is None:
            continue
        linked = refs.get(e.get("nik_ref"))
        if linked != v["person"] or e.get("period") != v["period"]:
            wrong_link += 1
        if (e["decision"], e["reason"]) != (v["outcome"], v["reason"]):
            wrong_link += 1  # the hub holds another decision than the kiosk showed
    books["events_not_matching_truth"] = wrong_link
    books["returns_without_referral"] = returns_without_referral(truth.visits, by_id)
    books["people_not_exactly_once"] = {
        q: sorted(k for k in range(len(people)) if c[k] != 1)
        for q, c in per_period_people.items()}
    books["ok"] = (not dup_ids and not missing and books["hub_counts_equal_kiosk"]
                   and not books["hub_verifications_without_visit"]
                   and not books["visits_sharing_an_event"] and not wrong_link
                   and not books["returns_without_referral"]
                   and not any(books["people_not_exactly_once"].values()))

    genuine: list[tuple[dict, dict]] = []
    impostors: list[tuple[dict, dict]] = []
    inel: list[tuple[dict, dict]] = []
    walk_ins: list[tuple[dict, dict]] = []
    campaign: list[tuple[dict, dict]] = []
    for v in truth.visits:
        e = by_id.get(v["event_id"])
        if e is None:
            continue
        if v.get("campaign"):
            campaign.append((v, e))
            continue
        {"genuine": genuine, "ineligible": inel, "walk_in": walk_ins}.get(
            v["kind"], impostors).append((v, e))

    finals = recipient_periods(genuine)

    def table(key) -> dict:
        out: dict = defaultdict(lambda: Counter())
        for v, e, _ in finals:
            out[key(v)][final_category(v, e)] += 1
        return {g: dict(c) for g, c in sorted(out.items())}

    # Entitlements an impostor claimed: the owner then meets the double-claim guard.
    stolen = {(v["person"], v["period"]) for v, e in impostors if e["decision"] == "accepted"}
    cats = Counter(final_category(v, e) for v, e, _ in finals)
    refused = [(v, e) for v, e, _ in finals if category(e) == "refused"]
    by_condition = table(lambda v: people[v["person"]].group)
    by_age = table(lambda v: people[v["person"]].age_group)
    groups = {**{f"condition: {g}": c for g, c in by_condition.items()},
              **{f"age: {g}": c for g, c in by_age.items()}}
    hardest = hardest_group(groups)
    per_period = table(lambda v: v["period"])
    n_gen = len(finals)
    exclusion = _rate(len(refused), n_gen)
    hardest_rate = _rate(hardest[1].get("refused", 0), sum(hardest[1].values()))
    sent_home = sum(1 for v, e in genuine if not v.get("return") and sent_for_ktp(e))
    returned = [(v, e) for v, e in genuine if v.get("return")]

    imp_by_kind = by_kind(impostors)
    n_imp = len(impostors)
    k_imp = sum(1 for _, e in impostors if e["decision"] == "accepted")
    k_bio = sum(1 for _, e in impostors
                if e["decision"] == "accepted" and e["reason"] != "officer_approved")
    reached_biometrics = sum(1 for _, e in impostors if e.get("attempts"))

    from kiosk.flows.verify import VerifyConfig

    thresholds = [e["threshold"] for e in events
                  if e.get("modality") == "fingerprint" and e.get("threshold")]
    threshold = max(thresholds) if thresholds else None
    far = VerifyConfig().mismatch_ratio * threshold if thresholds else None
    camp = campaign_figures(campaign, truth) if campaign else None
    if camp and threshold is not None:
        camp["gate_sensitivity"] = gate_sensitivity(campaign, genuine, threshold)
    captures = {"genuine": capture_stats((e for _, e in genuine), far),
                "impostor": capture_stats((e for _, e in impostors + campaign), far),
                "far_below": far}
    # A recipient's time is all their visits' in the period (a return visit included).
    times = sorted(sum(visit_seconds(e) for _, e in visits) for _, _, visits in finals)
    officer_n = sum(1 for _, e in genuine + impostors if (e.get("officer") or {}).get("reason"))
    visits_n = len(truth.visits) - len(campaign)
    attempts_hist = Counter(sum(1 for a in e.get("attempts") or [] if a["p"] == "recipient")
                            for _, e in genuine)
    enrol_out = defaultdict(Counter)
    for r in truth.enrolments:
        e = by_id.get(r["event_id"])
        if e is not None:
            enrol_out[people[r["person"]].group][f"{e['decision']}:{e['reason']}"] += 1

    return {
        "books": books,
        "people": len(people), "periods": truth.periods, "visits": visits_n,
        "population": {
            "age": dict(sorted(Counter(p.age_group for p in people).items())),
            "condition group": dict(sorted(Counter(p.group for p in people).items())),
            "ineligible": dict(sorted(Counter(p.ineligible for p in people
                                              if p.ineligible).items()))},
        "enrolment": {g: dict(c) for g, c in sorted(enrol_out.items())},
        "genuine": {"visits": n_gen, "categories": dict(cats), "per_period": per_period,
                    "all_visits": len(genuine),
                    "return_visits": {"sent_for_ktp": sent_home, "came_back": len(returned),
                                      # None: records of a run before return visits existed
                                      "assumed_share": truth.officer_model.get(
                                          "returns_with_ktp"),
                                      "served": sum(1 for _, e in returned
                                                    if e["decision"] == "accepted")},
                    "by_condition": by_condition, "by_age": by_age,
                    "approval_withheld": sum(
                        1 for _, e in genuine if (e.get("detail") or {}).get("strong_mismatch")),
                    "exclusion": exclusion, "hardest_group": hardest[0],
                    "hardest_rate": hardest_rate,
                    "refused": [{"group": people[v["person"]].group,
                                 "age": people[v["person"]].age_group,
                                 "period": v["period"], "path": path(e),
                                 "impostor_claimed_first": (v["person"], v["period"]) in stolen}
                                for v, e in refused]},
        "impostors": {"attempts": n_imp, "accepted": k_imp, "accepted_biometric": k_bio,
                      "reached_biometrics": reached_biometrics,
                      "rate": _rate(k_imp, n_imp), "upper95": upper_bound(k_imp, n_imp),
                      "biometric_upper95": upper_bound(k_bio, reached_biometrics),
                      "needed_for_target": attempts_needed(INCLUSION_TARGET),
                      "by_kind": imp_by_kind},
        "ineligible": {"visits": len(inel),
                       "correctly_refused": sum(
                           1 for v, e in inel if e["decision"] == "rejected"
                           and e["reason"] == people[v["person"]].ineligible),
                       "reasons": dict(Counter(e["reason"] for _, e in inel))},
        "walk_ins": {"visits": len(walk_ins),
                     "refused_not_in_roster": sum(1 for _, e in walk_ins
                                                  if e["reason"] == "not_in_roster")},
        "time": {"median_s": _quantile(times, 0.5), "p90_s": _quantile(times, 0.9),
                 "max_s": times[-1] if times else 0.0, "all": times},
        "officer": {"interventions": officer_n,
                    "per_100_visits": 100 * _rate(officer_n, visits_n),
                    "per_100_people_per_period": 100 * _rate(
                        officer_n, len(people) * max(1, len(truth.periods)))},
        "attempts_hist": dict(sorted(attempts_hist.items())),
        "captures": captures,
        "campaign": camp,
        "targets": {
            "exclusion_overall": exclusion <= EXCLUSION_TARGET,
            "exclusion_hardest_group": hardest_rate <= HARDEST_GROUP_TARGET,
            **({"inclusion_biometric": camp["biometric"]["upper95"] <= INCLUSION_TARGET}
               if camp else {}),
            "inclusion": (camp["upper95"] if camp
                          else upper_bound(k_imp, n_imp)) <= INCLUSION_TARGET},
        "run": {"seconds": truth.seconds, "masters_built": truth.masters_built},
        "matcher": {"versions": sorted({e["model"] for e in verifications
                                        if e.get("modality") == "fingerprint"
                                        and e.get("model")}),
                    "verify_threshold": threshold},
    }


def accepted_by(e: dict) -> str:
    return ("officer (misled)" if e["reason"] == "officer_approved"
            else f"{e.get('modality')} false match")


def by_kind(rows: list[tuple[dict, dict]]) -> dict:
    out = {}
    for kind in ("relative", "stranger"):
        mine = [(v, e) for v, e in rows if v["kind"] == kind]
        acc = [(v, e) for v, e in mine if e["decision"] == "accepted"]
        out[kind] = {
            "attempts": len(mine), "accepted": len(acc),
            "accepted_by": dict(Counter(accepted_by(e) for _, e in acc)),
            "outcomes": dict(Counter(f"{e['decision']}:{e['reason']}" for _, e in mine))}
    return out


def campaign_figures(rows: list[tuple[dict, dict]], truth) -> dict:
    """The impostor campaign (campaign.py), from the hub's events: accepted by a biometric
    rung and by the officer, each with its exact 95 % upper bound over all attempts."""
    n = len(rows)
    accepted = [e for _, e in rows if e["decision"] == "accepted"]
    officer_ok = [e for e in accepted if e["reason"] == "officer_approved"]
    officer = len(officer_ok)
    biometric = len(accepted) - officer
    scores = [a["s"] for _, e in rows for a in e.get("attempts") or []
              if a["p"] == "recipient" and a.get("s") is not None]
    at_officer = [e for _, e in rows
                  if any(r["rung"] == "officer" for r in e.get("ladder") or [])]
    decided = [e for e in at_officer if (e.get("officer") or {}).get("reason")]
    gated = [e for e in decided if (e.get("detail") or {}).get("strong_mismatch")]
    open_ = [e for e in decided if not (e.get("detail") or {}).get("strong_mismatch")]
    walked = sum(1 for _, e in rows if e["reason"] == "cancelled_by_person")
    # A person enrolled without a usable fingerprint has no biometric rung here (no face is
    # enrolled): on their NIK the officer alone decides, whatever the matcher does.
    no_print = {p.index for p in truth.people if p.group == "no usable print"}
    on_no_print = [(v, e) for v, e in rows if v["person"] in no_print]

    from kiosk.flows.verify import VerifyConfig

    cfg = VerifyConfig()

    def why_open(e: dict) -> str:
        """Why approval stayed open for this attempt (VerifyConfig.mismatch_*)."""
        sc = [a for a in e.get("attempts") or [] if a["p"] == "recipient"
              and a.get("s") is not None]
        if not sc:
            return "no usable capture"
        good = [a for a in sc if (a.get("q") or 0) >= cfg.mismatch_quality]
        if len(good) < cfg.mismatch_captures or len({a["f"] for a in good}) < cfg.mismatch_fingers:
            return "too few usable captures or fingers"
        return "a capture near the threshold"

    return {
        "attempts": n, "accepted": len(accepted), "rate": _rate(len(accepted), n),
        "upper95": upper_bound(len(accepted), n),
        "biometric": {"accepted": biometric, "rate": _rate(biometric, n),
                      "upper95": upper_bound(biometric, n),
                      "by": dict(Counter(e.get("modality") for e in accepted
                                         if e["reason"] != "officer_approved"))},
        "officer": {"accepted": officer, "rate": _rate(officer, n),
                    "upper95": upper_bound(officer, n),
                    "reached": len(at_officer), "decided": len(decided), "walked_away": walked,
                    # The officer model refers an impostor only when it would have approved
                    # and the kiosk did not offer approval: the approvals the gate stopped.
                    "stopped_by_gate": sum(1 for e in gated
                                           if e["reason"] == "officer_referred"),
                    "approval_withheld": len(gated), "approval_open": len(open_),
                    "open_because": dict(Counter(why_open(e) for e in open_)),
                    "accepted_because_open": dict(Counter(why_open(e) for e in officer_ok)),
                    "claims_on_no_print": len(on_no_print),
                    "accepted_on_no_print": sum(1 for _, e in on_no_print
                                                if e["reason"] == "officer_approved")},
        "comparisons": len(scores), "comparisons_matched": sum(
            1 for _, e in rows for a in e.get("attempts") or []
            if a["p"] == "recipient" and a["r"] == "match"),
        "comparison_upper95": upper_bound(0, len(scores)) if scores else 1.0,
        "max_score": max(scores, default=0.0),
        "captures": capture_stats(e for _, e in rows),
        "by_kind": by_kind(rows),
        "bookkeeping": dict(truth.campaign),
    }


def strong_mismatch(e: dict, threshold: float, quality: float) -> bool:
    """The flow's gate (verify.mismatch_evidence) on a booked event, at another quality bound."""
    from kiosk.flows.verify import VerifyConfig, mismatch_evidence

    scored = [(a["f"], a.get("q"), a["s"]) for a in e.get("attempts") or []
              if a["p"] == "recipient" and a.get("s") is not None]
    return mismatch_evidence(scored, threshold, VerifyConfig(), quality) is not None


def gate_sensitivity(campaign, genuine, threshold: float) -> dict:
    """How many officer decisions on impostors the gate would close, and how many genuine
    visits it would send away, at a few bounds for a "good" capture (0: every capture the
    quality gate let through)."""
    decided = [e for _, e in campaign if (e.get("officer") or {}).get("reason")]
    out = {}
    for q in (0.5, 0.4, 0.3, 0.0):
        closed = sum(strong_mismatch(e, threshold, q) for e in decided)
        out[f"{q:.1f}"] = {"impostor_decisions_closed": closed,
                           "share": _rate(closed, len(decided)),
                           "genuine_visits_closed": sum(strong_mismatch(e, threshold, q)
                                                        for _, e in genuine)}
    return out


def capture_stats(events, far_below: float | None = None) -> dict:
    """Per finger capture of the person at the kiosk: results, and the rate of usable
    captures that did not match (for genuine people: the matcher's FNMR per attempt,
    plus the wrong fingers they put down) or did (for impostors: false matches), and that
    scored below ``far_below`` (the officer gate's bound)."""
    results: Counter = Counter()
    below = 0
    for e in events:
        for a in e.get("attempts") or []:
            if a["p"] == "recipient":
                results[a["r"].split(":")[0]] += 1
                if far_below is not None and a.get("s") is not None and a["s"] < far_below:
                    below += 1
    usable = results["match"] + results["no_match"]
    return {"results": dict(sorted(results.items())), "captures": sum(results.values()),
            "usable": usable, "match_rate": _rate(results["match"], usable),
            "no_match_rate": _rate(results["no_match"], usable),
            "far_below_rate": _rate(below, usable)}


def _quantile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summary_line(r: dict) -> str:
    g, i = r["genuine"], r["impostors"]
    met = all(r["targets"].values())
    return (f"village: {r['people']} people x {len(r['periods'])} period(s), "
            f"{r['visits']} visits; genuine refused {g['exclusion']:.2%} "
            f"(hardest {g['hardest_group']} {g['hardest_rate']:.1%}); impostors accepted "
            f"{i['accepted']}/{i['attempts']} (95% bound {i['upper95']:.2%}); officer "
            f"{r['officer']['per_100_visits']:.1f}/100 visits; "
            + (f"impostor campaign: {c['attempts']} attempts, {c['biometric']['accepted']} "
               f"accepted by a biometric (95% bound {100 * c['biometric']['upper95']:.3g}%), "
               f"{c['officer']['accepted']} by the officer; "
               if (c := r.get("campaign")) else "")
            + "median "
            f"{r['time']['median_s']:.0f} s; books {'ok' if r['books']['ok'] else 'WRONG'}; "
            f"targets {'met' if met else 'missed'}")


def figures(r: dict) -> dict:
    """The report's figures without run-dependent noise (for the determinism check)."""
    out = {k: v for k, v in r.items() if k != "run"}
    out["books"] = {k: v for k, v in r["books"].items()}
    if r.get("campaign"):
        out["campaign"] = {**r["campaign"], "bookkeeping": {
            k: v for k, v in r["campaign"]["bookkeeping"].items()
            if k not in ("seconds", "ms_per_attempt")}}
    return out
