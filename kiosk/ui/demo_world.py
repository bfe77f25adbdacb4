"""The demo village: a provisioned kiosk with a signed roster and enrolled synthetic people.

Used by ``kiosk demo``, the UI tests, the gallery and the UI benchmark. Every
person is a synthetic identity of the fingerprint generator; what happens at
the sensor depends on the NIK typed on the screen (:class:`DemoFingers`), so
the demo can show every journey: verified, not eligible, worn fingers down the
ladder to the officer.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..runtime.capture import Hand, LiveFaces, NoCapture, SimulatedFingers

log = logging.getLogger("kiosk.ui.demo")

PROGRAMME, PERIOD = "PKH", "2025-Q1"


@dataclass(frozen=True)
class Person:
    nik: str
    name: str
    identity: int  # synthetic identity behind their fingers
    entitlements: tuple = ((PROGRAMME, PERIOD, True),)
    enrol: bool = True
    condition: str = "normal"  # their skin at the sensor today
    note: str = ""


OFFICER = Person("3201010101700005", "Eko Prasetyo", 2, (),
                 note="officer (signs in by finger, or with PIN 246810)")
OFFICER_PIN = "246810"
PEOPLE = (
    Person("3201015501900001", "Ani Suryani", 1,
           ((PROGRAMME, PERIOD, True), ("BPNT", "2025-06", True)), note="verified by finger"),
    Person("3201011203850002", "Budi Santoso", 3, note="verified by finger"),
    Person("3201014707600003", "Citra Lestari", 6, ((PROGRAMME, PERIOD, False, "deceased"),),
           enrol=False, note="not eligible: recorded as deceased"),
    Person("3201016110750004", "Dewi Anggraini", 7, (("BPNT", "2025-06", True),), enrol=False,
           note="not eligible: not in PKH"),
    Person("3201015808550007", "Sri Wahyuni", 4, condition="faint",
           note="fingers worn smooth: the ladder goes to the officer"),
)
# With ``kiosk demo --face IMAGE``: fingers worn smooth too, but her face is enrolled.
FACE_PERSON = Person("3201015112800008", "Wati Rahayu", 5, condition="faint",
                     note="fingers worn smooth, face enrolled: verified by face (--face)")
STRANGER = 9  # whoever types a NIK that is not in the roster


def impressions(cache: Path | None = None):
    """Synthetic impressions, with the demo's ``faint`` skin (a print worn nearly smooth,
    so faint the sensor does not see it), memoised on disk when ``cache`` is given."""
    memo: dict = {}
    from hw_sim.fingerprints import impression

    def make(identity: int, finger: int, condition: str, index: int) -> np.ndarray:
        key = f"{identity}_{finger}_{condition}_{index}"
        if key in memo:
            return memo[key]
        path = cache / f"{key}.npy" if cache else None
        if path is not None and path.exists():
            image = np.load(path)
        elif condition == "faint":
            base = make(identity, finger, "normal", index).astype(np.float32)
            image = (255 - (255 - base) * 0.10).astype(np.uint8)
        else:
            image = impression(identity, finger, index, condition).image
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, image)
                tmp.replace(path)
        memo[key] = image
        return image

    return make


def generator_tag() -> str:
    """Changes when the fingerprint generator does: cached impressions are for one version."""
    import hw_sim.fingerprints as fp

    h = hashlib.sha256()
    for path in sorted(Path(fp.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


class DemoFingers(SimulatedFingers):
    """The simulated sensor, where the person at the glass is whoever owns the NIK the
    flow is verifying (``nik_of()``); the officer is Eko."""

    def __init__(self, simulator, sensor, nik_of, make=None, wait: float = 1.0):
        super().__init__(simulator, sensor, {"officer": Hand(OFFICER.identity)}, make,
                         first_index=20, wait=wait)
        self.nik_of = nik_of
        self.by_nik = {p.nik: p for p in (*PEOPLE, FACE_PERSON)}

    def capture(self, purpose: str, finger: int | None, attempt: int) -> np.ndarray:
        if purpose != "officer":
            p = self.by_nik.get(self.nik_of() or "")
            self.hands["recipient"] = Hand(p.identity if p else STRANGER,
                                           p.condition if p else "normal")
        try:
            return super().capture(purpose, finger, attempt)
        except NoCapture:
            raise


def _save_hub_key(key, path: Path) -> None:
    """The demo hub's signing key, so ``kiosk demo`` can run the hub that trusts it."""
    from cryptography.hazmat.primitives import serialization

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def load_hub_key(data_dir: Path):
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(
        (Path(data_dir) / "hub" / "hub_ed25519.key").read_bytes(), password=None)


