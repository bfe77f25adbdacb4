"""The report as Markdown: figures from report.compute, assumptions from the modules."""

from __future__ import annotations

from . import behaviour as bh
from . import campaign
from . import population as pop
from . import report as rp


def _pct(x: float) -> str:
    return f"{x:.2%}"


def _shares(d: dict) -> str:
    return ", ".join(f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items())


def _group_table(rows: dict) -> list[str]:
    out = ["| group | recipient-periods | " + " | ".join(rp.CATEGORIES) + " | refused % |",
           "|" + " --- |" * (len(rp.CATEGORIES) + 3)]
    for name, c in rows.items():
        n = sum(c.values())
        out.append(f"| {name} | {n} | " + " | ".join(str(c.get(k, 0)) for k in rp.CATEGORIES)
                   + f" | {_pct(c.get('refused', 0) / n if n else 0)} |")
    return out


def markdown(r: dict, command: str, plots: list[str]) -> str:
    g, imp, books = r["genuine"], r["impostors"], r["books"]
    t = r["targets"]
    yes = {True: "**met**", False: "**missed**"}
    lines = [
        "# Simulated village: exclusion and inclusion errors",
        "",
        f"Run: `{command}` — {r['people']} roster people, {len(r['periods'])} period(s) "
        f"({', '.join(r['periods'])}), {r['visits']} visits, "
        f"{r['run']['seconds']:.0f} s wall on this machine ({r['run']['masters_built']} "
        "fingerprint masters grown, the rest from the cache).",
        "",
        rp.summary_line(r),
        "",
        "Everything below is computed from the **hub's booked events** (signed, chain-checked), "
        "joined with the simulation's ground truth of who stood at the kiosk. The kiosk ran "
        "the real roster import, EnrolFlow and VerifyFlow through Session, the simulated R30x "
        "over the real driver, the committed int8 TFLite matcher, the store, the outbox and "
        "reporter, a private Mosquitto and the reference hub."
        + (f" Fingerprint matcher: {', '.join(m['versions'])}; threshold per comparison "
           f"(for the claim's false-match rate, VerifyConfig.claim_fmr) up to "
           f"{m['verify_threshold']}." if (m := r.get("matcher")) and m["versions"] else ""),
        "",
        "## Targets",
        "",
        "| target | figure | status |",
        "| --- | --- | --- |",
        f"| genuine recipients finally refused ≤ 0.5 % | {_pct(g['exclusion'])} "
        f"({g['categories'].get('refused', 0)} of {g['visits']} recipient-periods) | "
        f"{yes[t['exclusion_overall']]} |",
        f"| hardest group ≤ 2 % | {g['hardest_group']}: {_pct(g['hardest_rate'])} | "
        f"{yes[t['exclusion_hardest_group']]} |",
        *_inclusion_rows(r, yes),
        f"| officer interventions per 100 visits | {r['officer']['per_100_visits']:.1f} "
        f"({r['officer']['interventions']} decisions) | reported |",
        f"| median time per genuine recipient and period (their visits) | "
        f"{r['time']['median_s']:.0f} s (p90 "
        f"{r['time']['p90_s']:.0f} s, modelled) | reported |",
        "",
        f"Bounding an impostor acceptance rate below 0.01 % at 95 % confidence needs "
        f"{imp['needed_for_target']:,} impostor attempts with none accepted; the village's "
        f"own visits had {imp['attempts']} impostors, so "
        + ("the impostor campaign below bounds it." if r.get("campaign") else
           "even with none accepted they could not show the target met (the impostor "
           "campaign, `--impostor-attempts N`, runs enough).")
        + f" Of the village's impostors, {imp['reached_biometrics']} reached the fingerprint "
        f"(the others were refused as already claimed, before any capture); "
        f"{imp['accepted_biometric']} were accepted by a biometric (95 % bound "
        f"{_pct(imp['biometric_upper95'])}).",
        "",
    ]
    lines += _campaign(r)
    cg, ci = r["captures"]["genuine"], r["captures"]["impostor"]
    lines += [
        "## The matcher, capture by capture", "",
        f"Genuine people's finger captures: {cg['captures']} ({_shares(cg['results'])}). Of "
        f"the {cg['usable']} usable ones, **{_pct(cg['no_match_rate'])} did not match**: the "
        "committed int8 matcher's false non-match rate per attempt on this village's "
        "captures at the threshold each comparison had to clear, wrong fingers included "
        f"({_pct(pop.WRONG_FINGER)} of captures). docs/fingerprint_matcher.md gives the "
        "matcher's rate probe against template on its synthetic calibration set; this "
        "village's dry, worn and labourers' fingers are harder than that set's mix. "
        "The ladder (three tries per finger, a second finger, the officer) is what turns "
        "this into served visits. Impostors' captures (village visits and campaign): "
        f"{ci['captures']} ({_shares(ci['results']) or 'none'}); of {ci['usable']} usable, "
        f"{_pct(ci['match_rate'])} matched.", ""]
    lines += _why(r)
    ret = g["return_visits"]
    lines += ["## Genuine recipients", "",
              "Each eligible recipient once per period: how their period ended (the visit "
              "that served them, else their last). "
              f"Sent home by the officer to fetch their KTP: {ret['sent_for_ktp']}; "
              f"came back within the period: {ret['came_back']}, served then: "
              f"{ret['served']} (`on a return visit`).", "",
              "Per condition group (occupation mapped to finger conditions; "
              "`no usable print`: every finger worn smooth):", ""]
    lines += _group_table(g["by_condition"])
    lines += ["", "Per age group:", ""]
    lines += _group_table(g["by_age"])
    lines += ["", "Per period:", ""]
    lines += _group_table(g["per_period"])
    lines += ["", f"![outcomes by group]({plots[0]})", ""]
    if g["refused"]:
        lines += ["Every genuine recipient finally refused in a period, with the ladder the hub "
                  "recorded on their last visit:", ""]
        lines += [f"- {x['period']}, {x['group']}, age {x['age']}: {x['path']}"
                  + (" — an impostor accepted earlier in the period had taken the claim"
                     if x.get("impostor_claimed_first") else "")
                  for x in g["refused"]]
        lines.append("")
    lines += ["## Impostors", "",
              "| who | attempts | accepted | accepted by | outcomes |",
              "| --- | --- | --- | --- | --- |"]
    for kind, k in imp["by_kind"].items():
        lines.append(f"| {kind} | {k['attempts']} | {k['accepted']} | "
                     f"{_shares(k['accepted_by']) or '-'} | {_shares(k['outcomes'])} |")
    inel, walk = r["ineligible"], r["walk_ins"]
    lines += ["", "## Ineligible people and walk-ins", "",
              f"Ineligible visits: {inel['visits']}, refused with their integrated-data reason: "
              f"{inel['correctly_refused']} ({_shares(inel['reasons'])}). Walk-ins whose NIK is "
              f"not in the roster: {walk['visits']}, refused `not_in_roster`: "
              f"{walk['refused_not_in_roster']}.", "",
              "## Attempts and time", "",
              f"![attempts]({plots[1]})", "", f"![time per person]({plots[2]})", "",
              "Time is modelled from each event's record (the hub has no stopwatch): "
              + _shares({k: f"{v:.0f} s" for k, v in rp.TIME_MODEL.items()}) + ".", "",
              "## Enrolment", "",
              "| group | outcomes |", "| --- | --- |"]
    for grp, c in r["enrolment"].items():
        lines.append(f"| {grp} | {_shares(c)} |")
    lines += ["", "## Bookkeeping", "",
              f"- hub events: {books['hub_events']}; duplicate event ids: "
              f"{len(books['duplicate_event_ids'])}",
              f"- visits missing at the hub: {books['visits_missing_at_hub']}; hub "
              f"verifications without a visit: {books['hub_verifications_without_visit']}",
              f"- events whose NIK link, period or decision disagree with the ground truth: "
              f"{books['events_not_matching_truth']}",
              "- every roster person accounted for exactly once per period: "
              + ("yes" if not any(books["people_not_exactly_once"].values()) else "NO"),
              "- hub counts equal the kiosk's: "
              + ("yes" if books["hub_counts_equal_kiosk"] else "NO"),
              "- return visits without a `documents_missing` referral before them: "
              f"{books['returns_without_referral']}",
              ""]
    lines += _assumptions(ret)
    lines += [
        "", "## How this is made", "",
        "```",
        f"{command} --out DIR [--records FILE.json.gz] [--cache DIR] [--workers N]",
        "kiosk sim village ... --impostor-attempts 30000           # the inclusion bound",
        "kiosk sim village --report-from FILE.json.gz --out DIR   # the report again, no run",
        "kiosk sim village --quick                                 # CI size (tests run it)",
        "```", "",
        "| module | job |", "| --- | --- |",
        "| `hw_sim/village/population.py` | the village and each period's visits (pure, "
        "seeded; the shares above) |",
        "| `hw_sim/village/behaviour.py` | a person's hand at the sensor, the officer's "
        "answers |",
        "| `hw_sim/village/bank.py` | synthetic impressions; fingerprint masters grown in "
        "parallel and cached on disk |",
        "| `hw_sim/village/simulate.py` | the kiosk, broker, hub and reporter; enrolment and "
        "visits through the real flows |",
        "| `hw_sim/village/campaign.py` | the impostor campaign: its schedule, the bank of "
        "impostor captures, the matcher's per-image memo |",
        "| `hw_sim/village/report.py` | every figure, from the hub's events (pure) |",
        "| `hw_sim/village/document.py`, `plots.py` | this page and its plots (Pillow) |",
        "", "Determinism: the population, visits, hands, impressions and officer answers are "
        "drawn from the seed, so a seed gives the same figures every time (tested); event "
        "ids, keys and the wall time of the run differ.",
    ]
    return "\n".join(lines) + "\n"


