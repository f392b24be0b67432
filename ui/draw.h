/* draw.h: drawing primitives that know display width (wide and combining characters) and never
 * let a name from the image drive the terminal: every string from the image goes through
 * util_escape() here, before it is measured and drawn.
 *
 *   draw_name(win, y, x, 30, name, theme_attr(TC_DIR), ELIDE_RIGHT);   // escaped, clipped
 *   draw_text(win, y, x, 30, "our own text", 0);                      // no escaping needed
 * Both return the columns used. text_width() measures without curses. */
#ifndef STRATA_UI_DRAW_H
#define STRATA_UI_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "ui/term.h"

enum { ELIDE_RIGHT, ELIDE_LEFT };

/* Display columns of a UTF-8 string (invalid bytes count 1); no curses. */
int text_width(const char *s);
/* Copies into out the longest prefix (ELIDE_RIGHT) or suffix (ELIDE_LEFT) of the escaped form
 * of s that fits maxw columns, with an ellipsis where cut. Returns its width. No curses. */
int text_fit(const char *s, int maxw, int elide, char *out, size_t outsz);

int draw_name(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a, int elide);
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, attr_t a);
void draw_fill(WINDOW *w, int y, int x, int n, attr_t a);
/* Escapes s and draws it wrapped at width columns, at most maxlines lines (the last one marked
 * with an ellipsis when cut). Returns the lines used. */
int draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *s, attr_t a);
/* Border with a title; the focused pane's title is highlighted. */
void draw_frame(WINDOW *w, const char *title, int focused);
/* A bar of n cells, frac (0..1) of it filled. */
void draw_bar(WINDOW *w, int y, int x, int n, double frac, attr_t a);
/* "rwxr-xr-x" with the type letter first: "drwxr-xr-x"; buf >= 11. */
const char *fmt_mode(unsigned mode, char *buf);
/* Whether the locale is UTF-8 (box and tree glyphs are chosen from this). */
int draw_utf8(void);

#endif
