/* load.c: reading the image beside the view. The reader (image_open, then the analysis) runs on
 * its own thread; until it is done the screen shows a progress bar fed by the reader's progress
 * counters, and q quits. Keys typed meanwhile are replayed to the view. */
#include "ui/load.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

void *load_thread(void *p)
{
    struct loader *l = p;
    l->an = analysis_new(&l->args.aopts);
    size_t n = analysis_sinks(l->an, l->sinks, 8);
    l->args.iopts.sinks = l->sinks;
    l->args.iopts.n_sinks = n;
    l->args.iopts.progress = &l->prog;
    l->rc = image_open(&l->img, l->args.path, &l->args.iopts);
    if (l->rc != RC_FATAL)
        analysis_run(l->an, &l->img);   /* the views show its masked copies of the history */
    l->finished = 1;
    return NULL;
}

static void draw_loading(const struct loader *l, int lines, int cols)
{
    erase();
    attr_t h = theme_attr(TC_HEADER);
    draw_fill(stdscr, 0, 0, cols, h);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    draw_name(stdscr, 0, x, cols - x - 1, l->args.path, h, ELIDE_LEFT);
    uint64_t done = l->prog.bytes_done, total = l->prog.bytes_total;
    uint32_t ld = l->prog.layers_done, lt = l->prog.layers_total;
    char a[16], b[16], line[256];
    fmt_size(done, a, sizeof a);
    if (total) {
        fmt_size(total, b, sizeof b);
        snprintf(line, sizeof line, "reading %s of %s (%.0f%%)", a, b, 100.0 * (double)done / (double)total);
    } else {
        snprintf(line, sizeof line, "reading %s", a);
    }
    int y = lines > 6 ? lines / 2 - 2 : 1;
    int w = cols > 84 ? 60 : cols - 20;
    int bx = (cols - w) / 2;
    if (bx < 0)
        bx = 0;
    draw_text(stdscr, y, bx, cols - bx, line, A_BOLD);
    draw_bar(stdscr, y + 1, bx, w, total ? (double)done / (double)total : 0, theme_attr(TC_BAR));
    if (lt)
        snprintf(line, sizeof line, "layers %u of %u", ld, lt);
    else
        snprintf(line, sizeof line, "layers %u", ld);
    draw_text(stdscr, y + 2, bx, cols - bx, line, 0);
    if (l->prog.done)
        draw_text(stdscr, y + 3, bx, cols - bx, "analysing...", 0);
    draw_text(stdscr, lines - 1, 1, cols - 2, "q quits", theme_attr(TC_DIM));
    refresh();
}

/* Shows progress until the reader is done; 0 = loaded, 1 = quit by the user, -1 = input gone */
int load_wait(struct loader *l)
{
    int lines, cols, fast_errs = 0, early[64], n_early = 0;
    /* a small image is read at once: no flash of the loading screen, no key taken from it */
    for (int i = 0; i < 30 && !l->finished && !ui_signalled(); i++)
        napms(5);
    timeout(50);
    while (!l->finished) {
        if (ui_signalled())
            ui_die_of_signal();
        getmaxyx(stdscr, lines, cols);
        draw_loading(l, lines, cols);
        int t0 = ui_now_ms();
        int k = getch();
        if (k == 'q')
            return 1;
        if (k == ERR && ui_now_ms() - t0 < 10 && errno != EINTR) {
            if (++fast_errs > 200)
                usleep(20000);   /* input closed: keep waiting without spinning */
        } else if (k != ERR && k != KEY_RESIZE && n_early < 64) {
            early[n_early++] = k;   /* typed ahead: replayed once the view is up */
        }
    }
    while (n_early > 0)
        ungetch(early[--n_early]);
    return 0;
}