def _inclusion_rows(r: dict, yes: dict) -> list[str]:
    imp, c, t = r["impostors"], r.get("campaign"), r["targets"]
    if not c:
        return [f"| impostor attempts accepted ≤ 0.01 % | {imp['accepted']} of {imp['attempts']}"
                f" ({_pct(imp['rate'])}; 95 % upper bound {_pct(imp['upper95'])}) | "
                f"{yes[t['inclusion']]} |"]
    b, o = c["biometric"], c["officer"]
    return [
        f"| impostor attempts accepted by a biometric rung ≤ 0.01 % (campaign) | "
        f"{b['accepted']} of {c['attempts']:,} ({_pct4(b['rate'])}; 95 % upper bound "
        f"{_pct4(b['upper95'])}) | {yes[t['inclusion_biometric']]} |",
        f"| impostor attempts accepted, any rung, ≤ 0.01 % (campaign) | {c['accepted']} of "
        f"{c['attempts']:,} ({_pct4(c['rate'])}; 95 % upper bound {_pct4(c['upper95'])}); by "
        f"the officer {o['accepted']} ({_pct4(o['rate'])}, bound {_pct4(o['upper95'])}) | "
        f"{yes[t['inclusion']]} |",
        f"| impostors among the village's visits | {imp['accepted']} of {imp['attempts']} "
        f"accepted ({_pct(imp['rate'])}) | reported |"]


