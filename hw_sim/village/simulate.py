"""The village simulation: one kiosk, its officer, a hub, and everyone's visits.

Real parts throughout: the signed roster is imported by the kiosk, people enrol and
verify through EnrolFlow and VerifyFlow driven by Session, fingers go through the
simulated R30x over the real driver to the committed TFLite matcher, decisions are
committed to the kiosk's store, and the reporter ships them over a private Mosquitto
to the reference hub, which checks and books them. The report is then computed from
the hub's books (report.py); this module only keeps the ground truth of who was who.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hw_sim.hub.broker import PrivateBroker

from . import behaviour as bh
from . import campaign
from . import population as pop

PROGRAMME = "PKH"
VILLAGE_CODE = "3201012001"
OFFICER_NIK = "3201010101700100"
RETURN_OFFSET = 500_000  # a return visit's hand stream, officer seed and capture indices
MAX_VISITS = RETURN_OFFSET // 10  # per period: 100 capture indices a visit, returns above


@dataclass
class Truth:
    """What the simulation knows and the hub does not: who each event was."""

    people: list[pop.Person]
    periods: list[str]
    enrolments: list[dict] = field(default_factory=list)  # {event_id, person}
    visits: list[dict] = field(default_factory=list)  # {event_id, period, kind, person, ...}
    kiosk_counts: dict = field(default_factory=dict)  # type:decision:reason -> n (kiosk DB)
    device_id: str = ""
    nik_key: bytes = b""
    seconds: float = 0.0
    masters_built: int = 0
    campaign_periods: list[str] = field(default_factory=list)  # the impostor campaign's rounds
    campaign: dict = field(default_factory=dict)  # its bookkeeping (campaign.run)
    officer_model: dict = field(default_factory=dict)  # behaviour's shares this run used


def roster_records(people: list[pop.Person], periods: list[str]) -> list[dict]:
    from kiosk.roster.updates import recipient_record

    records = [recipient_record(p.nik, p.name,
                                [(PROGRAMME, q, p.ineligible is None, p.ineligible)
                                 for q in periods],
                                kk=f"32010100{p.household:08d}", village=VILLAGE_CODE)
               for p in people]
    records.append({"type": "officer", "op": "upsert", "officer_id": "OFF-1",
                    "nik": OFFICER_NIK, "name": "Petugas Desa", "active": True})
    return records


def stranger_conditions(identity: int) -> dict:
    import numpy as np

    rng = np.random.default_rng([0x7116, identity])
    base = pop._pick(rng, pop.FINGER_CONDITIONS["farmer"])
    return {f: base for f in range(10)}


def _fingers_needed(village: pop.Village) -> list[tuple[int, int]]:
    """The masters nearly every run needs: everyone's first two enrolment fingers."""
    from kiosk.flows.ladder import PREFERENCE

    keys = [(pop.OFFICER_IDENTITY, f) for f in PREFERENCE[:2]]
    for p in village.people:
        if not p.ineligible:
            keys += [(p.identity, f) for f in PREFERENCE[:2]]
    return keys


class Kiosk:
    """The kiosk's side: store, simulated sensor, matcher; runs one flow per call."""

    def __init__(self, store, bank, matcher):
        from firmware_bridge.r30x.driver import R30xSensor
        from hw_sim.sensor.simulator import SensorSimulator

        self.store, self.bank, self.matcher = store, bank, matcher
        self.sim = SensorSimulator().start()
        self.sensor = R30xSensor(self.sim.url, timeout=3).open()
        self.sensor.negotiate()

    def close(self) -> None:
        self.sensor.close()
        self.sim.stop()

    def run(self, flow, start, hands: dict, officer, first_index: int):
        from kiosk.runtime.capture import SimulatedFingers
        from kiosk.runtime.session import Session

        # The finger is on the glass before the capture starts: what the sensor does not
        # see at once (a finger worn smooth) it never sees, so do not wait in real time.
        fingers = SimulatedFingers(self.sim, self.sensor, hands, self.bank,
                                   first_index=first_index, wait=0.0)
        session = Session(self.store, fingers, ask_nik=lambda _r: None, ask_officer=officer)
        return session.run(flow, start)


