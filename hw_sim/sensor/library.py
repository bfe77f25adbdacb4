"""The sensor's flash template library: numbered pages of 512-byte templates."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


class TemplateLibrary:
    """Pages 0..capacity-1; optionally persisted to a JSON file after each change."""

    def __init__(self, capacity: int = 1000, path: str | Path | None = None):
        if not 1 <= capacity <= 0xFFFF:
            raise ValueError("capacity must be between 1 and 65535")
        self.capacity = capacity
        self.path = Path(path) if path else None
        self._pages: dict[int, bytes] = {}
        if self.path and self.path.exists():
            self._load()

    def __len__(self) -> int:
        return len(self._pages)

    def __contains__(self, page: int) -> bool:
        return page in self._pages

    def get(self, page: int) -> bytes | None:
        return self._pages.get(page)

    def pages(self) -> list[int]:
        return sorted(self._pages)

    def items(self, start: int = 0, count: int | None = None):
        end = self.capacity if count is None else min(self.capacity, start + count)
        for page in sorted(self._pages):
            if start <= page < end:
                yield page, self._pages[page]

    def store(self, page: int, data: bytes) -> None:
        self._pages[page] = bytes(data)
        self._save()

    def delete(self, start: int, count: int) -> None:
        for page in range(start, start + count):
            self._pages.pop(page, None)
        self._save()

    def clear(self) -> None:
        self._pages.clear()
        self._save()

    def index_table(self, table: int) -> bytes:
        """32 bytes, one bit per page (LSB first) for pages table*256 .. table*256+255."""
        bits = bytearray(32)
        base = table * 256
        for page in self._pages:
            offset = page - base
            if 0 <= offset < 256:
                bits[offset // 8] |= 1 << (offset % 8)
        return bytes(bits)

    def _load(self) -> None:
        raw = json.loads(self.path.read_text())
        self._pages = {int(k): bytes.fromhex(v) for k, v in raw.get("pages", {}).items()}

    def _save(self) -> None:
        if not self.path:
            return
        # Write-then-rename so a killed simulator never leaves half a library.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".library-")
        with os.fdopen(fd, "w") as f:
            json.dump({"capacity": self.capacity,
                       "pages": {str(k): v.hex() for k, v in self._pages.items()}}, f)
        os.replace(tmp, self.path)
