#include "ui/extract.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "src/extract.h"
#include "src/fetch.h"
#include "ui/ui.h"
#include "ui/view.h"

struct xprog {
    struct ui *u;
    unsigned layer;
    const char *what;       /* "extracting", "viewing" */
    long last_ms;           /* of the last progress drawn, -1: none yet */
};

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* About every MiB written (every 4 MiB of a layer walked to the file): the status line says how
 * far (at most ten times a second), and a key waiting in the input is read at once, so a cancel
 * typed ahead is seen at the first tick. */
static int xtick(void *ctx, uint64_t done, uint64_t total)
{
    struct xprog *x = ctx;
    long now = mono_ms();
    if (x->last_ms < 0 || now - x->last_ms >= 100) {
        char a[16], b[16];
        fmt_size(done, a, sizeof a);
        fmt_size(total, b, sizeof b);
        if (!total)     /* still reading the layer up to the file */
            ui_message(x->u, 0, "%s: finding the file, %s of layer %u read   Esc or c cancels",
                       x->what, a, x->layer);
        else
            ui_message(x->u, 0, "extracting: %s of %s (%.0f%%)   Esc or c cancels", a, b,
                       100.0 * (double)done / (double)total);
        ui_draw(x->u);
        x->last_ms = now;
    }
    timeout(0);
    int k = getch();
    timeout(100);           /* the main loop's */
    return k == 27 || k == 'c' || k == 'C' || ui_signalled();   /* Ctrl-C: the temp file goes too */
}

void ui_extract(struct ui *u, uint32_t entry, const char *dir)
{
    char written[PATH_MAX + 64];
    struct errbuf err = {{0}, 0};
    struct xprog x = {u, u->img->model.entries[entry].layer, "extracting", -1};
    int rc = extract_entry(u->img, entry, dir, xtick, &x, written, sizeof written, &err);
    if (rc == RC_OK)
        ui_message(u, 0, "wrote %s", written);
    else
        ui_message(u, rc != RC_WARN, "%s", err.msg);
}

static int vtick(void *ctx, uint64_t read)
{
    return xtick(ctx, read, 0);
}

int ui_fetch_entry(struct ui *u, uint32_t entry, size_t max, char **buf, size_t *len,
                   int *truncated, struct errbuf *err)
{
    struct xprog x = {u, entry < u->img->model.n_entries ? u->img->model.entries[entry].layer : 0,
                      "viewing", -1};
    int rc = fetch_entry_tick(u->img, entry, max, buf, len, truncated, vtick, &x, err);
    if (x.last_ms >= 0)
        u->msg[0] = 0;      /* the progress line is done */
    if (rc == RC_WARN) {
        errbuf_clear(err);
        errbuf_set(err, "viewing cancelled");
    }
    return rc;
}
