"""The kiosk's records: roster reads, encrypted templates, and atomic decision commits.

``commit(decision)`` is the one place a decision becomes durable: in a single
transaction it appends the signed event to the chain and the outbox, and writes
the claim (with its receipt) or the enrolment's templates and exceptions. The
transaction is fsynced before ``commit`` returns, and only then may a flow show
the decision. A crash before that leaves nothing; after it, everything.

NIKs are stored in plain in the local roster and claims (the kiosk needs them),
but events carry ``nik_ref``, a keyed hash (HMAC-SHA256) with the hub's key from
the roster, so the event stream says "the same person" without saying who.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..clock import Clock
from ..flows.actions import FingerTemplate, GalleryEntry, OfficerPin, SubjectRecord
from ..flows.decisions import ENROLLED, ENROLMENT, REJECTED, Committed, Decision
from ..roster.eligibility import Entitlement
from ..security.crypto import b64url_decode, hkdf, keyed_hash
from ..security.events import SignedEvent, genesis_hash, seal
from ..security.keys import DataPaths, DeviceIdentity, load_device_secret, load_identity
from ..security.receipts import issue_receipt
from ..security.uuid7 import uuid7
from .db import Database
from .health import HealthBoard
from .templates import FACE_SLOT, CorruptTemplate, TemplateVault

log = logging.getLogger(__name__)

SOFTWARE = "sidik-0.1.0"


@dataclass(frozen=True)
class Recipient:
    nik: str
    name: str
    kk: str | None
    village: str | None


@dataclass(frozen=True)
class Officer:
    officer_id: str
    nik: str
    name: str
    active: bool


@dataclass(frozen=True)
class Claim:
    programme: str
    period: str
    event_id: str
    claimed_at: str
    receipt: str


class KioskStore:
    def __init__(self, db: Database, *, identity: DeviceIdentity, device_secret: bytes,
                 clock: Clock | None = None):
        self.db = db
        self.identity = identity
        self.vault = TemplateVault(device_secret)
        self.clock = clock or Clock()
        self.health = HealthBoard(db)
        self._device_nik_key = hkdf(device_secret, b"sidik/nik-ref/v1")

    @classmethod
    def open(cls, paths: DataPaths, clock: Clock | None = None,
             timeout: float = 5.0) -> KioskStore:
        identity = load_identity(paths)
        secret = load_device_secret(paths)
        return cls(Database(paths.db, timeout=timeout), identity=identity,
                   device_secret=secret, clock=clock)

    def close(self) -> None:
        self.db.close()

    @property
    def path(self) -> Path:
        return self.db.path

    # ---- meta and roster reads ---------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.db.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def roster_version(self) -> int:
        return int(self.meta("roster_version", "0"))

    def policy(self) -> dict:
        return json.loads(self.meta("roster_policy", "{}"))

    def recipient(self, nik: str) -> Recipient | None:
        rows = self.db.query("SELECT nik, name, kk, village FROM recipients WHERE nik = ?", (nik,))
        return Recipient(*rows[0]) if rows else None

    def entitlements(self, nik: str) -> list[Entitlement]:
        rows = self.db.query("SELECT programme, period, eligible, reason FROM entitlements "
                             "WHERE nik = ? ORDER BY programme, period", (nik,))
        return [Entitlement(p, q, bool(e), r) for p, q, e, r in rows]

    def claims(self, nik: str) -> list[Claim]:
        rows = self.db.query("SELECT programme, period, event_id, claimed_at, receipt FROM claims "
                             "WHERE nik = ? ORDER BY claimed_at", (nik,))
        return [Claim(*r) for r in rows]

    def claim(self, nik: str, programme: str, period: str) -> Claim | None:
        return next((c for c in self.claims(nik) if (c.programme, c.period) ==
                     (programme, period)), None)

    def latest_period(self, programme: str) -> str | None:
        rows = self.db.query("SELECT max(period) FROM entitlements WHERE programme = ?",
                             (programme,))
        return rows[0][0] if rows else None

    def programmes(self) -> list[str]:
        return [r[0] for r in self.db.query("SELECT DISTINCT programme FROM entitlements "
                                            "ORDER BY programme")]

    def officers(self, active_only: bool = True) -> list[Officer]:
        """Officers in the roster; ``active_only``: also not revoked by the hub's command."""
        sql = "SELECT officer_id, nik, name, active FROM officers"
        if active_only:
            sql += (" WHERE active = 1 AND officer_id NOT IN (SELECT id FROM "
                    "reporting_revocations WHERE kind = 'officer')")
        return [Officer(a, b, c, bool(d)) for a, b, c, d in self.db.query(sql)]

    def officer_pins(self) -> list[OfficerPin]:
        """Active officers who have a PIN (the hub's salted hash; never the PIN)."""
        active = {o.officer_id for o in self.officers()}
        rows = self.db.query("SELECT officer_id, nik, name, pin_hash FROM officers "
                             "WHERE pin_hash IS NOT NULL ORDER BY officer_id")
        return [OfficerPin(*r) for r in rows if r[0] in active]

    def officer_by_nik(self, nik: str) -> Officer | None:
        return next((o for o in self.officers() if o.nik == nik), None)

    def nik_ref(self, nik: str) -> tuple[str, str]:
        """Keyed hash of a NIK and the label of the key (hub roster key, or this device's)."""
        hub_key = self.meta("nik_ref_key")
        if hub_key:
            return keyed_hash(b64url_decode(hub_key), nik), f"hub:{self.meta('nik_ref_key_id')}"
        return keyed_hash(self._device_nik_key, nik), "device"

    # ---- biometrics ----------------------------------------------------------------------------
    def fingers(self, nik: str, matcher: str) -> list[FingerTemplate]:
        rows = self.db.query("SELECT finger, matcher, blob, quality FROM templates WHERE nik = ? "
                             "AND finger != ? ORDER BY quality DESC, finger", (nik, FACE_SLOT))
        return [self._opened(nik, matcher, *row) for row in rows]

    def face(self, nik: str, matcher: str | None) -> FingerTemplate | None:
        """The person's face template (``finger`` is FACE_SLOT), or None if none is stored.

        With no face matcher (``matcher`` None) a stored face shows as incompatible.
        """
        rows = self.db.query("SELECT finger, matcher, blob, quality FROM templates WHERE nik = ? "
                             "AND finger = ?", (nik, FACE_SLOT))
        return self._opened(nik, matcher, *rows[0]) if rows else None

    def _opened(self, nik: str, matcher: str | None, finger: int, made_by: str, blob: bytes,
                quality: float | None) -> FingerTemplate:
        if made_by != matcher:
            return FingerTemplate(finger, "incompatible", None, quality)
        try:
            template = self.vault.open(nik, finger, made_by, blob)
        except CorruptTemplate:
            log.warning("template of finger %d of %s does not decrypt", finger, nik[:6])
            return FingerTemplate(finger, "corrupt", None, quality)
        return FingerTemplate(finger, "ok", template, quality)

    def gallery(self, matcher: str, exclude_nik: str | None = None,
                officers_only: bool = False) -> list[GalleryEntry]:
        """Every usable template (decrypted), for 1:N search; corrupt ones are skipped."""
        officers = {o.nik: o.officer_id for o in self.officers()}
        rows = self.db.query("SELECT nik, finger, blob FROM templates WHERE matcher = ? "
                             "AND finger != ? ORDER BY nik, finger", (matcher, FACE_SLOT))
        out = []
        for nik, finger, blob in rows:
            if nik == exclude_nik or (officers_only and nik not in officers):
                continue
            try:
                out.append(GalleryEntry(nik, finger, self.vault.open(nik, finger, matcher, blob),
                                        officers.get(nik)))
            except CorruptTemplate:
                log.warning("gallery: template of finger %d of %s does not decrypt", finger,
                            nik[:6])
        return out

    def exceptions(self, nik: str) -> list[tuple[int, str, str, str | None, bool]]:
        """(finger, kind, officer, note, image kept) of a person's finger exceptions."""
        rows = self.db.query("SELECT finger, kind, officer_id, note, image IS NOT NULL FROM "
                             "finger_exceptions WHERE nik = ? ORDER BY finger", (nik,))
        return [(f, k, o, n, bool(i)) for f, k, o, n, i in rows]

    def subject(self, nik: str, programme: str | None, period: str | None,
                matcher: str, face_matcher: str | None = None) -> SubjectRecord:
        """Everything a flow needs to know about one NIK, in one consistent read."""
        with self.db.read():
            person = self.recipient(nik)
            officer = self.officer_by_nik(nik)
            claimed = bool(programme and period and self.claim(nik, programme, period))
            face = self.face(nik, face_matcher)
            return SubjectRecord(
                nik=nik, found=person is not None,
                name=person.name if person else (officer.name if officer else None),
                entitlements=tuple(self.entitlements(nik)), already_claimed=claimed,
                fingers=tuple(self.fingers(nik, matcher)),
                exceptions=tuple((f, k) for f, k, *_ in self.exceptions(nik)),
                face_available=face is not None, face=face,
                officer_id=officer.officer_id if officer else None)

    # ---- events --------------------------------------------------------------------------------
    def _append(self, conn: sqlite3.Connection, fields: dict) -> SignedEvent:
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, genesis_hash(self.identity.device_id))
        event = seal(fields, identity=self.identity, seq=seq, prev_hash=prev,
                     event_id=str(uuid7()))
        conn.execute("INSERT INTO events (seq, event_id, body, signature, hash) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (event.seq, event.event_id, event.body, event.signature, event.hash))
        conn.execute("INSERT INTO outbox (seq) VALUES (?)", (event.seq,))
        return event

    def _base_fields(self, kind: str) -> dict:
        return {"type": kind, "time": self.clock.stamp(), "software": SOFTWARE,
                "roster_version": self.roster_version()}

    def record(self, kind: str, **fields) -> SignedEvent:
        """Append a non-decision event (roster applied or rejected, ...) on its own."""
        with self.db.write() as conn:
            return self._append(conn, {**self._base_fields(kind), **fields})

    def event_fields(self, d: Decision) -> dict:
        fields = self._base_fields(d.kind)
        nik_ref, key = self.nik_ref(d.nik) if d.nik else (None, None)
        detail = dict(d.detail)
        if "duplicate_of" in detail:  # events name the other person by pseudonym only
            other = dict(detail["duplicate_of"])
            other["nik_ref"] = self.nik_ref(other.pop("nik"))[0]
            detail["duplicate_of"] = other
        if d.kind == ENROLMENT:
            detail["fingers"] = {str(f): round(q, 3) for f, q in sorted(d.qualities.items())
                                 if f in d.templates}
            detail["exceptions"] = [{"finger": e.finger, "kind": e.kind, "note": e.note,
                                     "image_kept": e.image is not None} for e in d.exceptions]
            if d.face_template is not None:
                detail["face"] = {"model": d.face_model}
        fields.update(
            decision=d.outcome, reason=d.reason, nik_ref=nik_ref, nik_key=key,
            programme=d.programme, period=d.period, modality=d.modality, finger=d.finger,
            score=None if d.score is None else round(d.score, 4),
            threshold=None if d.threshold is None else round(d.threshold, 4),
            attempts=[a.compact() for a in d.attempts],
            ladder=[asdict(r) for r in d.ladder],
            officer=None if d.officer is None else {
                k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in asdict(d.officer).items()},
            model=d.model, detail=detail)
        return fields

    def commit(self, decision: Decision) -> Committed:
        """Record a decision durably (see the module docstring); returns what was recorded."""
        d = decision
        with self.db.write() as conn:
            if d.claims:
                earlier = conn.execute(
                    "SELECT event_id FROM claims WHERE nik = ? AND programme = ? AND period = ?",
                    (d.nik, d.programme, d.period)).fetchone()
                if earlier:
                    # Claimed meanwhile (another kiosk process, or a replayed flow).
                    d = replace(d, outcome=REJECTED, reason="already_claimed",
                                detail={**d.detail, "earlier_event": earlier[0]})
            event = self._append(conn, self.event_fields(d))
            receipt = None
            if d.claims:
                receipt = issue_receipt(self.identity, event_id=event.event_id, nik=d.nik,
                                        programme=d.programme, period=d.period)
                conn.execute("INSERT INTO claims (nik, programme, period, event_id, claimed_at, "
                             "receipt) VALUES (?, ?, ?, ?, ?, ?)",
                             (d.nik, d.programme, d.period, event.event_id,
                              event.payload()["time"]["wall"], receipt))
            if d.kind == ENROLMENT and d.outcome == ENROLLED:
                self._store_enrolment(conn, d, event.event_id)
        return Committed(event.event_id, event.seq, d.outcome, d.reason, receipt)

    def _store_enrolment(self, conn: sqlite3.Connection, d: Decision, event_id: str) -> None:
        conn.execute("DELETE FROM templates WHERE nik = ?", (d.nik,))
        conn.execute("DELETE FROM finger_exceptions WHERE nik = ?", (d.nik,))
        for finger, template in sorted(d.templates.items()):
            conn.execute("INSERT INTO templates (nik, finger, matcher, blob, quality, event_id) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (d.nik, finger, d.model, self.vault.seal(d.nik, finger, d.model,
                                                                  template),
                          d.qualities.get(finger), event_id))
        if d.face_template is not None:
            conn.execute("INSERT INTO templates (nik, finger, matcher, blob, quality, event_id) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (d.nik, FACE_SLOT, d.face_model,
                          self.vault.seal(d.nik, FACE_SLOT, d.face_model, d.face_template),
                          None, event_id))
        officer = d.officer.officer_id if d.officer else "unknown"
        for e in d.exceptions:
            image = None
            if e.image is not None:
                header = f"{e.shape[0]}x{e.shape[1]}:".encode() if e.shape else b""
                image = self.vault.seal_image(d.nik, e.finger, header + e.image)
            conn.execute("INSERT OR REPLACE INTO finger_exceptions (nik, finger, kind, "
                         "officer_id, note, image, event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (d.nik, e.finger, e.kind, officer, e.note, image, event_id))

    # ---- audit and outbox -------------------------------------------------------------------
    def event_rows(self):
        """(seq, event_id, body, signature, hash) in chain order, streamed."""
        try:
            cursor = self.db.conn.execute(
                "SELECT seq, event_id, body, signature, hash FROM events ORDER BY seq")
            yield from cursor
        except sqlite3.Error as exc:
            from .db import translate

            raise translate(exc, self.path) from None

    def event(self, event_id: str) -> dict | None:
        rows = self.db.query("SELECT body FROM events WHERE event_id = ?", (event_id,))
        return json.loads(rows[0][0]) if rows else None

    def event_count(self) -> int:
        return self.db.query("SELECT count(*) FROM events")[0][0]

    def outbox_pending(self, limit: int = 100) -> list[tuple[int, bytes, bytes]]:
        """(seq, body, signature) of events not yet acknowledged by the hub."""
        return [(s, bytes(b), bytes(g)) for s, b, g in self.db.query(
            "SELECT e.seq, e.body, e.signature FROM outbox o JOIN events e USING (seq) "
            "WHERE o.acked = 0 ORDER BY e.seq LIMIT ?", (limit,))]

    def ack(self, seqs: list[int]) -> None:
        stamp = self.clock.stamp()["wall"]
        with self.db.write() as conn:
            conn.executemany("UPDATE outbox SET acked = 1, acked_at = ? WHERE seq = ?",
                             [(stamp, s) for s in seqs])
