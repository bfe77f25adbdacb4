"""Database schema, as numbered migrations (PRAGMA user_version counts them).

Kept in Python rather than a .sql file so it ships inside the package without
package-data configuration.
"""

MIGRATIONS: list[list[str]] = [
    [  # 1: the verification core
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL)""",
        """CREATE TABLE recipients (
            nik TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kk TEXT,
            village TEXT)""",
        """CREATE TABLE entitlements (
            nik TEXT NOT NULL REFERENCES recipients(nik) ON DELETE CASCADE,
            programme TEXT NOT NULL,
            period TEXT NOT NULL,
            eligible INTEGER NOT NULL,
            reason TEXT,
            PRIMARY KEY (nik, programme, period))""",
        "CREATE INDEX entitlements_programme ON entitlements(programme, period)",
        """CREATE TABLE officers (
            officer_id TEXT PRIMARY KEY,
            nik TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1)""",
        # Templates outlive roster changes (a person dropped by mistake keeps them);
        # blob = AES-256-GCM(nonce || ct || tag), bound to nik, finger and matcher.
        """CREATE TABLE templates (
            nik TEXT NOT NULL,
            finger INTEGER NOT NULL,
            matcher TEXT NOT NULL,
            blob BLOB NOT NULL,
            quality REAL,
            event_id TEXT NOT NULL,
            PRIMARY KEY (nik, finger))""",
        """CREATE TABLE finger_exceptions (
            nik TEXT NOT NULL,
            finger INTEGER NOT NULL,
            kind TEXT NOT NULL,
            officer_id TEXT NOT NULL,
            note TEXT,
            image BLOB,
            event_id TEXT NOT NULL,
            PRIMARY KEY (nik, finger))""",
        # One claim per person, programme and period: the primary key is the guard.
        """CREATE TABLE claims (
            nik TEXT NOT NULL,
            programme TEXT NOT NULL,
            period TEXT NOT NULL,
            event_id TEXT NOT NULL UNIQUE,
            claimed_at TEXT NOT NULL,
            receipt TEXT NOT NULL,
            PRIMARY KEY (nik, programme, period))""",
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            body BLOB NOT NULL,
            signature BLOB NOT NULL,
            hash TEXT NOT NULL)""",
        # The reporting issue (MQTT) sends pending rows and marks them acked.
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY REFERENCES events(seq),
            acked INTEGER NOT NULL DEFAULT 0,
            acked_at TEXT)""",
        "CREATE INDEX outbox_pending ON outbox(acked, seq)",
        """CREATE TABLE roster_log (
            version INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            records INTEGER NOT NULL,
            applied_at TEXT NOT NULL,
            event_id TEXT NOT NULL)""",
        # Chunks of a roster update that is still arriving (MQTT), keyed by its manifest.
        """CREATE TABLE roster_staging (
            digest TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (digest, chunk))""",
        """CREATE TABLE roster_staging_manifest (
            digest TEXT PRIMARY KEY,
            envelope BLOB NOT NULL,
            received_at TEXT NOT NULL)""",
    ],
    [  # 2: the reporter's state (created by kiosk/reporting before it was a migration,
        # hence IF NOT EXISTS) and component health shared by the kiosk and the reporter.
        """CREATE TABLE IF NOT EXISTS reporting_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS reporting_revocations (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            reason TEXT,
            cmd_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (kind, id))""",
        """CREATE TABLE device_health (
            component TEXT PRIMARY KEY,
            ok INTEGER NOT NULL,
            detail TEXT NOT NULL,
            changed_at REAL NOT NULL,
            seen_at REAL NOT NULL)""",
    ],
    [  # 3: officers may sign in with a PIN (salted scrypt hash from the hub's roster)
        "ALTER TABLE officers ADD COLUMN pin_hash TEXT",
    ],
]