def _pct4(x: float) -> str:
    """Small rates to three significant figures (a bound of 0.00998 % is not 0.0100 %)."""
    return f"{100 * x:.3g}%"


# bench/face_identities.py --identities 100 (2026-11-28, this machine).
FACE_FMR, FACE_FNMR, FACE_NO_FACE = "1.25 % (77 of 6,173 impostor pairs)", "9.4 % (6 of 64)", 42

GATE_RATIONALE = (
    "**Why the officer's approval is gated on the evidence (a product decision).** The "
    "officer rung exists so that nobody whose fingers fail is turned away, and most people "
    "who reach it have fingers that read badly (worn smooth, injured) or that read and score "
    "near the threshold. An impostor is different: their fingers read well and score far "
    "below the threshold on every finger tried, because they are someone else's. Before, "
    "the officer saw only \"the fingers failed\" and a relative with the family's KK could "
    "talk their way through, so inclusion at the officer rung was whatever the officer's "
    "vigilance was, whatever the matcher did. Now, when at least {captures} {good} of at "
    "least {fingers} enrolled fingers all scored below "
    "{ratio:.0%} of the threshold each comparison had to clear, the officer's screen says "
    "the fingers are most likely someone else's and offers only deny or refer to the "
    "village office, where the "
    "KK and KTP are checked against the civil registry and a wrong enrolment can be "
    "corrected. On this run's captures, {gen_below} of genuine people's usable captures "
    "scored that low (wrong fingers included), against {imp_below} of impostors'; genuine "
    "visits where approval was withheld: {gen_gated} (they are referred, counted as "
    "refused for the period). Approval stays open when the evidence "
    "is weak: no usable reading, one finger, or a capture near the threshold — so a worn-"
    "fingered impostor can still mislead an officer, and that figure is a human one under "
    "the stated officer assumptions, reported apart from the biometric bound.")


