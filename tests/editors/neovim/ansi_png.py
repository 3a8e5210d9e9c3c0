"""Render a terminal capture (``tmux capture-pane -p -e``: text with SGR colour codes) as a PNG.

    python ansi_png.py capture.ansi out.png [--cols 80] [--font-size 15]

Handles the SGR subset tmux emits: reset, bold, italic, underline, reverse, 16/256/RGB colours.
Needs Pillow and a monospace TrueType font (DejaVu Sans Mono by default; $ANSI_PNG_FONT_DIR).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BG, FG = (0x1c, 0x1c, 0x1c), (0xd0, 0xd0, 0xd0)
BASE16 = [
    (0x1c, 0x1c, 0x1c), (0xd7, 0x5f, 0x5f), (0x87, 0xaf, 0x5f), (0xd7, 0xaf, 0x5f),
    (0x5f, 0x87, 0xd7), (0xaf, 0x87, 0xd7), (0x5f, 0xaf, 0xaf), (0xd0, 0xd0, 0xd0),
    (0x80, 0x80, 0x80), (0xff, 0x87, 0x87), (0xaf, 0xd7, 0x87), (0xff, 0xd7, 0x87),
    (0x87, 0xaf, 0xff), (0xd7, 0xaf, 0xff), (0x87, 0xd7, 0xd7), (0xff, 0xff, 0xff),
]


def xterm256(n: int) -> tuple[int, int, int]:
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[n // 6 % 6], steps[n % 6]
    v = 8 + 10 * (n - 232)
    return v, v, v


SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def parse(text: str):
    """Lines of cells (char, fg, bg, bold, italic, underline)."""
    lines = []
    state = dict(fg=None, bg=None, bold=False, italic=False, underline=False, reverse=False)
    for raw in text.split("\n"):
        cells = []
        pos = 0
        for m in list(SGR.finditer(raw)) + [None]:
            chunk = raw[pos : m.start() if m else len(raw)]
            for ch in chunk:
                if ch == "\x1b" or ch == "\r":
                    continue
                fg, bg = state["fg"] or FG, state["bg"] or BG
                if state["reverse"]:
                    fg, bg = bg, fg
                cells.append((ch, fg, bg, state["bold"], state["italic"], state["underline"]))
            if m is None:
                break
            pos = m.end()
            codes = [int(c) if c else 0 for c in re.split("[;:]", m.group(1))] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    state.update(fg=None, bg=None, bold=False, italic=False, underline=False, reverse=False)
                elif c == 1:
                    state["bold"] = True
                elif c == 3:
                    state["italic"] = True
                elif c == 4:
                    state["underline"] = True
                elif c == 7:
                    state["reverse"] = True
                elif c == 22:
                    state["bold"] = False
                elif c == 23:
                    state["italic"] = False
                elif c == 24:
                    state["underline"] = False
                elif c == 27:
                    state["reverse"] = False
                elif 30 <= c <= 37 or 90 <= c <= 97:
                    state["fg"] = BASE16[c - 30 if c < 90 else c - 90 + 8]
                elif 40 <= c <= 47 or 100 <= c <= 107:
                    state["bg"] = BASE16[c - 40 if c < 100 else c - 100 + 8]
                elif c == 39:
                    state["fg"] = None
                elif c == 49:
                    state["bg"] = None
                elif c in (38, 48) and i + 1 < len(codes):
                    key = "fg" if c == 38 else "bg"
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        state[key] = xterm256(codes[i + 2])
                        i += 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        state[key] = tuple(codes[i + 2 : i + 5])
                        i += 4
                i += 1
        lines.append(cells)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def render(lines, out: Path, cols: int, size: int) -> None:
    font_dir = Path(os.environ.get("ANSI_PNG_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
    fonts = {
        (b, i): ImageFont.truetype(str(font_dir / f"DejaVuSansMono{suffix}.ttf"), size)
        for (b, i), suffix in {
            (False, False): "", (True, False): "-Bold", (False, True): "-Oblique", (True, True): "-BoldOblique",
        }.items()
    }
    left, top, right, bottom = fonts[(False, False)].getbbox("M")
    cw = round(fonts[(False, False)].getlength("M"))
    ch = round(size * 1.35)
    pad = 12
    img = Image.new("RGB", (pad * 2 + cw * cols, pad * 2 + ch * len(lines)), BG)
    draw = ImageDraw.Draw(img)
    for row, cells in enumerate(lines):
        y = pad + row * ch
        for col, (c, fg, bg, bold, italic, underline) in enumerate(cells[:cols]):
            x = pad + col * cw
            if bg != BG:
                draw.rectangle([x, y, x + cw - 1, y + ch - 1], fill=bg)
            if c != " ":
                draw.text((x, y + (ch - size) // 2 - 1), c, font=fonts[(bold, italic)], fill=fg)
            if underline:
                draw.line([x, y + ch - 2, x + cw - 1, y + ch - 2], fill=fg)
    img.save(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("png")
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--font-size", type=int, default=15)
    args = ap.parse_args()
    lines = parse(Path(args.capture).read_text(encoding="utf-8"))
    render(lines, Path(args.png), args.cols, args.font_size)


if __name__ == "__main__":
    main()
