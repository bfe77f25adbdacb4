"""``kiosk roster ...``: import a signed roster from the hub, look a person up, make a demo."""

from __future__ import annotations

import json
from pathlib import Path

from ..flows.prompts import finger_name
from ..roster.nik import InvalidNik, mask_nik, validate_nik
from ..roster.updates import RosterRejected, import_file
from ..security.keys import KeyFileError, load_hub_key, read_public_key, trust_hub_key
from .common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError
from .coredata import (
    add_data_options,
    add_matcher_option,
    choose_matcher,
    opened_store,
    paths_of,
)


def register(sub) -> None:
    parser = sub.add_parser("roster", help="recipient roster: import, show, demo")
    group = parser.add_subparsers(dest="roster_command", metavar="ACTION")
    group.required = True

    imp = group.add_parser("import", help="check and apply a signed roster file from the hub")
    imp.add_argument("file", help="roster update (JSON lines: signed manifest, then chunks)")
    imp.add_argument("--hub-key", help="hub public key file to trust if none is trusted yet "
                                       "(provisioning does this on a real device)")
    add_data_options(imp)
    imp.set_defaults(func=cmd_import)

    show = group.add_parser("show", help="what the kiosk knows about one NIK")
    show.add_argument("nik")
    show.add_argument("--json", action="store_true", help="one JSON object")
    add_matcher_option(show)
    add_data_options(show)
    show.set_defaults(func=cmd_show)

    demo = group.add_parser("make-demo", help="write a demo hub key and a signed demo roster "
                                              "(resident i is --sim-identity i)")
    demo.add_argument("out", help="folder to write roster.jsonl and the hub keys into")
    demo.add_argument("--people", type=int, default=8, help="residents (default 8)")
    demo.add_argument("--version", type=int, default=1, help="roster version (default 1)")
    demo.set_defaults(func=cmd_make_demo)


def cmd_import(args) -> int:
    with opened_store(args) as store:
        paths = paths_of(args)
        if args.hub_key:
            try:
                key = read_public_key(Path(args.hub_key))
                from ..security.crypto import public_key_bytes

                trust_hub_key(paths, public_key_bytes(key))
            except KeyFileError as exc:
                raise CliError(str(exc)) from None
        try:
            hub = load_hub_key(paths)
        except KeyFileError as exc:
            raise CliError(str(exc)) from None
        before = store.roster_version()
        try:
            version = import_file(store, args.file, hub)
        except RosterRejected as exc:
            raise CliError(f"roster rejected ({exc.reason}): {exc}; version {before} stays "
                           "in force") from None
        people = store.db.query("SELECT count(*) FROM recipients")[0][0]
    print(f"roster version {version} applied (was {before}); {people} recipients")
    return EXIT_OK