def _campaign(r: dict) -> list[str]:
    from kiosk.flows.verify import VerifyConfig

    c = r.get("campaign")
    cfg = VerifyConfig()
    caps = r["captures"]
    good = (f"good captures (quality ≥ {cfg.mismatch_quality})" if cfg.mismatch_quality > 0
            else "usable captures (every capture the quality gate let through)")
    gate = GATE_RATIONALE.format(captures=cfg.mismatch_captures, good=good,
                                 fingers=cfg.mismatch_fingers, ratio=cfg.mismatch_ratio,
                                 gen_below=_pct(caps["genuine"].get("far_below_rate", 0.0)),
                                 imp_below=_pct(caps["impostor"].get("far_below_rate", 0.0)),
                                 gen_gated=r["genuine"].get("approval_withheld", 0))
    if not c:
        return [gate, ""]
    k, b, o = c["bookkeeping"], c["biometric"], c["officer"]
    stopped = o.get("stopped_by_gate", 0)
    on_no_print = rp._rate(o.get("accepted_on_no_print", 0), c["attempts"])
    cap = c["captures"]
    out = [
        "## Impostor campaign: bounding inclusion", "",
        f"After the village's periods, {c['attempts']:,} impostor attempts"
        + (f" (of {k['asked']:,} asked; the presenter-person pairs ran out)"
           if k.get("asked", c["attempts"]) > c["attempts"] else "")
        + f" in {k.get('rounds', 0)} rounds (each round its own period, so no attempt meets "
        "the double-claim guard of an earlier one): relatives and strangers presenting an "
        "enrolled recipient's NIK, through the real VerifyFlow and Session, the int8 "
        "matcher and the officer rung, each committed, sent through the outbox and MQTT and "
        f"booked by the hub. {k.get('presenters', 0)} presenters ({k.get('outsiders', 0)} "
        f"from outside the village, the rest villagers) against {k.get('claimed_people', 0)} "
        f"claimed people; every (presenter, claimed person) pair once "
        f"({'yes' if k.get('pairs_distinct') else 'NO'}). Their fingers were captured "
        f"through the simulated sensor and driver once, {k.get('impressions', 0):,} "
        f"impressions in all, and presented {k.get('impression_pairs', 0):,} times, each "
        "(impression, claimed person) pair once; quality and extraction computed once per "
        f"distinct image ({k.get('distinct_images_assessed', 0):,}), every comparison "
        f"computed. The campaign took {k.get('seconds', 0):.0f} s, "
        f"{k.get('ms_per_attempt', 0):.0f} ms an attempt (impression bank included). "
        "Measured before it was built: one capture through the sensor path costs about "
        "35 ms (impression 17 ms, quality 2 ms, extraction 13 ms, the upload) and a "
        "comparison under 1 ms; an impostor attempt makes about 7 captures (6 of their own, "
        "the officer's sign-in), so about 0.25 s an attempt and 2 hours for 30,000 on one "
        "core; reused impressions and the per-image memo leave the comparisons, the flow, "
        "the commit and the booking.",
        "",
        f"- **Biometric rungs**: {b['accepted']} accepted ({_shares(b['by']) or 'none'}); "
        f"95 % upper bound {_pct4(b['upper95'])} of attempts. Per comparison: "
        f"{c['comparisons']:,} impostor captures compared with an enrolled template, "
        f"{c['comparisons_matched']} at or above their threshold; the highest score "
        f"{c['max_score']:.3f}. Captures: {_shares(cap['results'])}.",
        f"- **Officer rung**: reached by {o['decided'] + o.get('walked_away', 0):,} attempts; "
        f"{o.get('walked_away', 0):,} impostors walked away when the officer was called, "
        f"{o['decided']:,} were decided by the officer. Approval withheld on the evidence: "
        f"{o['approval_withheld']:,}; open: {o['approval_open']:,} "
        f"({_shares(o['open_because']) or '-'}). Accepted by the officer (misled): "
        f"{o['accepted']} ({_pct4(o['rate'])}, 95 % upper bound {_pct4(o['upper95'])}); "
        f"without the gate, the {stopped} it turned into referrals would have been "
        f"approvals too ({_pct4(rp._rate(o['accepted'] + stopped, c['attempts']))} of "
        "attempts); "
        f"approval was open because: {_shares(o['accepted_because_open']) or '-'}. This is "
        "a policy and human figure: it follows from the officer assumptions below "
        "(walk-away and denial rates), not from the matcher."
        + (f" {o['claims_on_no_print']:,} attempts claimed a person enrolled without a "
           "usable fingerprint, for whom no biometric rung exists here (no face is "
           "enrolled, see Assumptions), so the officer alone decided them: "
           f"{o['accepted_on_no_print']} were accepted "
           f"({_pct4(on_no_print)} of all attempts"
           + (", by themselves above the 0.01 % target" if on_no_print > 1e-4 else "")
           + "): the officer's error rate sets that part, not the matcher; only a second "
           "modality for those people (a face the kiosk can tell apart) would remove it."
           if "claims_on_no_print" in o else ""),
        "",
        "| who | attempts | accepted | accepted by | outcomes |",
        "| --- | --- | --- | --- | --- |"]
    for kind, x in c["by_kind"].items():
        out.append(f"| {kind} | {x['attempts']:,} | {x['accepted']} | "
                   f"{_shares(x['accepted_by']) or '-'} | {_shares(x['outcomes'])} |")
    out += ["", gate, ""]
    if c.get("gate_sensitivity"):
        ran = f"{cfg.mismatch_quality:.1f}"
        out += ["The same gate with other bounds for a capture to count, applied to this run's "
                "events (the kiosk ran with the marked row):", "",
                "| a capture counts at quality ≥ | impostors' officer decisions closed "
                "| genuine visits closed |", "| --- | --- | --- |"]
        for q, x in c["gate_sensitivity"].items():
            label = q if q != "0.0" else "0 (every usable capture)"
            label += " (the kiosk)" if q == ran else ""
            out.append(f"| {label} | {x['impostor_decisions_closed']:,} "
                       f"({_pct(x['share'])}) | {x['genuine_visits_closed']} |")
        visits = r["genuine"]["all_visits"]
        worst = max(x["genuine_visits_closed"] for x in c["gate_sensitivity"].values())
        out += ["", f"Genuine visits the gate would close at the loosest bound: {worst} of "
                f"{visits:,} (95 % upper bound {_pct(rp.upper_bound(worst, visits))}). A genuine "
                "person meets it only if every usable capture on two fingers scores below "
                f"{cfg.mismatch_ratio:.0%} of the threshold; most who reach the officer have no "
                "usable capture at all (no usable print) and are not affected.", ""]
    return out


