/* theme.h: colours of every screen element, one X-macro row each.
 *
 *   X(name, fg, bg, attr when colours, attr when monochrome)
 * bg -1 is the terminal's own background (use_default_colors); the "dark" theme forces black.
 * Monochrome (--color=off, NO_COLOR set, or !has_colors()) uses only the last column, so every
 * distinction that matters must survive there too: change kinds also carry a symbol (+ ~ -). */
#ifndef STRATA_UI_THEME_H
#define STRATA_UI_THEME_H

#include "ui/term.h"

#define THEME(X) \
    X(TC_DEFAULT,     -1,            -1,           0,         0) \
    X(TC_HEADER,      COLOR_WHITE,   COLOR_BLUE,   A_BOLD,    A_REVERSE) \
    X(TC_HEADER_DIM,  COLOR_CYAN,    COLOR_BLUE,   0,         A_REVERSE) \
    X(TC_BORDER,      COLOR_BLUE,    -1,           0,         0) \
    X(TC_TITLE,       COLOR_CYAN,    -1,           0,         0) \
    X(TC_TITLE_FOCUS, COLOR_BLACK,   COLOR_CYAN,   A_BOLD,    A_REVERSE | A_BOLD) \
    X(TC_SEL,         COLOR_BLACK,   COLOR_CYAN,   0,         A_REVERSE) \
    X(TC_SEL_IDLE,    COLOR_BLACK,   COLOR_WHITE,  0,         A_UNDERLINE) \
    X(TC_DIR,         COLOR_BLUE,    -1,           A_BOLD,    A_BOLD) \
    X(TC_LINK,        COLOR_CYAN,    -1,           0,         0) \
    X(TC_ADDED,       COLOR_GREEN,   -1,           0,         0) \
    X(TC_MODIFIED,    COLOR_YELLOW,  -1,           0,         0) \
    X(TC_REMOVED,     COLOR_RED,     -1,           0,         0) \
    X(TC_SIZE,        -1,            -1,           0,         0) \
    X(TC_BAR,         COLOR_CYAN,    COLOR_CYAN,   0,         A_REVERSE) \
    X(TC_DIM,         -1,            -1,           A_DIM,     A_DIM) \
    X(TC_SEV_CRIT,    COLOR_RED,     -1,           A_BOLD,    A_BOLD) \
    X(TC_SEV_HIGH,    COLOR_RED,     -1,           0,         A_BOLD) \
    X(TC_SEV_MED,     COLOR_YELLOW,  -1,           0,         0) \
    X(TC_SEV_LOW,     -1,            -1,           0,         0) \
    X(TC_STATUS,      COLOR_BLACK,   COLOR_WHITE,  0,         A_REVERSE) \
    X(TC_ERROR,       COLOR_RED,     -1,           A_BOLD,    A_BOLD) \
    X(TC_KEY,         COLOR_YELLOW,  -1,           A_BOLD,    A_BOLD) \
    X(TC_MATCH,       COLOR_BLACK,   COLOR_YELLOW, 0,         A_UNDERLINE)

enum theme_color {
#define X(name, fg, bg, a, m) name,
    THEME(X)
#undef X
    TC_COUNT
};

enum { THEME_AUTO, THEME_OFF, THEME_DARK };

/* "auto" / "off" / "dark" (NULL = auto); unknown strings are -1. */
int theme_parse(const char *s);
/* After initscr/newterm. Falls back to monochrome as described above. */
void theme_init(int mode);
int theme_mono(void);
attr_t theme_attr(enum theme_color c);

#endif
