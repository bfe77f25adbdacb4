"""Shared helpers of the verification-core tests: the test village, a hub."""

from __future__ import annotations

from kiosk.roster.updates import build_update, recipient_record
from kiosk.security.crypto import Ed25519PrivateKey, public_key_bytes

# NIKs of the test village (valid structure: Jawa Barat, Bogor).
ANI = "3201015501900001"  # woman, eligible for PKH and BPNT
BUDI = "3201011203850002"  # eligible for PKH
CITRA = "3201014707600003"  # recorded as deceased for PKH
DEWI = "3201016110750004"  # eligible for BPNT only
EKO = "3201010101700005"  # officer (not a recipient)
FAJAR = "3201010202820006"  # second officer
PERIOD = "2025-Q1"


def roster_records() -> list[dict]:
    return [
        recipient_record(ANI, "Ani Suryani", [("PKH", PERIOD, True), ("BPNT", "2025-06", True)],
                         kk="3201010101010001", village="3201012001"),
        recipient_record(BUDI, "Budi Santoso", [("PKH", PERIOD, True)], village="3201012001"),
        recipient_record(CITRA, "Citra Lestari", [("PKH", PERIOD, False, "deceased")]),
        recipient_record(DEWI, "Dewi Anggraini", [("BPNT", "2025-06", True)]),
        {"type": "officer", "op": "upsert", "officer_id": "OFF-1", "nik": EKO,
         "name": "Eko Prasetyo", "active": True},
        {"type": "officer", "op": "upsert", "officer_id": "OFF-2", "nik": FAJAR,
         "name": "Fajar Nugroho", "active": True},
    ]


