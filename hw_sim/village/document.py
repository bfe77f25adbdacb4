"""The report as Markdown: figures from report.compute, assumptions from the modules."""

from __future__ import annotations

from . import behaviour as bh
from . import population as pop
from . import report as rp


def _pct(x: float) -> str:
    return f"{x:.2%}"


def _shares(d: dict) -> str:
    return ", ".join(f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items())


def _group_table(rows: dict) -> list[str]:
    out = ["| group | visits | first finger | after fallback | officer approved | refused "
           "| refused % |", "| --- | --- | --- | --- | --- | --- | --- |"]
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
        "reporter, a private Mosquitto and the reference hub.",
        "",
        "## Targets",
        "",
        "| target | figure | status |",
        "| --- | --- | --- |",
        f"| genuine recipients finally refused ≤ 0.5 % | {_pct(g['exclusion'])} "
        f"({g['categories'].get('refused', 0)} of {g['visits']} visits) | "
        f"{yes[t['exclusion_overall']]} |",
        f"| hardest group ≤ 2 % | {g['hardest_group']}: {_pct(g['hardest_rate'])} | "
        f"{yes[t['exclusion_hardest_group']]} |",
        f"| impostor attempts accepted ≤ 0.01 % | {imp['accepted']} of {imp['attempts']}"
        f" ({_pct(imp['rate'])}; 95 % upper bound {_pct(imp['upper95'])}) | "
        f"{yes[t['inclusion']]} |",
        f"| officer interventions per 100 visits | {r['officer']['per_100_visits']:.1f} "
        f"({r['officer']['interventions']} decisions) | reported |",
        f"| median time per genuine visit | {r['time']['median_s']:.0f} s (p90 "
        f"{r['time']['p90_s']:.0f} s, modelled) | reported |",
        "",
        f"Bounding an impostor acceptance rate below 0.01 % at 95 % confidence needs "
        f"{imp['needed_for_target']:,} impostor attempts with none accepted; this run had "
        f"{imp['attempts']}, so even with none accepted it could not show the target met. "
        f"Of the impostor attempts, {imp['reached_biometrics']} reached the fingerprint "
        f"(the others were refused as already claimed, before any capture); "
        f"{imp['accepted_biometric']} were accepted by a biometric (95 % bound "
        f"{_pct(imp['biometric_upper95'])}).",
        "",
    ]
    cg, ci = r["captures"]["genuine"], r["captures"]["impostor"]
    lines += [
        "## The matcher, capture by capture", "",
        f"Genuine people's finger captures: {cg['captures']} ({_shares(cg['results'])}). Of "
        f"the {cg['usable']} usable ones, **{_pct(cg['no_match_rate'])} did not match**: the "
        "committed int8 matcher's false non-match rate per attempt on this village's "
        "captures at its verify threshold, wrong fingers included "
        f"({_pct(pop.WRONG_FINGER)} of captures). docs/fingerprint_matcher.md measures "
        "6.8 % probe against template on its synthetic calibration set (the 34 % quoted "
        "for an earlier matcher was per impression pair); this village's dry, worn and "
        "labourers' fingers are harder than that set's mix. "
        "The ladder (three tries per finger, a second finger, the officer) is what turns "
        "this into served visits. Impostors' captures: "
        f"{ci['captures']} ({_shares(ci['results']) or 'none'}); of {ci['usable']} usable, "
        f"{_pct(ci['match_rate'])} matched.", ""]
    lines += _why(r)
    lines += ["## Genuine recipients", "",
              "Per condition group (occupation mapped to finger conditions; "
              "`no usable print`: every finger worn smooth):", ""]
    lines += _group_table(g["by_condition"])
    lines += ["", "Per age group:", ""]
    lines += _group_table(g["by_age"])
    lines += ["", "Per period:", ""]
    lines += _group_table(g["per_period"])
    lines += ["", f"![outcomes by group]({plots[0]})", ""]
    if g["refused"]:
        lines += ["Every genuine visit finally refused, with the ladder the hub recorded:", ""]
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
              ""]
    lines += _assumptions()
    lines += [
        "", "## How this is made", "",
        "```",
        f"{command} --out DIR [--records FILE.json.gz] [--cache DIR] [--workers N]",
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
        "| `hw_sim/village/report.py` | every figure, from the hub's events (pure) |",
        "| `hw_sim/village/document.py`, `plots.py` | this page and its plots (Pillow) |",
        "", "Determinism: the population, visits, hands, impressions and officer answers are "
        "drawn from the seed, so a seed gives the same figures every time (tested); event "
        "ids, keys and the wall time of the run differ.",
    ]
    return "\n".join(lines) + "\n"


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
                "finally refused there: " + _shares(paths) + ".", ""]
    if not r["targets"]["inclusion"]:
        by = {}
        for k in imp["by_kind"].values():
            for how, n in k["accepted_by"].items():
                by[how] = by.get(how, 0) + n
        out += ["### Why the inclusion target is missed", "",
                "Impostors accepted: " + (_shares(by) or "none") + ". "
                + ("The officer rung let some through (the stated officer assumption: the "
                   "officer is misled by a relative with the family's KK more often than by a "
                   "stranger). " if by.get("officer (misled)") else "")
                + (f"A fingerprint false match let {by_fp} through. " if (by_fp := sum(
                    n for how, n in by.items() if "false match" in how)) else "")
                + f"{imp['attempts']} attempts cannot bound a rate of 0.01 % in any case "
                f"({imp['needed_for_target']:,} needed).",
                ""]
    return out


def _assumptions() -> list[str]:
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
        f"without it ({bh.NO_KTP:.0%}: referred, `documents_missing`, counted as refused "
        f"that period). An impostor walks away when the officer is called "
        f"({bh.IMPOSTOR_WALKS_AWAY:.0%}); the officer denies a relative who stays "
        f"{bh.DENY['relative']:.0%} of the time (the family's KK, a resemblance) and a "
        f"stranger {bh.DENY['stranger']:.0%}.",
        "- Face rung: not exercised. The project's only synthetic face (tests' `draw_face`) "
        "is one face for everyone, so enrolling faces would make every impostor a face match; "
        "no face is enrolled and the rung is skipped (`no_face_template`). Real faces would "
        "serve some people the officer serves here.",
        "- Enrolment: everyone eligible is enrolled by the officer through EnrolFlow; a "
        "finger that fails 8 captures is marked unreadable by the officer.",
        "- Relatives' fingerprints are as different as strangers' (the generator has no "
        "family resemblance; real relatives share pattern classes, not minutiae).",
    ]
