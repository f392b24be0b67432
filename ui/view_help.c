/* view_help.c: every key, generated from the ACTIONS table (ui/actions.h). */
#include <stdio.h>

#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

/* Under the keys: what the header's figures and the findings' tags mean, and the marks. */
static const char *legend[] = {
    "",
    "Header figures (the same in --report and --json):",
    "  removable   what a rebuild can win: dead bytes (shadowed + deleted) and",
    "              junk still visible (caches, apt lists, build tools), with",
    "              their share of all layers' bytes (--ci fails above 10%)",
    "  efficiency  final bytes / all layers' bytes: 100% when no layer hides",
    "              another's bytes (dive's figure)",
    "  layers      content bytes of every layer, as shipped",
    "  final       what the final filesystem shows",
    "  secrets     secret findings (values masked); N warnings: read problems",
    "Findings tags:",
    "  CRIT HIGH MED low info  a secret, by severity",
    "  junk        a waste category in the final filesystem (apt lists, …)",
    "  pkg         a build-only package (compiler, -dev, headers)",
    "  over        a file overwritten by a later layer: the old copy ships",
    "  del         a file deleted by a later layer: its bytes still ship",
    "  adv         Dockerfile advice: base choice, layer order, CUDA",
    "Marks: + added  ~ modified  - removed by the selected layer (also coloured)",
    "Sizes: whole filesystem after the layer, or only this layer's bytes (c)",
    "Names from the image are shown escaped: \\n \\x1b \\xff",
};
#define N_LEGEND ((long)(sizeof legend / sizeof *legend))

static void help_init(struct view *v)
{
    v->sel = v->top = 0;
}

static void help_draw(struct view *v)
{
    WINDOW *w = v->win;
    werase(w);
    draw_frame(w, "strata: keys (q, Esc or ? closes)", 1);
    int ih = v->h - 2, iw = v->w - 4;
    long n = ACT_COUNT - 1 + N_LEGEND;
    if (v->top > n - ih)
        v->top = n - ih > 0 ? n - ih : 0;
    int y = 1;
    for (long i = v->top; i < n && y <= ih; i++, y++) {
        if (i < ACT_COUNT - 1) {
            enum action a = (enum action)(i + 1);
            char keys[64];
            actions_label(a, keys, sizeof keys);
            draw_text(w, y, 2, 20, keys, theme_attr(TC_KEY));
            draw_text(w, y, 23, iw - 21, actions_help(a), 0);
            continue;
        }
        draw_text(w, y, 2, iw, legend[i - (ACT_COUNT - 1)], theme_attr(TC_DIM));
    }
}

static int help_key(struct view *v, enum action act)
{
    long n = ACT_COUNT - 1 + N_LEGEND;
    switch (act) {
    case ACT_UP: case ACT_DOWN: case ACT_PGUP: case ACT_PGDN: case ACT_HOME: case ACT_END: {
        long sel = act == ACT_UP || act == ACT_PGUP || act == ACT_HOME ? v->top : v->top + v->h - 3;
        list_move(&sel, &v->top, n, v->h - 2, act);
        return REACT_HANDLED | REACT_REDRAW;
    }
    case ACT_HELP: case ACT_BACK: case ACT_QUIT: case ACT_OPEN:
        return REACT_HANDLED | REACT_CLOSE;
    default:
        return REACT_HANDLED;
    }
}

const struct view_ops view_help_ops = {
    "help", help_init, NULL, help_draw, help_key, NULL, NULL,
};