class Hub:
    """The hub's side in tests: a signing key and a version counter."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.public = self.key.public_key()
        self.raw_public = public_key_bytes(self.key)
        self.nik_key = b"k" * 32

    def update(self, records, version, **kw):
        return build_update(records, version=version, hub_key=self.key,
                            nik_ref_key=self.nik_key, **kw)




def generator_version() -> str:
    """Hash of the synthetic generator's source: cached images are only reused for it."""
    import hashlib
    from pathlib import Path

    import hw_sim.fingerprints as fp

    h = hashlib.sha256()
    for path in sorted(Path(fp.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class FingerBank:
    """Synthetic impressions, memoised in memory and on disk (masters take seconds).

    Extra conditions: ``faint``, a finger worn nearly smooth, which the quality gate
    refuses (deterministic, unlike a worn finger that may still match; the sensor
    may not even see it); ``sliver``, a 30 px strip of a print, which the sensor
    sees and the quality gate refuses as too small.
    """

    def __init__(self, cache_dir=None):
        from pathlib import Path

        self.dir = Path(cache_dir) if cache_dir else None
        self.memo = {}

    def __call__(self, identity: int, finger: int, condition: str, index: int):
        import numpy as np

        key = f"{identity}_{finger}_{condition}_{index}"
        if key in self.memo:
            return self.memo[key]
        path = self.dir / f"{key}.npy" if self.dir else None
        if path is not None and path.exists():
            image = np.load(path)
        elif condition == "sliver":
            image = np.full((288, 256), 255, np.uint8)
            image[:, 100:130] = self(identity, finger, "normal", index)[:, 100:130]
        elif condition == "faint":
            base = self(identity, finger, "normal", index).astype(np.float32)
            image = (255 - (255 - base) * 0.16).astype(np.uint8)
        else:
            from hw_sim.fingerprints import impression

            image = impression(identity, finger, index, condition).image
            if path is not None:
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, image)
                tmp.replace(path)
        self.memo[key] = image
        return image


# Synthetic identities behind the test village's people.
ANI_ID, EKO_ID, BUDI_ID, STRANGER_ID = 1, 2, 3, 4
OFFICER_CONFIG_FINGERS = 1


def approve(reason="worn_fingerprints", note=None):
    from kiosk.flows.actions import OfficerChoice

    return lambda _req: OfficerChoice("approve", reason, note)


def deny(reason="identity_not_confirmed"):
    from kiosk.flows.actions import OfficerChoice

    return lambda _req: OfficerChoice("deny", reason)


class SimKiosk:
    """A kiosk on a fast in-process simulated sensor, with helpers to run flows."""

    def __init__(self, store, bank, matcher=None):
        from firmware_bridge.r30x.driver import R30xSensor
        from hw_sim.sensor.simulator import SensorSimulator

        self.store = store
        self.bank = bank
        self.sim = SensorSimulator().start()
        self.sensor = R30xSensor(self.sim.url, timeout=3).open()
        self.sensor.negotiate()  # 115200 baud, 256-byte packets: the kiosk's own link
        from kiosk.biometrics.fingerprint.standin import StandInMatcher

        self.matcher = matcher or StandInMatcher()
        self.last = None  # the last Session (its trace and shown actions)
        self.shown = []

    def close(self):
        self.sensor.close()
        self.sim.stop()

    def _session(self, hands, ask_officer, ask_nik, first_index):
        from kiosk.runtime.capture import SimulatedFingers
        from kiosk.runtime.session import Session

        fingers = SimulatedFingers(self.sim, self.sensor, hands, self.bank,
                                   first_index=first_index, wait=0.5)
        self.shown = []
        self.last = Session(self.store, fingers, ask_nik=ask_nik or (lambda _r: None),
                            ask_officer=ask_officer or (lambda _r: _cancel()),
                            show=self.shown.append)
        return self.last

    def verify(self, nik, hand=None, *, officer=None, ask_officer=None, programme="PKH",
               period=PERIOD, identify=False, ask_nik=None, config=None, first_index=20):
        from kiosk.flows.actions import Start
        from kiosk.flows.verify import VerifyFlow
        from kiosk.runtime.capture import Hand

        hands = {"recipient": hand, "identify": hand,
                 "officer": officer or Hand(EKO_ID)}
        flow = VerifyFlow(self.matcher, config)
        session = self._session({k: v for k, v in hands.items() if v}, ask_officer, ask_nik,
                                first_index)
        result = session.run(flow, Start(nik, programme, period, identify=identify))
        return result, flow

    def enrol(self, nik, hand, *, officer=None, ask_officer=None, config=None, first_index=0):
        from kiosk.flows.actions import Start
        from kiosk.flows.enrol import EnrolFlow
        from kiosk.runtime.capture import Hand

        hands = {"enrol": hand, "officer": officer or Hand(EKO_ID)}
        flow = EnrolFlow(self.matcher, config)
        session = self._session(hands, ask_officer, None, first_index)
        return session.run(flow, Start(nik)), flow

    def event(self, result):
        return self.store.event(result.event_id)


def _cancel():
    from kiosk.flows.actions import Cancel

    return Cancel("officer")


def build_golden(data_dir, hub, bank, matcher=None):
    """A provisioned kiosk with the roster, officer Eko (1 finger), Ani and Budi enrolled
    (by ``matcher``, the stand-in unless given)."""
    from kiosk.clock import FixedClock
    from kiosk.flows.enrol import EnrolConfig
    from kiosk.roster.updates import import_update
    from kiosk.runtime.capture import Hand
    from kiosk.security.keys import DataPaths, provision
    from kiosk.storage.store import KioskStore

    paths = DataPaths.resolve(data_dir)
    provision(paths, hub_public_key=hub.raw_public)
    store = KioskStore.open(paths, clock=FixedClock())
    envelope, chunks = hub.update(roster_records(), 1)
    import_update(store, envelope, chunks, hub.public)
    kiosk = SimKiosk(store, bank, matcher)
    try:
        for nik, identity, config in (
                (EKO, EKO_ID, EnrolConfig(target_fingers=OFFICER_CONFIG_FINGERS)),
                (ANI, ANI_ID, None), (BUDI, BUDI_ID, None)):
            result, _ = kiosk.enrol(nik, Hand(identity), config=config)
            assert result.outcome == "enrolled", (nik, result)
    finally:
        kiosk.close()
        store.close()
    return paths
