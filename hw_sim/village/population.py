"""Who lives in the simulated village, and who comes to the kiosk: pure, seeded draws.

Every share below is an assumption of the simulation, stated here and printed in the
report, not a measurement of a real village. Ages and occupations follow the broad
shape of rural Java's bansos recipients (many elderly, most of working age in farming or
manual work); conditions map occupations to the fingerprint generator's conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

# Age groups of recipients (share). Elderly recipients are over-represented in bansos.
AGE_GROUPS = {"18-39": 0.30, "40-59": 0.38, "60-74": 0.22, "75+": 0.10}
AGE_RANGE = {"18-39": (18, 39), "40-59": (40, 59), "60-74": (60, 74), "75+": (75, 90)}

# Occupations of working-age people (share); people of 60 and over count as "elderly".
OCCUPATIONS = {"farmer": 0.40, "labourer": 0.25, "trader": 0.15, "household": 0.20}

# Occupation -> (condition, share) of a finger's everyday state at the sensor.
FINGER_CONDITIONS = {
    "farmer": {"normal": 0.45, "dry": 0.30, "labourer": 0.15, "worn": 0.10},
    "labourer": {"normal": 0.30, "labourer": 0.40, "worn": 0.20, "dry": 0.10},
    "trader": {"normal": 0.75, "dry": 0.10, "wet": 0.15},
    "household": {"normal": 0.65, "wet": 0.20, "dry": 0.15},
    "elderly": {"worn": 0.50, "dry": 0.30, "normal": 0.20},
}

# Share of each group whose fingers give no usable print at all ("faint": ridges worn
# nearly smooth; the quality gate refuses every capture). Heavy manual work and old age.
NO_USABLE_PRINT = {"farmer": 0.02, "labourer": 0.05, "trader": 0.005, "household": 0.005,
                   "elderly": 0.06}

# Share of the roster not eligible this period, by integrated-data reason. They still
# come to the kiosk (or someone comes with their NIK) and must be refused.
INELIGIBLE = {"deceased": 0.01, "moved": 0.01, "civil_servant": 0.005,
              "above_income_threshold": 0.01, "land_owner": 0.005, "duplicate_identity": 0.003,
              "suspended": 0.007}

# Per period, per 100 roster people: walk-ins whose NIK is not in the roster, and impostor
# attempts (someone presenting another recipient's NIK): relatives (same household) and
# strangers. Impostors target eligible recipients.
WALK_INS = 2.0
RELATIVE_IMPOSTORS = 3.0
STRANGER_IMPOSTORS = 2.0

# Per capture at the sensor: the person puts down the wrong finger, or presses it off centre.
WRONG_FINGER = 0.05  # the same finger of the other hand (left for right)
OFF_CENTRE = 0.08

HOUSEHOLD_SIZE = 3  # roster people per household (relatives come from one's household)
IDENTITY_BASE = 10_000  # synthetic identity of roster person k: IDENTITY_BASE + k
STRANGER_BASE = 900_000
STRANGER_POOL = 40  # distinct stranger identities (their masters are costly to grow)
OFFICER_IDENTITY = 9_000
REGION = "320101"  # Jawa Barat, Bogor, one district


@dataclass(frozen=True)
class Person:
    index: int
    nik: str
    name: str
    identity: int  # synthetic fingerprint identity
    sex: str
    age: int
    age_group: str
    occupation: str  # farmer, labourer, trader, household, elderly
    conditions: dict  # finger -> condition (all ten)
    no_usable_print: bool
    household: int
    ineligible: str | None = None  # integrated-data reason, or None

    @property
    def group(self) -> str:
        """The condition group the report breaks exclusion down by."""
        if self.no_usable_print:
            return "no usable print"
        return self.occupation


@dataclass(frozen=True)
class Arrival:
    """One visit to the kiosk: ``who`` presents ``nik``."""

    period: str
    order: int
    kind: str  # genuine, ineligible, walk_in, relative, stranger
    nik: str
    person: int | None  # roster index of the NIK's owner (None for walk-ins)
    presenter: int  # synthetic identity at the sensor
    presenter_person: int | None = None  # roster index of the presenter, when in the village
    seed: int = 0  # behaviour at the sensor and of the officer for this visit


@dataclass
class Village:
    seed: int
    people: list[Person]
    walk_in_niks: list[str] = field(default_factory=list)

    def by_nik(self) -> dict[str, Person]:
        return {p.nik: p for p in self.people}


def _pick(rng: np.random.Generator, shares: dict) -> str:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def make_nik(index: int, sex: str, age: int, year: int = 2026, region: str = REGION,
             salt: int = 0) -> str:
    """A structurally valid NIK: region, DDMMYY (+40 for women), a serial from ``index``."""
    day = 1 + (index * 7 + salt) % 28
    month = 1 + (index * 5 + salt) % 12
    yy = (year - age) % 100
    dd = day + (40 if sex == "F" else 0)
    return f"{region}{dd:02d}{month:02d}{yy:02d}{1 + index % 9999:04d}"


def draw_village(n: int, seed: int, every_kind: bool = False) -> Village:
    """``n`` roster people with ages, occupations, finger conditions and eligibility.

    ``every_kind`` (the quick mode's tiny villages): at least one ineligible person.
    """
    rng = np.random.default_rng(np.random.SeedSequence([0x7111, seed]))
    people = []
    reasons = list(INELIGIBLE)
    p_inel = np.array([INELIGIBLE[r] for r in reasons])
    for k in range(n):
        group = _pick(rng, AGE_GROUPS)
        lo, hi = AGE_RANGE[group]
        age = int(rng.integers(lo, hi + 1))
        sex = "F" if rng.random() < 0.55 else "M"
        occupation = "elderly" if age >= 60 else _pick(rng, OCCUPATIONS)
        no_print = bool(rng.random() < NO_USABLE_PRINT[occupation])
        base = _pick(rng, FINGER_CONDITIONS[occupation])
        conditions = {}
        for f in range(10):  # most fingers share the person's state; some differ
            conditions[f] = "faint" if no_print else (
                base if rng.random() < 0.7 else _pick(rng, FINGER_CONDITIONS[occupation]))
        u = rng.random()
        cum = np.cumsum(p_inel)
        inel = reasons[int(np.searchsorted(cum, u, side="right"))] if u < cum[-1] else None
        people.append(Person(
            index=k, nik=make_nik(k, sex, age), name=f"Warga {k + 1:04d}",
            identity=IDENTITY_BASE + k, sex=sex, age=age, age_group=group,
            occupation=occupation, conditions=conditions, no_usable_print=no_print,
            household=k // HOUSEHOLD_SIZE, ineligible=inel))
    if every_kind and n > 1 and not any(p.ineligible for p in people):
        people[-1] = replace(people[-1], ineligible=reasons[seed % len(reasons)])
    walk_ins = [make_nik(n + k, "M", 40, salt=3) for k in range(max(1, n // 20))]
    return Village(seed, people, walk_ins)


def period_names(periods: int, year: int = 2026) -> list[str]:
    return [f"{year + q // 4}-Q{q % 4 + 1}" for q in range(periods)]


def arrivals(village: Village, period: str, period_index: int,
             every_kind: bool = False) -> list[Arrival]:
    """Everyone on the roster once, plus walk-ins and impostor attempts, in a random order.

    ``every_kind``: at least one walk-in, relative and stranger (tiny villages)."""
    rng = np.random.default_rng(np.random.SeedSequence([0x7112, village.seed, period_index]))
    people = village.people
    n = len(people)
    out: list[tuple] = []
    for p in people:
        out.append(("ineligible" if p.ineligible else "genuine", p.nik, p.index, p.identity,
                    p.index))
    eligible = [p for p in people if not p.ineligible]

    def count(rate: float) -> int:
        return max(int(every_kind), int(rng.poisson(rate * n / 100.0)))

    for _ in range(count(WALK_INS)):
        nik = village.walk_in_niks[int(rng.integers(len(village.walk_in_niks)))]
        out.append(("walk_in", nik, None, STRANGER_BASE + 500 + int(rng.integers(100)), None))
    for _ in range(count(RELATIVE_IMPOSTORS)):
        target = eligible[int(rng.integers(len(eligible)))]
        household = [p for p in people if p.household == target.household
                     and p.index != target.index]
        if not household:  # a household of one: the neighbour acts as the relative
            household = [people[(target.index + 1) % n]]
        rel = household[int(rng.integers(len(household)))]
        out.append(("relative", target.nik, target.index, rel.identity, rel.index))
    for _ in range(count(STRANGER_IMPOSTORS)):
        target = eligible[int(rng.integers(len(eligible)))]
        out.append(("stranger", target.nik, target.index,
                    STRANGER_BASE + int(rng.integers(STRANGER_POOL)), None))
    order = rng.permutation(len(out))
    seeds = rng.integers(0, 2**31, len(out))
    return [Arrival(period, i, *out[j][:4], presenter_person=out[j][4], seed=int(seeds[i]))
            for i, j in enumerate(order)]