def run_village(people: int, periods: int, seed: int, work: Path, cache: Path | None,
                workers: int = 1, every_kind: bool = False,
                log: Callable[[str], None] = lambda _m: None,
                impostor_attempts: int = 0) -> tuple:
    """Run the village, then ``impostor_attempts`` attempts of the impostor campaign
    (campaign.py); returns (hub events as dicts in seq order, Truth)."""
    from hw_sim.hub.hub import HubService
    from hw_sim.hub.store import HubStore
    from kiosk.biometrics.fingerprint import load_matcher
    from kiosk.clock import FixedClock
    from kiosk.flows.actions import Start
    from kiosk.flows.enrol import EnrolConfig, EnrolFlow
    from kiosk.reporting.outbox import Outbox
    from kiosk.reporting.reporter import Reporter, ReporterConfig
    from kiosk.roster.updates import build_update, import_update
    from kiosk.security.crypto import Ed25519PrivateKey, public_key_bytes
    from kiosk.security.keys import DataPaths, load_identity, provision
    from kiosk.storage.store import KioskStore

    from .bank import ImpressionBank

    t0 = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    village = pop.draw_village(people, seed, every_kind)
    names = pop.period_names(periods)
    truth = Truth(village.people, names,
                  officer_model={"no_ktp": bh.NO_KTP, "returns_with_ktp": bh.RETURNS_WITH_KTP})
    truth.campaign_periods = campaign.campaign_periods(
        impostor_attempts, sum(1 for p in village.people if not p.ineligible))
    bank = ImpressionBank(cache)
    log(f"growing fingerprint masters ({workers} worker(s); cached in {bank.dir})")
    bank.prebuild(_fingers_needed(village), workers)

    hub_key = Ed25519PrivateKey.generate()
    truth.nik_key = nik_key = os.urandom(32)
    paths = DataPaths.resolve(work / "kiosk")
    provision(paths, hub_public_key=public_key_bytes(hub_key))
    clock = FixedClock()
    store = KioskStore.open(paths, clock=clock)
    envelope, chunks = build_update(roster_records(village.people,
                                                   names + truth.campaign_periods), version=1,
                                    hub_key=hub_key, nik_ref_key=nik_key)
    import_update(store, envelope, chunks, hub_key.public_key())
    identity = load_identity(paths)
    truth.device_id = identity.device_id
    hub_store = HubStore(work / "hub.sqlite3")
    hub_store.register_device(VILLAGE_CODE, public_key_bytes(identity.public_key))
    matcher = load_matcher()
    kiosk = Kiosk(store, bank, matcher)
    stop = threading.Event()
    with PrivateBroker(work) as broker:
        hub = HubService(hub_store, hub_key, broker.url, village=VILLAGE_CODE).start()
        outbox, rep_store = Outbox(paths.db), KioskStore.open(paths)
        reporter = Reporter(ReporterConfig(broker.url, VILLAGE_CODE, ack_timeout_s=5.0,
                                           backoff_base_s=0.1, backoff_cap_s=1.0),
                            outbox, identity, hub_key.public_key(), store=rep_store,
                            store_factory=lambda: KioskStore.open(paths))
        thread = threading.Thread(target=reporter.run, args=(stop,), daemon=True)
        thread.start()
        try:
            _enrol_all(kiosk, village, truth, clock, EnrolFlow, EnrolConfig, Start, log)
            for qi, period in enumerate(names):
                visits = pop.arrivals(village, period, qi, every_kind)
                if len(visits) >= MAX_VISITS:
                    raise ValueError(f"{len(visits)} visits in a period: at most {MAX_VISITS - 1}")
                log(f"{period}: {len(visits)} visits")
                returns = []
                for i, v in enumerate(visits):
                    if i and i % 100 == 0:
                        log(f"{period}: {i} of {len(visits)} visits")
                    if _visit(kiosk, village, truth, clock, v, qi, seed):
                        returns.append(v)
                # Sent home for their KTP: most come back with it later in the period.
                for v in returns:
                    if bh.comes_back(v.seed):
                        _visit(kiosk, village, truth, clock, v, qi, seed, returning=True)
            if impostor_attempts:
                # CI size: strangers from the village only (their masters are grown).
                truth.campaign = campaign.run(
                    kiosk, village, truth, clock, impostor_attempts, seed, PROGRAMME, log,
                    outsiders=0 if every_kind else pop.STRANGER_POOL, workers=workers)
            seq = store.db.query("SELECT max(seq) FROM events")[0][0]
            log(f"waiting for the hub to book {seq} events")
            if not hub.wait_booked(identity.device_id, seq, timeout=60 + seq / 20):
                raise RuntimeError(f"the hub booked fewer than the kiosk's {seq} events")
        finally:
            stop.set()
            thread.join(10)
            hub.stop()
            kiosk.close()
            outbox.close()
            rep_store.close()
    truth.kiosk_counts = kiosk_counts(store)
    store.close()
    hub_store.close()
    truth.seconds = time.monotonic() - t0
    truth.masters_built = bank.built
    return hub_events(work / "hub.sqlite3", identity.device_id), truth


