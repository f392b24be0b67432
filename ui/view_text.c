/* view_text.c: a read-only text viewer overlay (file content with secrets masked, or a long
 * report). Binary content is shown as a hex dump. Every line is escaped before it is drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

struct text {
    char *title;
    char *buf;
    size_t len;
    size_t *lines;      /* start offsets */
    size_t n_lines;
    int truncated;
};

static void text_free(struct text *t)
{
    if (!t)
        return;
    free(t->title);
    free(t->buf);
    free(t->lines);
    free(t);
}

static int is_binary(const char *b, size_t n)
{
    return memchr(b, 0, n < 8192 ? n : 8192) != NULL;
}

static char *hexdump(const char *b, size_t n, size_t *outlen)
{
    size_t cap = (n / 16 + 1) * 80 + 1, o = 0;
    char *out = xmalloc(cap);
    for (size_t i = 0; i < n; i += 16) {
        o += (size_t)snprintf(out + o, cap - o, "%08zx  ", i);
        for (size_t j = 0; j < 16; j++)
            o += (size_t)(i + j < n ? snprintf(out + o, cap - o, "%02x ", (unsigned char)b[i + j])
                                    : snprintf(out + o, cap - o, "   "));
        out[o++] = ' ';
        for (size_t j = 0; j < 16 && i + j < n; j++) {
            unsigned char c = (unsigned char)b[i + j];
            out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
        }
        out[o++] = '\n';
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

void view_text_set(struct view *v, const char *title, char *buf, size_t len, int truncated)
{
    text_free(v->priv);
    struct text *t = xcalloc(1, sizeof *t);
    t->title = xstrdup(title);
    if (buf && is_binary(buf, len)) {
        t->buf = hexdump(buf, len, &t->len);
        free(buf);
        char *nt = xasprintf("%s (binary, hex)", t->title);
        free(t->title);
        t->title = nt;
    } else {
        t->buf = buf ? buf : xstrdup("");
        t->len = buf ? len : 0;
    }
    t->truncated = truncated;
    size_t cap = 64;
    t->lines = xmalloc(cap * sizeof *t->lines);
    t->lines[t->n_lines++] = 0;
    for (size_t i = 0; i < t->len; i++)
        if (t->buf[i] == '\n' && i + 1 < t->len) {
            ARR_GROW(t->lines, cap, t->n_lines, 1);
            t->lines[t->n_lines++] = i + 1;
        }
    v->priv = t;
    v->sel = v->top = 0;
}

static void text_init(struct view *v)
{
    v->sel = v->top = 0;
}

static void text_draw(struct view *v)
{
    struct text *t = v->priv;
    WINDOW *w = v->win;
    werase(w);
    char title[512];
    snprintf(title, sizeof title, "%s%s", t ? t->title : "", t && t->truncated ? " (first part only)" : "");
    draw_frame(w, title, 1);
    if (!t)
        return;
    int ih = v->h - 2, iw = v->w - 2;
    char line[4096];
    for (int k = 0; k < ih; k++) {
        size_t i = (size_t)v->top + (size_t)k;
        if (i >= t->n_lines)
            break;
        size_t s = t->lines[i], e = i + 1 < t->n_lines ? t->lines[i + 1] : t->len;
        size_t o = 0;
        for (size_t j = s; j < e && o + 9 < sizeof line; j++) {
            char c = t->buf[j];
            if (c == '\n')
                break;
            if (c == '\t') {
                do
                    line[o++] = ' ';
                while (o % 8);
            } else if (c == '\r' && j + 1 < e && t->buf[j + 1] == '\n') {
                continue;
            } else {
                line[o++] = c;
            }
        }
        line[o] = 0;
        draw_name(w, 1 + k, 1, iw, line, 0, ELIDE_RIGHT);
    }
    char pos[64];
    snprintf(pos, sizeof pos, " %ld-%ld of %zu lines, q closes ", v->top + 1,
             v->top + ih < (long)t->n_lines ? v->top + ih : (long)t->n_lines, t->n_lines);
    draw_text(w, v->h - 1, v->w - 2 - (int)strlen(pos), (int)strlen(pos), pos, theme_attr(TC_TITLE));
}

static int text_key(struct view *v, enum action act)
{
    struct text *t = v->priv;
    long n = t ? (long)t->n_lines : 0, ih = v->h - 2;
    long maxtop = n - ih > 0 ? n - ih : 0;
    switch (act) {
    case ACT_UP: v->top--; break;
    case ACT_DOWN: v->top++; break;
    case ACT_PGUP: v->top -= ih - 1; break;
    case ACT_PGDN: v->top += ih - 1; break;
    case ACT_HOME: v->top = 0; break;
    case ACT_END: v->top = maxtop; break;
    case ACT_BACK: case ACT_QUIT: case ACT_LEFT: case ACT_VIEW:
        return REACT_HANDLED | REACT_CLOSE;
    default:
        return REACT_HANDLED;
    }
    if (v->top > maxtop)
        v->top = maxtop;
    if (v->top < 0)
        v->top = 0;
    return REACT_HANDLED | REACT_REDRAW;
}

static void text_fini(struct view *v)
{
    text_free(v->priv);
    v->priv = NULL;
}

const struct view_ops view_text_ops = {
    "text", text_init, NULL, text_draw, text_key, NULL, text_fini,
};
