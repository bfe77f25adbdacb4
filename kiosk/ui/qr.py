"""The receipt as a QR code (segno, pure Python), drawn straight onto the screen."""

from __future__ import annotations

import pygame


def draw_qr(surface: pygame.Surface, token: str, box: pygame.Rect) -> None:
    """Black modules on white with the 4-module quiet zone, as large as fits ``box``."""
    pygame.draw.rect(surface, (255, 255, 255), box)
    if not token:
        return
    import segno

    # Receipts are base45 (RFC 9285) so that they fit the alphanumeric mode.
    code = segno.make(token, error="m", micro=False)
    rows = [list(r) for r in code.matrix]
    n = len(rows) + 8
    cell = max(1, min(box.w, box.h) // n)
    ox = box.x + (box.w - cell * n) // 2 + 4 * cell
    oy = box.y + (box.h - cell * n) // 2 + 4 * cell
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                surface.fill((0, 0, 0), pygame.Rect(ox + x * cell, oy + y * cell, cell, cell))
