"""The kiosk's configuration file (TOML): schema, defaults and checking.

Looked up in this order: an explicit path (``--config``), ``$SIDIK_CONFIG``,
``/etc/sidik/kiosk.toml``; with none of them present the defaults apply.
``config/kiosk.example.toml`` documents every key. A wrong file is refused as a
whole with one line naming the file, the key and what to write instead, so a
kiosk never runs half-configured.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYSTEM_PATH = Path("/etc/sidik/kiosk.toml")


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    default: Any
    choices: tuple | None = None
    minimum: float | None = None


# section -> key -> Key. Paths are strings; None means "not set".
SCHEMA: dict[str, dict[str, Key]] = {
    "device": {
        "data_dir": Key(str, None),
        "key_dir": Key(str, None),
    },
    "hub": {
        "broker": Key(str, None),
        "village": Key(str, None),
        "ca": Key(str, None),
        "cert": Key(str, None),
        "key": Key(str, None),
        "username": Key(str, None),
        "password_file": Key(str, None),
        "protocol": Key(str, "auto", choices=("auto", "5", "3.1.1")),
        "window": Key(int, 100, minimum=1),
        "ack_timeout_s": Key((int, float), 10.0, minimum=0.1),
        "heartbeat_s": Key((int, float), 60.0, minimum=1),
        "disk_warn_mb": Key(int, 500, minimum=1),
        "disk_critical_mb": Key(int, 100, minimum=1),
    },
    "sensor": {
        "port": Key(str, "/dev/serial0"),
        "baud": Key(int, 57600, choices=tuple(9600 * n for n in range(1, 13))),
        "address": Key(int, 0xFFFFFFFF, minimum=0),
        "password": Key(int, 0, minimum=0),
    },
    "camera": {
        "backend": Key(str, "auto", choices=("auto", "picamera2", "opencv", "sim", "none")),
        "device": Key(str, None),
        "source": Key(str, None),
    },
    "kiosk": {
        "programme": Key(str, None),
    },
}


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and what to change."""


@dataclass(frozen=True)
class Config:
    source: Path | None  # None: defaults only
    values: dict[str, dict[str, Any]]

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.values[name])


def defaults() -> Config:
    return Config(None, check({}))


def locate(path: str | Path | None = None) -> Path | None:
    """The file to read, or None for defaults. An explicitly named file must exist."""
    named = path or os.environ.get("SIDIK_CONFIG")
    if named:
        p = Path(named)
        if not p.is_file():
            raise ConfigError(f"config file {p} not found (check --config or $SIDIK_CONFIG)")
        return p
    return SYSTEM_PATH if SYSTEM_PATH.is_file() else None


def load(path: str | Path | None = None) -> Config:
    """Read and check the configuration (see the module docstring for where from)."""
    source = locate(path)
    if source is None:
        return defaults()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"config file {source} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {source} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {source} is not valid TOML: {exc}") from None
    return Config(source, check(raw, str(source)))


def check(raw: dict, where: str = "config",
          schema: dict[str, dict[str, Key]] = SCHEMA) -> dict[str, dict[str, Any]]:
    """Defaults overlaid with ``raw``; every unknown or wrong value is an error. Other TOML
    files (the provisioning request) pass their own ``schema``."""
    values = {s: {k: spec.default for k, spec in keys.items()} for s, keys in schema.items()}
    for section, table in raw.items():
        if section not in schema:
            raise ConfigError(f"{where}: unknown section [{section}] "
                              f"(known: {', '.join(schema)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {section} must be a [{section}] table")
        for key, value in table.items():
            spec = schema[section].get(key)
            if spec is None:
                raise ConfigError(f"{where}: unknown key {key!r} in [{section}] "
                                  f"(known: {', '.join(schema[section])})")
            values[section][key] = _checked(f"{where}: [{section}] {key}", value, spec)
    return values


def _checked(name: str, value: Any, spec: Key) -> Any:
    kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
    # TOML booleans are ints to Python; a boolean is never a number here.
    if isinstance(value, bool) != (bool in kinds) or not isinstance(value, kinds):
        want = " or ".join({str: "a quoted string", int: "a whole number", float: "a number",
                            bool: "true or false", list: "a list"}[k] for k in kinds)
        raise ConfigError(f"{name} must be {want} (got {value!r})")
    if spec.choices is not None and value not in spec.choices:
        raise ConfigError(f"{name} must be one of {', '.join(map(str, spec.choices))} "
                          f"(got {value!r})")
    if spec.minimum is not None and value < spec.minimum:
        raise ConfigError(f"{name} must be at least {spec.minimum} (got {value!r})")
    return float(value) if float in kinds else value


def read_secret(path: str, what: str) -> str:
    """A secret kept in its own file (not in the config): first line, stripped."""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError, UnicodeDecodeError):
        raise ConfigError(f"{what} file {path} cannot be read or is empty") from None
