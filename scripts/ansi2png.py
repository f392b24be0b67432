#!/usr/bin/env python3
"""ansi2png.py IN.ans OUT.png COLS ROWS: a terminal screen captured by `tmux capture-pane -p -e`
drawn as a PNG, one fixed cell per character (DejaVu Sans Mono, Debian's fonts-dejavu-core).

Understands what tmux writes there: SGR sequences (reset, bold, dim, italic, underline, reverse,
the 8/16 colours, 256-colour and true-colour foreground and background); any other escape is
skipped. Attributes carry over from one line to the next, as they would when the capture is
replayed on a terminal. Needs python3-pil (scripts/deps.sh installs it). Deterministic: the same
capture gives the same PNG bytes.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 14
BG = (18, 18, 18)
FG = (208, 208, 208)
BASE16 = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (30, 64, 160), (188, 63, 188),
          (17, 168, 205), (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139),
          (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.under = self.reverse = False

    def sgr(self, params):
        p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
        i = 0
        while i < len(p):
            c = p[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.under = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.under = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(p):
                if p[i + 1] == 5 and i + 2 < len(p):
                    col = xterm256(p[i + 2])
                    i += 2
                elif p[i + 1] == 2 and i + 4 < len(p):
                    col = (p[i + 2], p[i + 3], p[i + 4])
                    i += 4
                else:
                    col = None
                    i += 1
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
            i += 1

    def colours(self):
        fg = self.fg or FG
        if self.bold and self.fg in BASE16[:8]:
            fg = BASE16[BASE16.index(self.fg) + 8]
        bg = self.bg or BG
        if self.reverse:
            fg, bg = self.bg or BG, self.fg or FG
        if self.dim:
            fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
        return fg, bg


ESC = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][0-9A-Za-z]|\x1b.")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: ansi2png.py IN.ans OUT.png COLS ROWS")
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    fonts = {(b, i): ImageFont.truetype(FONT_DIR + name, SIZE) for (b, i), name in {
        (False, False): "DejaVuSansMono.ttf", (True, False): "DejaVuSansMono-Bold.ttf",
        (False, True): "DejaVuSansMono-Oblique.ttf", (True, True): "DejaVuSansMono-BoldOblique.ttf"}.items()}
    regular = fonts[(False, False)]
    cw = round(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    ch = ascent + descent
    pad = 8
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * ch + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    pen = Pen()
    with open(src, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for y, line in enumerate(lines[:rows]):
        x = 0
        pos = 0
        while pos < len(line) and x < cols:
            m = ESC.match(line, pos)
            if m:
                if m.group(2) == "m":
                    pen.sgr(m.group(1))
                pos = m.end()
                continue
            c = line[pos]
            pos += 1
            if c < " ":
                continue
            fg, bg = pen.colours()
            px, py = pad + x * cw, pad + y * ch
            draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c != " ":
                draw.text((px, py), c, font=fonts[(pen.bold, pen.italic)], fill=fg)
            if pen.under:
                draw.line([px, py + ascent + 1, px + cw - 1, py + ascent + 1], fill=fg)
            x += 1
        # tmux trims the spaces at the end of a line: they keep the background in force
        if pen.bg is not None or pen.reverse:
            _, bg = pen.colours()
            draw.rectangle([pad + x * cw, pad + y * ch, pad + cols * cw - 1, pad + y * ch + ch - 1], fill=bg)
    img.save(out, optimize=True)


if __name__ == "__main__":
    main()
