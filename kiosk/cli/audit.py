"""``kiosk audit ...``: check the event chain, list events, check a receipt."""

from __future__ import annotations

import json
from pathlib import Path

from ..security.chain import verify_chain
from ..security.keys import KeyFileError, read_public_key
from ..security.receipts import InvalidReceipt, verify_receipt
from .common import EXIT_FAILURE, EXIT_OK, CliError
from .coredata import EXIT_STORAGE, add_data_options, opened_store


def register(sub) -> None:
    parser = sub.add_parser("audit", help="event chain and receipts")
    group = parser.add_subparsers(dest="audit_command", metavar="ACTION")
    group.required = True

    v = group.add_parser("verify", help="check every event's hash link and signature",
                         description="Exit 0 when the chain is intact, 1 at the first break "
                                     "(printed), 6 when the database itself is damaged.")
    v.add_argument("--public-key", help="device public key file (default: this device's)")
    v.add_argument("--json", action="store_true")
    add_data_options(v)
    v.set_defaults(func=cmd_verify)

    e = group.add_parser("events", help="print the last events")
    e.add_argument("--last", type=int, default=10)
    add_data_options(e)
    e.set_defaults(func=cmd_events)

    r = group.add_parser("receipt", help="check a claim receipt offline")
    r.add_argument("token")
    r.add_argument("--nik", help="the NIK on the person's KTP: also check it is theirs")
    r.add_argument("--public-key", help="device public key file (default: this device's)")
    add_data_options(r)
    r.set_defaults(func=cmd_receipt)


def _public_key(args, store):
    if args.public_key:
        try:
            return read_public_key(Path(args.public_key))
        except KeyFileError as exc:
            raise CliError(str(exc)) from None
    return store.identity.public_key


def cmd_verify(args) -> int:
    with opened_store(args, create=False) as store:
        problems = store.db.integrity_problems()
        report = verify_chain(store.event_rows(), _public_key(args, store),
                              store.identity.device_id)
        pending = store.db.query("SELECT count(*) FROM outbox WHERE acked = 0")[0][0]
    out = {"ok": report.ok and not problems, "events": report.count,
           "last_seq": report.last_seq, "last_hash": report.last_hash,
           "unsent": pending, "database_problems": problems[:5],
           "first_break": None if report.ok else report.first_break.__dict__}
    if args.json:
        print(json.dumps(out))
    else:
        if problems:
            print(f"DATABASE DAMAGED: {'; '.join(problems[:5])}")
        if report.ok:
            print(f"chain OK: {report.count} events, last seq {report.last_seq}, "
                  f"head {report.last_hash[:16]}; {pending} not yet sent to the hub")
        else:
            b = report.first_break
            print(f"chain BROKEN at seq {b.seq} (event {b.event_id}): {b.reason}: {b.message}")
            print(f"  events 1..{report.count} check out; nothing from seq {b.seq} on is "
                  "vouched for")
    if problems:
        return EXIT_STORAGE
    return EXIT_OK if report.ok else EXIT_FAILURE


def cmd_events(args) -> int:
    with opened_store(args, create=False) as store:
        rows = store.db.query("SELECT body FROM events ORDER BY seq DESC LIMIT ?",
                              (max(1, args.last),))
    for (body,) in reversed(rows):
        e = json.loads(body)
        print(f"{e['seq']:>6} {e['time']['wall']} {e['type']:<16} "
              f"{e.get('decision') or '':<9} {e.get('reason') or ''} "
              f"{e.get('programme') or ''} {e.get('period') or ''}".rstrip())
    return EXIT_OK


def cmd_receipt(args) -> int:
    with opened_store(args, create=False) as store:
        key = _public_key(args, store)
    try:
        r = verify_receipt(args.token, key, nik=args.nik)
    except InvalidReceipt as exc:
        print(f"receipt INVALID ({exc.reason}): {exc}")
        return EXIT_FAILURE
    import datetime as dt

    when = dt.datetime.fromtimestamp(r.issued_ms / 1000, dt.UTC).isoformat(timespec="seconds")
    print(f"receipt valid: {r.programme} {r.period}, event {r.event_id}, issued {when}"
          + (", NIK matches" if args.nik else ""))
    return EXIT_OK