def cmd_show(args) -> int:
    try:
        nik = validate_nik(args.nik).nik
        warning = None
    except InvalidNik as exc:
        if exc.structural:
            raise CliError(f"{exc.message} [{exc.code}] — {exc.pesan}", EXIT_USAGE) from None
        nik, warning = "".join(c for c in args.nik if c.isdigit()), exc.code
    matcher, _ = choose_matcher(args.matcher)
    with opened_store(args) as store:
        person = store.recipient(nik)
        officer = store.officer_by_nik(nik)
        info = {
            "nik": mask_nik(nik), "found": person is not None, "nik_warning": warning,
            "name": person.name if person else (officer.name if officer else None),
            "kk": person.kk if person else None, "village": person.village if person else None,
            "officer": officer.officer_id if officer else None,
            "entitlements": [{"programme": e.programme, "period": e.period,
                              "eligible": e.eligible, "reason": e.reason}
                             for e in store.entitlements(nik)],
            "claims": [{"programme": c.programme, "period": c.period, "event_id": c.event_id,
                        "at": c.claimed_at} for c in store.claims(nik)],
            "fingers": [{"finger": f.finger, "name": finger_name(f.finger, True),
                         "status": f.status, "quality": f.quality}
                        for f in store.fingers(nik, matcher.version)],
            "exceptions": [{"finger": f, "kind": k, "officer": o, "note": n, "image_kept": i}
                           for f, k, o, n, i in store.exceptions(nik)],
            "roster_version": store.roster_version(),
        }
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return EXIT_OK if info["found"] or officer else EXIT_FAILURE
    if not info["found"] and not officer:
        print(f"{mask_nik(nik)}: not in the roster (version {info['roster_version']})")
        return EXIT_FAILURE
    print(f"{info['name']} ({mask_nik(nik)})" + (f", officer {officer.officer_id}"
                                                  if officer else ""))
    if warning:
        print(f"  note: the NIK is irregular ({warning}) but is in the roster")
    if person:
        print(f"  household {person.kk or '-'}, village {person.village or '-'}")
    for e in info["entitlements"]:
        state = "eligible" if e["eligible"] else f"not eligible ({e['reason']})"
        print(f"  {e['programme']} {e['period']}: {state}")
    for c in info["claims"]:
        print(f"  claimed {c['programme']} {c['period']} at {c['at']} (event {c['event_id']})")
    fingers = ", ".join(f"{f['name']} [{f['status']}]" for f in info["fingers"]) or "none"
    print(f"  enrolled fingers: {fingers}")
    for x in info["exceptions"]:
        print(f"  exception: {finger_name(x['finger'], True)} {x['kind']} "
              f"(officer {x['officer']}{', image kept' if x['image_kept'] else ''})")
    return EXIT_OK


DEMO_OFFICER_PIN = "246810"  # a demo's, printed by make-demo; real PINs never leave the hub


def demo_records(people: int) -> list[dict]:
    """Residents of a demo village (Jawa Barat), and officer OFF-1 (synthetic identity 100,
    PIN ``DEMO_OFFICER_PIN``)."""
    from ..roster.updates import officer_record, recipient_record

    records = []
    reasons = [None, None, None, "deceased", None, "above_income_threshold", None, "moved"]
    for i in range(1, people + 1):
        day = 10 + i % 18 + (40 if i % 2 else 0)
        nik = f"320101{day:02d}0{1 + i % 9}{80 + i % 20:02d}{i:04d}"
        reason = reasons[i % len(reasons)]
        records.append(recipient_record(
            nik, f"Warga Demo {i}", [("PKH", "2025-Q1", reason is None, reason),
                                     ("BPNT", "2025-06", True)],
            kk=f"32010101{i:08d}", village="3201012001"))
    records.append(officer_record("OFF-1", "3201010101700100", "Petugas Demo",
                                  pin=DEMO_OFFICER_PIN))
    return records


def cmd_make_demo(args) -> int:
    import os

    from ..roster.updates import build_update, write_update_file
    from ..security.crypto import Ed25519PrivateKey, b64url, public_key_bytes

    if args.people < 1 or args.people > 9999:
        raise CliError("--people must be 1..9999", EXIT_USAGE)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    key_file = out / "hub_ed25519.key"
    if key_file.exists():
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(key_file.read_bytes(), password=None)
    else:
        from cryptography.hazmat.primitives import serialization

        key = Ed25519PrivateKey.generate()
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    (out / "hub_ed25519.pub").write_text(b64url(public_key_bytes(key)) + "\n")
    records = demo_records(args.people)
    envelope, chunks = build_update(records, version=args.version, hub_key=key,
                                    nik_ref_key=os.urandom(32),
                                    policy={"identify_by_finger": True})
    write_update_file(out / "roster.jsonl", envelope, chunks)
    print(f"wrote {out / 'roster.jsonl'} (version {args.version}, {args.people} residents, "
          f"officer OFF-1 = --sim-officer-identity 100) and hub keys in {out}")
    print(f"  officer OFF-1 PIN (on the screen's PIN keypad): {DEMO_OFFICER_PIN}")
    for i, r in enumerate(records[:args.people], start=1):
        print(f"  --sim-identity {i}: NIK {r['nik']}")
    return EXIT_OK
