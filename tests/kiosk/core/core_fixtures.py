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


