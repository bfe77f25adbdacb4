"""The SQLite connection: WAL, synchronous=FULL, explicit transactions, typed errors.

A transaction that returns has been fsynced (WAL + synchronous=FULL), which is
what lets a decision be shown only after it is on disk. Writers take the lock
up front (BEGIN IMMEDIATE), so two kiosk processes never interleave a chain
append. SQLite failures become one of a few errors a person can act on.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .schema import MIGRATIONS


class StorageError(Exception):
    """A storage failure; ``code`` for logs and exit codes, the message for people."""

    code = "storage_error"

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message if not hint else f"{message} ({hint})")
        self.hint = hint


class DatabaseLocked(StorageError):
    code = "db_locked"


class DatabaseCorrupt(StorageError):
    code = "db_corrupt"


class DiskFull(StorageError):
    code = "disk_full"


class DatabaseUnavailable(StorageError):
    code = "db_unavailable"


def translate(exc: sqlite3.Error, path: Path | str = "") -> StorageError:
    """sqlite3 exception -> the StorageError a person can act on."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    low = text.lower()
    if primary in (5, 6) or "locked" in low or "busy" in low:
        return DatabaseLocked(f"database {path} is busy", "another kiosk process holds it; "
                              "close it or wait")
    if primary in (11, 26) or "malformed" in low or "not a database" in low:
        return DatabaseCorrupt(f"database {path} is damaged: {text}",
                               "restore it from the hub or a backup; see docs/verification_core.md")
    if primary == 13 or "full" in low:
        return DiskFull(f"no room to write to {path}: {text}", "free disk space")
    if primary in (8, 14) or "readonly" in low or "unable to open" in low:
        return DatabaseUnavailable(f"cannot open or write database {path}: {text}",
                                   "check the data directory and its permissions")
    return StorageError(f"database error in {path}: {text}")


class Database:
    """One connection (autocommit mode; transactions are explicit)."""

    def __init__(self, path: str | Path, *, timeout: float = 5.0):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create {self.path.parent}: {exc.strerror}") from None
        try:
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                        check_same_thread=False)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise DatabaseUnavailable(f"database {self.path} cannot use WAL (mode {mode})")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as exc:
            self.conn.close()
            raise translate(exc, self.path) from None
        except StorageError:
            self.conn.close()
            raise

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise DatabaseUnavailable(f"database {self.path} is schema {version}, newer than "
                                      "this software", "update the kiosk software")
        for target in range(version + 1, len(MIGRATIONS) + 1):
            with self.write() as conn:
                for statement in MIGRATIONS[target - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed (and fsynced) on exit, rolled back on error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: a consistent snapshot across several queries."""
        try:
            self.conn.execute("BEGIN DEFERRED")
            try:
                yield self.conn
            finally:
                self._rollback()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params=()) -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None

    def integrity_problems(self) -> list[str]:
        """SQLite's own structural check; empty when the file is sound."""
        rows = self.query("PRAGMA quick_check")
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
