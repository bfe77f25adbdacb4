"""The report's plots, drawn with Pillow (matplotlib is not a dependency)."""

from __future__ import annotations

import itertools
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

COLOURS = {"first finger": (46, 125, 50), "after fallback": (124, 179, 66),
           "officer approved": (251, 192, 45), "on a return visit": (255, 138, 101),
           "refused": (211, 47, 47)}
INK, GRID = (33, 33, 33), (220, 220, 220)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow older than 10.1
        return ImageFont.load_default()


def stacked_shares(groups: dict[str, dict], title: str, out: Path) -> Path:
    """One horizontal bar per group: the share in each category, refused labelled."""
    cats = list(COLOURS)
    label_w, bar_w, row_h, top = 230, 520, 30, 70
    img = Image.new("RGB", (label_w + bar_w + 120, top + row_h * len(groups) + 60), "white")
    d = ImageDraw.Draw(img)
    f, small = _font(15), _font(12)
    d.text((10, 10), title, fill=INK, font=_font(17))
    x = label_w
    for c in cats:  # legend
        d.rectangle([x, 40, x + 12, 52], fill=COLOURS[c])
        d.text((x + 16, 38), c, fill=INK, font=small)
        x += 30 + int(d.textlength(c, font=small))
    for i, (name, counts) in enumerate(groups.items()):
        y = top + i * row_h
        n = sum(counts.values()) or 1
        d.text((10, y + 6), f"{name} (n={sum(counts.values())})", fill=INK, font=f)
        x0 = label_w
        for c in cats:
            w = bar_w * counts.get(c, 0) / n
            if w > 0:
                d.rectangle([x0, y + 4, x0 + w, y + row_h - 6], fill=COLOURS[c])
            x0 += w
        d.text((label_w + bar_w + 8, y + 6), f"{counts.get('refused', 0) / n:.1%} refused",
               fill=COLOURS["refused"] if counts.get("refused") else INK, font=small)
    img.save(out)
    return out


def histogram(values: dict, title: str, xlabel: str, out: Path) -> Path:
    """Bars of ``{label: count}`` in the order given."""
    w, h, left, bottom, top = 720, 360, 60, 60, 50
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    f, small = _font(13), _font(12)
    d.text((10, 10), title, fill=INK, font=_font(17))
    peak = max(values.values(), default=1) or 1
    plot_h, plot_w = h - top - bottom, w - left - 20
    for k in range(5):
        y = top + plot_h * k / 4
        d.line([left, y, w - 20, y], fill=GRID)
        d.text((8, y - 7), f"{peak * (4 - k) / 4:.0f}", fill=INK, font=small)
    slot = plot_w / max(1, len(values))
    for i, (label, n) in enumerate(values.items()):
        x0 = left + i * slot + slot * 0.1
        y0 = top + plot_h * (1 - n / peak)
        d.rectangle([x0, y0, x0 + slot * 0.8, top + plot_h], fill=(25, 118, 210))
        d.text((x0, top + plot_h + 6), str(label), fill=INK, font=small)
        if n:
            d.text((x0, y0 - 15), str(n), fill=INK, font=small)
    d.text((left, h - 22), xlabel, fill=INK, font=f)
    img.save(out)
    return out


def draw_all(r: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    g = r["genuine"]
    groups = {**{f"age {k}": v for k, v in g["by_age"].items()},
              **{k: v for k, v in g["by_condition"].items()}}
    out = [stacked_shares(groups, "Genuine recipients' periods: how each ended, by age "
                          "and condition group", folder / "outcomes_by_group.png")]
    counts = {int(k): v for k, v in r["attempts_hist"].items()}
    hist = {str(k): counts.get(k, 0) for k in range(min(counts, default=0),
                                                    max(counts, default=0) + 1)}
    out.append(histogram(hist, "Finger captures per genuine visit",
                         "captures of the recipient's fingers (0: refused before or served "
                         "without a capture)", folder / "attempts.png"))
    bins: dict[str, int] = {}
    edges = [0, 40, 50, 60, 90, 120, 180, 300, 10**9]
    for lo, hi in itertools.pairwise(edges):
        label = f"{lo}-{hi}" if hi < 10**9 else f">{lo}"
        bins[label] = sum(1 for t in r["time"]["all"] if lo <= t < hi)
    out.append(histogram(bins, "Time per genuine recipient and period at the kiosk (modelled, s)",
                         "seconds (time model in the report)", folder / "time_per_person.png"))
    return out
