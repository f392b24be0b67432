#include "ui/draw.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "src/util.h"
#include "ui/theme.h"

int draw_utf8(void)
{
    static int cached = -1;
    if (cached < 0) {
        const char *cs = nl_langinfo(CODESET);
        cached = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    }
    return cached;
}

/* Next character of s: its byte length and display width (>= 0). */
static size_t next_char(const char *s, int *width)
{
    unsigned char c = (unsigned char)*s;
    if (c < 0x80) {
        *width = c >= 0x20 && c != 0x7f ? 1 : 0;
        return 1;
    }
    if (!draw_utf8()) {
        *width = 1;
        return 1;
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *width = 1;
        return 1;
    }
    int w = wcwidth(wc);
    *width = w < 0 ? 1 : w;
    return n;
}

int text_width(const char *s)
{
    int total = 0, w;
    while (*s) {
        s += next_char(s, &w);
        total += w;
    }
    return total;
}

static char esc_buf[16384];

int text_fit(const char *s, int maxw, int elide, char *out, size_t outsz)
{
    const char *ell = draw_utf8() ? "\xe2\x80\xa6" : "~";
    util_escape(s ? s : "", esc_buf, sizeof esc_buf);
    if (!draw_utf8()) {   /* non-UTF-8 terminal: only ASCII reaches it */
        for (char *p = esc_buf; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
    }
    size_t len = strlen(esc_buf);
    int full = text_width(esc_buf);
    if (outsz == 0)
        return 0;
    if (maxw <= 0) {
        out[0] = 0;
        return 0;
    }
    if (full <= maxw) {
        snprintf(out, outsz, "%s", esc_buf);
        return full;
    }
    int budget = maxw - 1, used = 0, w;
    size_t o = 0;
    if (elide == ELIDE_RIGHT) {
        const char *p = esc_buf;
        while (*p) {
            size_t n = next_char(p, &w);
            if (used + w > budget || o + n + 4 >= outsz)
                break;
            memcpy(out + o, p, n);
            o += n;
            used += w;
            p += n;
        }
        snprintf(out + o, outsz - o, "%s", ell);
        return used + 1;
    }
    /* ELIDE_LEFT: find the shortest suffix start that fits. */
    size_t start = len;
    {
        /* widths of characters, walked forward once, then trimmed from the left */
        const char *p = esc_buf;
        int total = full;
        while (*p && total > budget) {
            size_t n = next_char(p, &w);
            total -= w;
            p += n;
        }
        start = (size_t)(p - esc_buf);
        used = total;
    }
    snprintf(out, outsz, "%s%s", ell, esc_buf + start);
    return used + 1;
}

int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a)
{
    /* Our own strings, clipped on the right: the same fitting (widths, escapes) as a name. */
    return draw_name(w, y, x, maxw, s, a, ELIDE_RIGHT);
}

int draw_name(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a, int elide)
{
    char buf[4096];
    int used = text_fit(s, maxw, elide, buf, sizeof buf);
    if (maxw <= 0)
        return 0;
    wattrset(w, a);
    mvwaddstr(w, y, x, buf);
    wattrset(w, 0);
    return used;
}

void draw_fill(WINDOW *w, int y, int x, int n, attr_t a)
{
    if (n <= 0)
        return;
    wattrset(w, a);
    mvwhline(w, y, x, ' ', n);
    wattrset(w, 0);
}

void draw_frame(WINDOW *w, const char *title, int focused)
{
    int h, wd;
    getmaxyx(w, h, wd);
    (void)h;
    wattrset(w, theme_attr(TC_BORDER));
    if (draw_utf8()) {
        /* Unicode lines, not the terminal's alternate charset (which some terminals and
         * captures show as "lqqk") */
        static const wchar_t glyph[6] = {L'\x2502', L'\x2500', L'\x250c', L'\x2510', L'\x2514', L'\x2518'};
        cchar_t c[6];
        for (int i = 0; i < 6; i++) {
            wchar_t one[2] = {glyph[i], 0};
            setcchar(&c[i], one, theme_attr(TC_BORDER), 0, NULL);
        }
        wborder_set(w, &c[0], &c[0], &c[1], &c[1], &c[2], &c[3], &c[4], &c[5]);
    } else {
        box(w, 0, 0);
    }
    wattrset(w, 0);
    if (title && wd > 6) {
        char t[256];
        snprintf(t, sizeof t, " %s ", title);
        draw_text(w, 0, 2, wd - 4, t, theme_attr(focused ? TC_TITLE_FOCUS : TC_TITLE));
    }
}

void draw_bar(WINDOW *w, int y, int x, int n, double frac, attr_t a)
{
    if (n <= 0)
        return;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int fill = (int)(frac * n + 0.5);
    if (frac > 0 && fill == 0)
        fill = 1;
    if (theme_mono() || !(a & A_COLOR)) {
        /* monochrome: visible characters rather than colour */
        wattrset(w, 0);
        for (int i = 0; i < n; i++)
            mvwaddch(w, y, x + i, i < fill ? '#' : '.');
        return;
    }
    wattrset(w, a);
    if (fill)
        mvwhline(w, y, x, ' ', fill);
    wattrset(w, theme_attr(TC_DIM));
    for (int i = fill; i < n; i++)
        mvwaddch(w, y, x + i, draw_utf8() ? ' ' : '.');
    wattrset(w, 0);
}

const char *fmt_mode(unsigned mode, char *buf)
{
    char t;
    switch (mode & 0170000) {
    case 0040000: t = 'd'; break;
    case 0120000: t = 'l'; break;
    case 0020000: t = 'c'; break;
    case 0060000: t = 'b'; break;
    case 0010000: t = 'p'; break;
    case 0140000: t = 's'; break;
    default: t = '-'; break;
    }
    const char *rwx = "rwxrwxrwx";
    buf[0] = t;
    for (int i = 0; i < 9; i++)
        buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    if (mode & 04000) buf[3] = (mode & 0100) ? 's' : 'S';
    if (mode & 02000) buf[6] = (mode & 0010) ? 's' : 'S';
    if (mode & 01000) buf[9] = (mode & 0001) ? 't' : 'T';
    buf[10] = 0;
    return buf;
}

int draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *s, attr_t a)
{
    static char esc[16384];
    char line[4096];
    if (width <= 0 || maxlines <= 0)
        return 0;
    util_escape(s ? s : "", esc, sizeof esc);
    const char *p = esc;
    int lines = 0;
    while (*p && lines < maxlines) {
        int used = 0, cw;
        size_t o = 0;
        while (*p) {
            size_t n = next_char(p, &cw);
            if (used + cw > width || o + n >= sizeof line)
                break;
            memcpy(line + o, p, n);
            o += n;
            used += cw;
            p += n;
        }
        if (!o && *p) {          /* a character wider than the column: skip it */
            p += next_char(p, &cw);
            continue;
        }
        line[o] = 0;
        if (lines == maxlines - 1 && *p) {
            draw_name(w, y + lines, x, width, line, a, ELIDE_RIGHT);
            /* mark the cut */
            mvwaddstr(w, y + lines, x + (used < width ? used : width - 1), draw_utf8() ? "\xe2\x80\xa6" : "~");
        } else {
            wattrset(w, a);
            mvwaddstr(w, y + lines, x, line);
            wattrset(w, 0);
        }
        lines++;
    }
    return lines;
}