def _why(r: dict) -> list[str]:
    g, imp = r["genuine"], r["impostors"]
    out = []
    if not (r["targets"]["exclusion_overall"] and r["targets"]["exclusion_hardest_group"]):
        paths: dict = {}
        for x in g["refused"]:
            last = x["path"].split("; ")[-1]
            paths[last] = paths.get(last, 0) + 1
        out += ["### Why the exclusion target is missed", "",
                f"Hardest group: **{g['hardest_group']}** ({_pct(g['hardest_rate'])} refused). "
                "The fingerprint rungs send these people on to the officer (see the ladder "
                "paths below); the face rung is skipped because no face was enrolled (see "
                "assumptions); so the last rung, the officer, decides, and genuine people are "
                "finally refused there: " + _shares(paths) + "."
                + (f" `documents_missing` is the stated officer assumption: {bh.NO_KTP:.0%} of "
                   "genuine people who reach the officer came without their KTP and are sent to "
                   f"fetch it; {_returns(g['return_visits'])}. People with no usable "
                   "print reach the officer on every visit, so their refused rate follows those "
                   "assumptions, whatever the matcher does; only a second modality they can "
                   "use at the kiosk (the face rung) would serve them without it."
                   if any(k.endswith("(documents_missing)") for k in paths) else ""), ""]
    if not r["targets"]["inclusion"]:
        by = {}
        for k in (r.get("campaign") or imp)["by_kind"].values():
            for how, n in k["accepted_by"].items():
                by[how] = by.get(how, 0) + n
        out += ["### Why the inclusion target is missed", "",
                "Impostors accepted: " + (_shares(by) or "none") + ". "
                + ("The officer rung let some through (the stated officer assumption: the "
                   "officer is misled by a relative with the family's KK more often than by a "
                   "stranger). " if by.get("officer (misled)") else "")
                + (f"In the campaign, approval was open for them because: {_shares(why)}. With "
                   "no usable capture the fingers say nothing about who is there (only a "
                   "second modality would: a face the kiosk can tell apart); a capture near "
                   "the threshold is not evidence of someone else. "
                   if (why := ((r.get("campaign") or {}).get("officer") or {})
                       .get("accepted_because_open")) else "")
                + (f"A fingerprint false match let {by_fp} through. " if (by_fp := sum(
                    n for how, n in by.items() if "false match" in how)) else "")
                + (f"{c['comparisons_matched']} of {c['comparisons']:,} impostor comparisons "
                   f"matched ({_pct4(rp._rate(c['comparisons_matched'], c['comparisons']))} per "
                   "comparison); an impostor attempt makes up to 6 comparisons (3 tries on "
                   "each of 2 fingers), so per attempt the rate is up to 6 times that. The "
                   "kiosk sets each comparison's threshold for the claim's rate "
                   "(`VerifyConfig.claim_fmr`, 1e-4, over the comparisons a claim allows; "
                   f"here up to {(r.get('matcher') or {}).get('verify_threshold')}), so what "
                   "is left is the calibration's error on these synthetic fingers. "
                   if (c := r.get("campaign")) and c["comparisons_matched"] else "")
                + (f"{imp['attempts']} attempts cannot bound a rate of 0.01 % in any case "
                   f"({imp['needed_for_target']:,} needed)." if not r.get("campaign") else
                   f"The campaign's {r['campaign']['attempts']:,} attempts bound the rate "
                   f"at {_pct4(r['campaign']['upper95'])} (95 %; "
                   f"{imp['needed_for_target']:,} attempts with none accepted reach 0.01 %)."),
                ""]
    return out


