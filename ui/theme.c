#include "ui/theme.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    short fg, bg;
    attr_t color, mono;
} spec[TC_COUNT] = {
#define X(name, f, b, a, m) [name] = {f, b, a, m},
    THEME(X)
#undef X
};

static int mono = 1;
static attr_t attrs[TC_COUNT];

int theme_parse(const char *s)
{
    if (!s || !strcmp(s, "auto"))
        return THEME_AUTO;
    if (!strcmp(s, "off") || !strcmp(s, "never") || !strcmp(s, "mono"))
        return THEME_OFF;
    if (!strcmp(s, "dark") || !strcmp(s, "on") || !strcmp(s, "always"))
        return THEME_DARK;
    return -1;
}

void theme_init(int mode)
{
    const char *nc = getenv("NO_COLOR");
    mono = mode == THEME_OFF || !has_colors() || (mode == THEME_AUTO && nc && *nc);
    if (!mono && start_color() == ERR)
        mono = 1;
    if (!mono && (mode == THEME_DARK || use_default_colors() == ERR))
        mode = THEME_DARK;
    for (int c = 0; c < TC_COUNT; c++) {
        if (mono || c == TC_DEFAULT || c >= COLOR_PAIRS) {
            attrs[c] = mono ? spec[c].mono : spec[c].color;
            continue;
        }
        short fg = spec[c].fg, bg = spec[c].bg;
        if (mode == THEME_DARK) {
            if (fg < 0)
                fg = COLOR_WHITE;
            if (bg < 0)
                bg = COLOR_BLACK;
        }
        init_pair((short)c, fg, bg);
        attrs[c] = COLOR_PAIR(c) | spec[c].color;
    }
    if (!mono && mode == THEME_DARK) {
        init_pair(TC_COUNT < COLOR_PAIRS ? TC_COUNT : 1, COLOR_WHITE, COLOR_BLACK);
        attrs[TC_DEFAULT] = COLOR_PAIR(TC_COUNT < COLOR_PAIRS ? TC_COUNT : 1);
    }
}

int theme_mono(void) { return mono; }

attr_t theme_attr(enum theme_color c)
{
    return c < TC_COUNT ? attrs[c] : 0;
}