def face_camera(still: np.ndarray, face_matcher, seed: int = 0):
    """``grab(t, prompt, screen_rgb)``: a live person made from the photo ``still`` at the
    simulated camera, blinking and turning when the screen asks."""
    from hw_sim.camera.faces import ActorSource, FaceGeometry, LiveActor

    found = face_matcher.detector.detect(still)
    if not found:
        raise RuntimeError("no face found in the --face image")
    geo = FaceGeometry.from_keypoints(found[0].keypoints, found[0].box)
    shown: dict = {"prompt": None, "colour": (0, 0, 0)}
    source = ActorSource(LiveActor(still, geo, seed=seed), prompt=lambda _t: shown["prompt"],
                         screen=lambda _t: shown["colour"])

    def grab(t, prompt, colour):  # the person reacts to what the screen shows now
        shown.update(prompt=prompt, colour=colour)
        return source.next_image()

    return grab


def build(data_dir: Path, make=None, progress=print, matcher=None, face=None) -> None:
    """Provision ``data_dir``, import the signed demo roster, enrol the officer and the
    demo recipients (through the real enrolment flow on the simulated sensor). ``face``:
    (face matcher, photo) to enrol Wati's face too."""
    from firmware_bridge.r30x.driver import R30xSensor
    from hw_sim.sensor.simulator import SensorSimulator

    from ..biometrics.fingerprint.standin import StandInMatcher
    from ..flows import actions as A
    from ..flows.enrol import EnrolConfig, EnrolFlow
    from ..roster.updates import build_update, import_update, officer_record, recipient_record
    from ..runtime.session import Session
    from ..security.crypto import Ed25519PrivateKey, public_key_bytes
    from ..security.keys import DataPaths, provision
    from ..storage.store import KioskStore

    make = make or impressions()
    hub = Ed25519PrivateKey.generate()
    paths = DataPaths.resolve(data_dir)
    provision(paths, hub_public_key=public_key_bytes(hub))
    people = [*PEOPLE, FACE_PERSON] if face else list(PEOPLE)
    records = [recipient_record(p.nik, p.name, p.entitlements) for p in people]
    records.append(officer_record("OFF-1", OFFICER.nik, OFFICER.name, pin=OFFICER_PIN))
    envelope, chunks = build_update(records, version=1, hub_key=hub,
                                    nik_ref_key=hashlib.sha256(b"demo").digest())
    _save_hub_key(hub, Path(data_dir) / "hub" / "hub_ed25519.key")
    store = KioskStore.open(paths)
    try:
        import_update(store, envelope, chunks, hub.public_key())
        matcher = matcher or StandInMatcher()
        with SensorSimulator() as sim, R30xSensor(sim.url, timeout=3) as sensor:
            sensor.negotiate()
            for person, config in [(OFFICER, EnrolConfig(target_fingers=1)),
                                   *[(p, None) for p in people if p.enrol]]:
                progress(f"enrolling {person.name} (synthetic identity {person.identity})")
                fingers = SimulatedFingers(sim, sensor, {"enrol": Hand(person.identity),
                                                         "officer": Hand(OFFICER.identity)},
                                           make, first_index=0, wait=1.0)
                session = Session(store, fingers)
                face_matcher = None
                if face and person is FACE_PERSON:
                    face_matcher = face[0]
                    # seeded: the demo world is built the same way every time
                    session.faces = LiveFaces.for_matcher(face_camera(face[1], face_matcher),
                                                          face_matcher, seed=0)
                flow = EnrolFlow(matcher, config, face_matcher=face_matcher)
                result = session.run(flow, A.Start(person.nik))
                if result.outcome != "enrolled":
                    raise RuntimeError(f"demo enrolment of {person.name} failed: "
                                       f"{result.reason}")
    finally:
        store.close()


def ensure(data_dir: Path, make=None, progress=print, matcher=None, face=None) -> Path:
    """The demo village in ``data_dir``, built once (templates are for one matcher)."""
    from ..biometrics.fingerprint.standin import StandInMatcher

    data_dir = Path(data_dir)
    matcher = matcher or StandInMatcher()
    tag = matcher.version + (f" + {face[0].version}" if face else "")
    ready = data_dir / "DEMO_READY"
    if ready.exists():
        built_for = ready.read_text().strip()
        if built_for != tag:
            raise RuntimeError(f"the demo village in {data_dir} was enrolled for {built_for}, "
                               f"not {tag}; use another --data-dir")
        return data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        raise RuntimeError(f"{data_dir} holds something other than a finished demo village; "
                           "give an empty or new directory")
    build(data_dir, make, progress, matcher, face)
    ready.write_text(tag + "\n")
    return data_dir