def _returns(ret: dict) -> str:
    """The return-visit assumption as the run used it (older records had none)."""
    share = ret.get("assumed_share")
    if share is None:
        return "this run modelled no return visits: the others are refused for the period"
    return (f"{share:.0%} come back with it later in the period (after the period's other "
            "visits; the officer then has the KTP); the others, and anyone refused on the "
            "return visit, count as refused for the period")


def _assumptions(ret: dict) -> list[str]:
    return [
        "## Assumptions (hw_sim/village/population.py, behaviour.py)", "",
        f"- Ages: {_shares(pop.AGE_GROUPS)}. People of 60 and over are `elderly`; others "
        f"work as {_shares(pop.OCCUPATIONS)}.",
        "- Finger conditions (generator conditions) by group: "
        + "; ".join(f"{k}: {_shares(v)}" for k, v in pop.FINGER_CONDITIONS.items())
        + ". A person draws one base condition; each finger keeps it with probability 0.7, "
        "else draws again.",
        f"- No usable print (all fingers worn smooth, refused by the quality gate): "
        f"{_shares(pop.NO_USABLE_PRINT)}.",
        f"- Ineligible in the integrated data: {_shares(pop.INELIGIBLE)}; they are in the "
        "roster but not enrolled (eligibility is checked before any finger is taken).",
        f"- Per period per 100 roster people: {pop.WALK_INS} walk-ins not in the roster, "
        f"{pop.RELATIVE_IMPOSTORS} relatives (same household of {pop.HOUSEHOLD_SIZE}) and "
        f"{pop.STRANGER_IMPOSTORS} strangers presenting an eligible recipient's NIK "
        "(Poisson counts); everyone arrives in a random order, so an impostor who comes "
        "after the owner meets the double-claim guard.",
        f"- At the sensor, each capture: wrong finger (other hand) {pop.WRONG_FINGER:.0%}, "
        f"pressed off centre (generator's `partial`) {pop.OFF_CENTRE:.0%}.",
        f"- Officer: approves a genuine recipient after checking the KTP, unless they came "
        f"without it ({bh.NO_KTP:.0%}: referred, `documents_missing`, and told at the kiosk to "
        f"come back with it); of those, {_returns(ret)}. An impostor walks away when the "
        f"officer is called ({bh.IMPOSTOR_WALKS_AWAY:.0%}); the officer denies a relative "
        f"who stays {bh.DENY['relative']:.0%} of the time (the family's KK, a resemblance) and a "
        f"stranger {bh.DENY['stranger']:.0%}. When the kiosk withholds approval (strong "
        "evidence of someone else, see above), the officer refers to the village office "
        "instead of approving: the genuine person and the impostor who would have misled "
        "the officer alike.",
        "- Impostor campaign (`--impostor-attempts N`, hw_sim/village/campaign.py): "
        f"relatives with a share of {campaign.RELATIVE_SHARE:.0%} while the household has "
        "one not yet used on the NIK, else strangers: the village's stranger pool "
        f"({pop.STRANGER_POOL} identities from outside; none in `--quick`) and eligible "
        "villagers of other households. Their hands and the officer behave as in the "
        f"visits. Per presenter finger {campaign.OWN_IMPRESSIONS} impressions in their own "
        f"condition and {campaign.PARTIAL_IMPRESSIONS} pressed off centre are captured once "
        "and reused on other NIKs (never twice on one), so attempts are not independent "
        "samples of impressions: the bound is per (impression, claimed person) pair.",
        "- Face rung: not exercised. The procedural faces with an identity "
        "(hw_sim/camera/identity.py: face shape, skin, eyes, brows, nose, mouth, hair, ears, "
        "beard) are not told apart by the kiosk's face matcher at its threshold: "
        "`bench/face_identities.py --identities 100` (live sessions on the simulated camera, "
        f"enrolment and probe from two photos) measured FMR {FACE_FMR} and FNMR {FACE_FNMR} "
        f"at 0.62, and {FACE_NO_FACE} of 200 live sessions gave no live usable face. "
        "Enrolling them would make the face rung the impostors' main way in and measure the "
        "drawings, not the matcher (which is calibrated at 1e-4 on real faces), so no face is "
        "enrolled and the rung is skipped (`no_face_template`). Real faces would serve some "
        "people the officer serves here.",
        "- Enrolment: everyone eligible is enrolled by the officer through EnrolFlow; a "
        "finger that fails 8 captures is marked unreadable by the officer.",
        "- Relatives' fingerprints are as different as strangers' (the generator has no "
        "family resemblance; real relatives share pattern classes, not minutiae).",
    ]