def _visit(kiosk, village, truth, clock, v, qi, seed, returning: bool = False) -> bool:
    """One verification at the kiosk, recorded in ``truth``; True when the kiosk told a
    genuine recipient to come back with their KTP (a return visit is another hand, seed
    and capture range, with the KTP this time)."""
    from kiosk.flows.actions import Start
    from kiosk.flows.prompts import COME_BACK
    from kiosk.flows.verify import VerifyConfig, VerifyFlow

    clock.wall += 60 * 10**9
    owner = village.people[v.person] if v.person is not None else None
    if v.presenter_person is not None:
        conditions = village.people[v.presenter_person].conditions
    else:
        conditions = stranger_conditions(v.presenter)
    again = RETURN_OFFSET if returning else 0
    hand = bh.hand_for(v.presenter, conditions, seed, 1_000_000 * (qi + 1) + v.order + again)
    who = "genuine" if v.kind in ("genuine", "ineligible", "walk_in") else v.kind
    officer = bh.Officer(who, owner, v.seed + again, has_ktp=returning)
    result = kiosk.run(VerifyFlow(kiosk.matcher, VerifyConfig()),
                       Start(v.nik, PROGRAMME, v.period),
                       {"recipient": hand, "officer": bh.officer_hand(v.seed + again)}, officer,
                       first_index=10_000_000 * (qi + 1) + 100 * v.order + 10 * again)
    truth.visits.append({
        "event_id": result.event_id, "period": v.period, "kind": v.kind,
        "person": v.person, "presenter": v.presenter,
        "presenter_person": v.presenter_person, "outcome": result.outcome,
        "reason": result.reason, **({"return": True} if returning else {})})
    told = result.text_code == COME_BACK  # what the person was shown
    if told != officer.sent_for_ktp:
        raise RuntimeError(f"the kiosk showed {result.text_code or result.reason} after the "
                           f"officer's {'documents_missing' if officer.sent_for_ktp else 'choice'}")
    return told


def _enrol_all(kiosk, village, truth, clock, EnrolFlow, EnrolConfig, Start, log) -> None:
    officer = {"enrol": bh.officer_hand(0)}
    result = kiosk.run(EnrolFlow(kiosk.matcher, EnrolConfig()), Start(OFFICER_NIK), officer,
                       bh.Officer("genuine", None, 0), first_index=0)
    if result.outcome != "enrolled":
        raise RuntimeError(f"the officer could not be enrolled: {result.reason}")
    todo = [p for p in village.people if not p.ineligible]
    log(f"enrolling {len(todo)} people")
    for i, p in enumerate(todo):
        if i and i % 50 == 0:
            log(f"enrolled {i} of {len(todo)}")
        clock.wall += 300 * 10**9
        hands = {"enrol": bh.hand_for(p.identity, p.conditions, village.seed, p.index),
                 "officer": bh.officer_hand(p.index)}
        result = kiosk.run(EnrolFlow(kiosk.matcher, EnrolConfig()), Start(p.nik), hands,
                           bh.Officer("genuine", p, p.index), first_index=1000 + 100 * p.index)
        truth.enrolments.append({"event_id": result.event_id, "person": p.index,
                                 "outcome": result.outcome, "reason": result.reason})


def kiosk_counts(store) -> dict:
    """type:decision:reason -> n, from the kiosk's own event table."""
    counts: Counter = Counter()
    for (body,) in store.db.query("SELECT body FROM events ORDER BY seq"):
        e = json.loads(body)
        counts[f"{e.get('type')}:{e.get('decision') or '-'}:{e.get('reason') or '-'}"] += 1
    return dict(sorted(counts.items()))


def hub_events(db: Path, device_id: str) -> list[dict]:
    """The hub's booked events of the kiosk, parsed, after checking their chain."""
    from hw_sim.hub.store import HubStore
    from kiosk.security.chain import verify_chain

    store = HubStore(db)
    try:
        rows = store.event_rows(device_id)
        report = verify_chain(rows, store.device(device_id).public_key, device_id)
        if not report.ok:
            raise RuntimeError(f"the hub's chain is broken: {report.first_break.message}")
        return [json.loads(body) for _, _, body, _, _ in rows]
    finally:
        store.close()
