/* load.c: reading the image beside the view. The reader (image_open, then the analysis) runs on
 * its own thread; until it is done the screen shows a progress bar fed by the reader's progress
 * counters and, as soon as the manifest and config are read, the layer list they give (the
 * preview), which j/k and the arrows move through; q quits. Other keys typed meanwhile are
 * replayed to the view. */
#include "ui/load.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

#define LOAD_NICE 10   /* the reader's nice value, added to the process's */
#define LOAD_SNAP_MS 250   /* at most one state of the tree for the view this often */

/* The layer list as the manifest and config give it, copied on the reader thread: rows like the
 * view's layers pane (one per history entry when every layer has one, else one per layer). */
struct load_row {
    int layer;        /* -1: a history entry that made no layer */
    uint64_t stored;  /* the blob's size as stored (compressed); files come with the layer */
    char *text;       /* the instruction, cut to what cannot carry a secret (below) */
    char *digest;     /* the layer's blob digest or member name, "" for no layer */
};
struct load_preview {
    size_t n;
    struct load_row *rows;
    struct image *mimg;   /* the manifest's part of the image for the view while loading */
};

/* Secrets are masked by the analysis, which runs only once every layer is read; until then the
 * preview shows of an instruction only what cannot hold a secret value: the keyword, the name of
 * an ENV or ARG, and the whole text of instructions that carry paths or ids alone. */
static char *preview_text(const char *in)
{
    static const char *const whole[] = {"COPY", "ADD", "WORKDIR", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL"};
    if (!in || !*in)
        return xstrdup("(no instruction recorded)");
    size_t k = 0;
    while (in[k] && isupper((unsigned char)in[k]))
        k++;
    if (k == 0 || (in[k] && in[k] != ' '))
        return xstrdup("(shown when analysed)");
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        if (strlen(whole[i]) == k && !strncmp(in, whole[i], k))
            return xstrdup(in);
    if ((k == 3 && (!strncmp(in, "ENV", 3) || !strncmp(in, "ARG", 3))) && in[k] == ' ') {
        const char *n = in + k + 1;
        size_t nl = strcspn(n, "= \t");
        return xasprintf("%.*s %.*s …", (int)k, in, (int)(nl > 200 ? 200 : nl), n);
    }
    return xasprintf("%.*s …", (int)(k > 20 ? 20 : k), in);
}

/* What the view may show of the image before the analysis has masked it: names, digests, sizes,
 * the layers and history with their texts cut by preview_text; no env, cmd or config. */
static struct image *manifest_copy(const struct image *img)
{
    struct image *c = xcalloc(1, sizeof *c);
    c->source = xstrdup(img->source ? img->source : "");
    c->format = img->format;
    c->n_tags = img->n_tags;
    c->tags = xcalloc(img->n_tags ? img->n_tags : 1, sizeof *c->tags);
    for (size_t i = 0; i < img->n_tags; i++)
        c->tags[i] = xstrdup(img->tags[i] ? img->tags[i] : "");
    c->os = xstrdup(img->os ? img->os : "");
    c->arch = xstrdup(img->arch ? img->arch : "");
    c->variant = xstrdup(img->variant ? img->variant : "");
    c->config_digest = xstrdup(img->config_digest ? img->config_digest : "");
    c->user = xstrdup("");
    c->workdir = xstrdup("");
    c->cmd = xstrdup("");
    c->entrypoint = xstrdup("");
    c->n_history = img->n_history;
    c->history = xcalloc(img->n_history ? img->n_history : 1, sizeof *c->history);
    for (size_t i = 0; i < img->n_history; i++) {
        struct history_item *h = &c->history[i];
        h->instruction = preview_text(img->history[i].instruction);
        h->created_by = xstrdup(h->instruction);
        h->created = xstrdup("");
        h->comment = xstrdup("");
        h->author = xstrdup("");
        h->empty_layer = img->history[i].empty_layer;
        h->layer = img->history[i].layer;
    }
    c->n_layers = img->n_layers;
    c->layers = xcalloc(img->n_layers ? img->n_layers : 1, sizeof *c->layers);
    for (size_t i = 0; i < img->n_layers; i++) {
        struct image_layer *L = &c->layers[i];
        L->diff_id = xstrdup(img->layers[i].diff_id ? img->layers[i].diff_id : "");
        L->digest = xstrdup(img->layers[i].digest ? img->layers[i].digest : "");
        L->compressed_bytes = img->layers[i].compressed_bytes;
        L->history = img->layers[i].history;
        L->instruction = L->history >= 0 && (size_t)L->history < c->n_history ? c->history[L->history].instruction : "";
    }
    return c;
}

/* image_opts.on_manifest: runs on the reader thread while *img holds still; publishes the copy. */
static void on_manifest(void *ctx, const struct image *img)
{
    struct loader *l = ctx;
    int use_hist = img->n_history > 0;
    for (size_t L = 0; use_hist && L < img->n_layers; L++) {
        int named = 0;
        for (size_t h = 0; h < img->n_history && !named; h++)
            named = img->history[h].layer == (int)L;
        use_hist = named;
    }
    struct load_preview *p = xcalloc(1, sizeof *p);
    p->n = use_hist ? img->n_history : img->n_layers;
    p->rows = xcalloc(p->n ? p->n : 1, sizeof *p->rows);
    for (size_t i = 0; i < p->n; i++) {
        struct load_row *r = &p->rows[i];
        r->layer = use_hist ? img->history[i].layer : (int)i;
        if (r->layer >= (int)img->n_layers)
            r->layer = -1;
        r->stored = r->layer >= 0 ? img->layers[r->layer].compressed_bytes : 0;
        r->digest = xstrdup(r->layer >= 0 && img->layers[r->layer].digest ? img->layers[r->layer].digest : "");
        r->text = preview_text(use_hist ? img->history[i].instruction : img->layers[i].instruction);
    }
    p->mimg = manifest_copy(img);
    atomic_store(&l->preview, p);
    /* For tests only (tests/tui/test_live.sh): with STRATA_TEST_HOLD_LAYERS=FILE the reader waits
     * here, the layer list published and no layer read, until FILE exists: the test sees this
     * loading screen and its keys without racing the clock. */
    const char *hold = getenv("STRATA_TEST_HOLD_LAYERS");
    while (hold && *hold && access(hold, F_OK) != 0)
        usleep(20000);
}

void load_free(struct loader *l)
{
    fgroups_free(&l->fg);   /* when the view never took them */
    struct load_preview *p = atomic_exchange(&l->preview, NULL);
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->rows[i].text);
        free(p->rows[i].digest);
    }
    free(p->rows);
    if (p->mimg) {
        memset(&p->mimg->model, 0, sizeof p->mimg->model);   /* never had one of its own */
        image_close(p->mimg);
        free(p->mimg);
    }
    free(p);
    struct load_snap *s = atomic_exchange(&l->snap, NULL);
    if (s)
        load_snap_free(l, s);
}

void load_snap_free(struct loader *l, struct load_snap *s)
{
    rows_layer_free(s->pre);
    if (s->own) {
        model_snapshot_free(s->own);
        atomic_fetch_sub(&l->snaps_alive, 1);
    }
    free(s);
}

/* Reader thread: makes `own` (or the finished model) the latest state; one the view never
 * took is dropped here. */
static void snap_publish(struct loader *l, struct model *own, const struct model *finished)
{
    struct load_snap *s = xcalloc(1, sizeof *s);
    s->own = own;
    s->model = own ? *own : *finished;
    /* the rollups of the layer the view shows (the newest unless it moved to an older one),
     * made here rather than on the view's thread while keys wait */
    int want = atomic_load(&l->view_layer);
    s->pre = rows_layer_new(&s->model, want < 0 ? (int)s->model.n_layers - 1 : want, own != NULL);
    if (own)
        atomic_fetch_add(&l->snaps_alive, 1);
    struct load_snap *old = atomic_exchange(&l->snap, s);
    if (old)
        load_snap_free(l, old);
    l->snap_ms = ui_now_ms() | 1;
}

/* image_opts.on_layer: a layer more is stacked. A copy of the tree for the view, at most every
 * LOAD_SNAP_MS (each costs O(paths) here and a rebuild of the view's rows there); none after
 * the last layer, as the finished model follows at once. */
static void on_layer(void *ctx, const struct image *img)
{
    struct loader *l = ctx;
    uint32_t k = img->model.n_layers;
    int held = l->hold_at && k == l->hold_at;
    if (!held && (k >= img->n_layers || (l->snap_ms && ui_now_ms() - l->snap_ms < LOAD_SNAP_MS)))
        return;
    /* a state the view has not taken yet goes before the next is made: at most two states
     * exist at once, the view's and the one being made */
    struct load_snap *untaken = atomic_exchange(&l->snap, NULL);
    if (untaken)
        load_snap_free(l, untaken);
    snap_publish(l, model_snapshot(&img->model), NULL);
    /* For tests only (tests/tui/test_live.sh): STRATA_TEST_HOLD_STACKED=N:FILE holds the reader
     * here, N layers stacked and shown, until FILE exists. */
    while (held && access(l->hold_file, F_OK) != 0)
        usleep(20000);
}

int load_changed(struct loader *l)
{
    return atomic_load(&l->snap) != NULL || l->finished;
}

struct image *load_live_image(struct loader *l, struct image *img, struct load_snap **snap)
{
    const struct load_preview *p = atomic_load(&l->preview);
    if (!p || !p->mimg)
        return NULL;
    struct load_snap *s = atomic_exchange(&l->snap, NULL);
    if (!s)
        return NULL;
    if (!img) {
        img = xmalloc(sizeof *img);
        *img = *p->mimg;       /* its strings stay the preview's (load_free) */
    }
    img->model = s->model;
    *snap = s;
    return img;
}

void load_live_free(struct image *img)
{
    free(img);
}

void *load_thread(void *p)
{
    struct loader *l = p;
    /* Below the key loop: with every core busy reading, the UI thread still gets its turn. On
     * Linux the nice value is the thread's, and the reader's worker threads inherit it. */
    if (l->threaded)
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), LOAD_NICE);
    l->args.iopts.on_manifest = on_manifest;
    l->args.iopts.on_manifest_ctx = l;
    if (l->threaded) {   /* the tree while loading: only a view on another thread shows it */
        l->args.iopts.on_layer = on_layer;
        l->args.iopts.on_layer_ctx = l;
        const char *h = getenv("STRATA_TEST_HOLD_STACKED");
        char *end;
        unsigned long n = h ? strtoul(h, &end, 10) : 0;
        if (n && *end == ':' && end[1]) {
            l->hold_at = (uint32_t)n;
            l->hold_file = end + 1;
        }
    }
    l->an = analysis_new(&l->args.aopts);
    size_t n = analysis_sinks(l->an, l->sinks, 8);
    l->args.iopts.sinks = l->sinks;
    l->args.iopts.n_sinks = n;
    l->args.iopts.progress = &l->prog;
    l->rc = image_open(&l->img, l->args.path, &l->args.iopts);
    if (l->rc != RC_FATAL && l->threaded) {
        /* every layer stacked: the view reads the model itself from now on (the analysis only
         * reads it too). Its copies go as soon as it takes this one: wait for that, a little,
         * so that a copy and the analysis's memory do not add up. */
        snap_publish(l, NULL, &l->img.model);
        for (int i = 0; i < 100 && atomic_load(&l->snaps_alive) > 0; i++)
            usleep(20000);
    }
    if (l->rc != RC_FATAL) {
        analysis_run(l->an, &l->img);   /* the views show its masked copies of the history */
        /* the findings pane's groups here, not on the view's thread while keys wait (about
         * 200 ms on a 1M-entry image) */
        fgroups_build(&l->fg, l->an, &l->img.model, &l->img);
    }
    l->finished = 1;
    return NULL;
}

/* "reading 1.2 GB of 3.4 GB (35%)" */
static void progress_line(const struct loader *l, char *line, size_t n)
{
    uint64_t done = l->prog.bytes_done, total = l->prog.bytes_total;
    char a[16], b[16];
    fmt_size(done, a, sizeof a);
    if (total) {
        fmt_size(total, b, sizeof b);
        snprintf(line, n, "reading %s of %s (%.0f%%)", a, b, 100.0 * (double)done / (double)total);
    } else {
        snprintf(line, n, "reading %s", a);
    }
}

void load_draw_progress(struct loader *l, int y, int cols, uint32_t stacked, attr_t a)
{
    char line[256], part[96];
    progress_line(l, line, sizeof line);
    if (stacked)
        snprintf(part, sizeof part, ", layers %u of %u, files shown to layer %u%s", (unsigned)l->prog.layers_done,
                 (unsigned)l->prog.layers_total, stacked - 1, l->prog.done ? ", analysing..." : "");
    else
        snprintf(part, sizeof part, ", layers %u of %u%s", (unsigned)l->prog.layers_done,
                 (unsigned)l->prog.layers_total, l->prog.done ? ", analysing..." : "");
    strncat(line, part, sizeof line - strlen(line) - 1);
    int w = draw_text(stdscr, y, 1, cols - 2, line, a | A_BOLD);
    int bx = w + 3, bw = cols - bx - 1;
    uint64_t total = l->prog.bytes_total;
    if (bw >= 10)
        draw_bar(stdscr, y, bx, bw, total ? (double)l->prog.bytes_done / (double)total : 0, theme_attr(TC_BAR));
}

/* The layer list from the manifest under the progress bar: the user reads it while the layers
 * are read. Sizes are the blobs' as stored; the view shows the files' once read. */
static void draw_preview(struct loader *l, const struct load_preview *p, int lines, int cols)
{
    erase();
    attr_t h = theme_attr(TC_HEADER);
    draw_fill(stdscr, 0, 0, cols, h);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    draw_name(stdscr, 0, x, cols - x - 1, l->args.path, h, ELIDE_LEFT);
    char line[256], part[64];
    progress_line(l, line, sizeof line);
    uint32_t ld = l->prog.layers_done, lt = l->prog.layers_total;
    snprintf(part, sizeof part, ", layers %u of %u%s", ld, lt, l->prog.done ? ", analysing..." : "");
    strncat(line, part, sizeof line - strlen(line) - 1);
    draw_text(stdscr, 1, 1, cols - 2, line, A_BOLD);
    uint64_t total = l->prog.bytes_total;
    draw_bar(stdscr, 2, 1, cols - 2, total ? (double)l->prog.bytes_done / (double)total : 0, theme_attr(TC_BAR));
    int ph = lines - 4;   /* header, progress, bar above; the hint below */
    if (ph < 3) {
        refresh();
        return;
    }
    WINDOW *w = derwin(stdscr, ph, cols, 3, 0);
    if (!w) {
        refresh();
        return;
    }
    char title[96];
    snprintf(title, sizeof title, "Layers (%zu, from the manifest; sizes as stored)", p->n);
    draw_frame(w, title, 1);
    int ih = ph - 2, iw = cols - 2;
    if (l->psel >= (long)p->n)
        l->psel = p->n ? (long)p->n - 1 : 0;
    list_scroll_into_view(l->psel, &l->ptop, (long)p->n, ih);
    for (int r = 0; r < ih; r++) {
        long i = l->ptop + r;
        if (i >= (long)p->n)
            break;
        const struct load_row *row = &p->rows[i];
        attr_t base = i == l->psel ? theme_attr(TC_SEL) : row->layer < 0 ? theme_attr(TC_DIM) : theme_attr(TC_DEFAULT);
        int y = 1 + r, cx = 1;
        draw_fill(w, y, cx, iw, base);
        char idx[16], sz[16];
        if (row->layer >= 0)
            snprintf(idx, sizeof idx, "%3d", row->layer);
        else
            snprintf(idx, sizeof idx, "  -");
        cx += draw_text(w, y, cx, iw, idx, base) + 1;
        if (row->layer >= 0)
            fmt_size(row->stored, sz, sizeof sz);
        else
            sz[0] = 0;
        snprintf(line, sizeof line, "%9s", sz);
        cx += draw_text(w, y, cx, iw - cx + 1, line, base) + 2;
        if (cx < iw)
            draw_name(w, y, cx, iw - cx + 1, row->text, base, ELIDE_RIGHT);
    }
    wnoutrefresh(w);
    delwin(w);
    /* the selected row's blob (which j/k moves), then what the keys do */
    attr_t dim = theme_attr(TC_DIM);
    x = 1;
    if (p->n) {
        const struct load_row *sr = &p->rows[l->psel];
        snprintf(line, sizeof line, "row %ld of %zu: ", l->psel + 1, p->n);
        x += draw_text(stdscr, lines - 1, x, cols - 2, line, dim);
        if (sr->layer >= 0) {
            snprintf(line, sizeof line, "layer %d ", sr->layer);
            x += draw_text(stdscr, lines - 1, x, cols - 1 - x, line, dim);
            x += draw_name(stdscr, lines - 1, x, cols - 1 - x < 20 ? cols - 1 - x : 20, sr->digest, dim, ELIDE_RIGHT);
        } else {
            x += draw_text(stdscr, lines - 1, x, cols - 1 - x, "no layer", dim);
        }
        x += 2;
    }
    if (l->n_early) {   /* the keys after the first one typed for the view go to it too */
        snprintf(line, sizeof line, "%d key%s kept for the view", l->n_early, l->n_early == 1 ? "" : "s");
        if (x < cols - 1)
            draw_text(stdscr, lines - 1, x, cols - 1 - x, line, theme_attr(TC_DEFAULT) | A_BOLD);
    } else if (x < cols - 1) {
        draw_text(stdscr, lines - 1, x, cols - 1 - x, "j/k move  q quits  files and findings once every layer is read", dim);
    }
    refresh();
}

static void draw_loading(struct loader *l, int lines, int cols)
{
    const struct load_preview *p = atomic_load(&l->preview);
    if (p && lines >= 8 && cols >= 40) {
        draw_preview(l, p, lines, cols);
        return;
    }
    erase();
    attr_t h = theme_attr(TC_HEADER);
    draw_fill(stdscr, 0, 0, cols, h);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    draw_name(stdscr, 0, x, cols - x - 1, l->args.path, h, ELIDE_LEFT);
    uint64_t done = l->prog.bytes_done, total = l->prog.bytes_total;
    uint32_t ld = l->prog.layers_done, lt = l->prog.layers_total;
    char line[256];
    progress_line(l, line, sizeof line);
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
    else if (l->prog.streaming && !p)
        /* one pass over a stream: the members are resolved once it has ended (a legacy `docker
         * save` even puts manifest.json last), so no layer list can be shown before */
        draw_text(stdscr, y + 3, bx, cols - bx, "layer list known when the archive's manifest arrives", theme_attr(TC_DIM));
    draw_text(stdscr, lines - 1, 1, cols - 2, "q quits", theme_attr(TC_DIM));
    refresh();
}

/* j/k, arrows, page keys, g/G on the preview; 1 if the key was taken. */
static int preview_key(struct loader *l, int k, int lines)
{
    const struct load_preview *p = atomic_load(&l->preview);
    if (!p || !p->n)
        return 0;
    long page = lines > 9 ? lines - 9 : 1, last = (long)p->n - 1;
    switch (k) {
    case 'j': case KEY_DOWN: l->psel++; break;
    case 'k': case KEY_UP: l->psel--; break;
    case KEY_NPAGE: l->psel += page; break;
    case KEY_PPAGE: l->psel -= page; break;
    case 'g': case KEY_HOME: l->psel = 0; break;
    case 'G': case KEY_END: l->psel = last; break;
    default: return 0;
    }
    if (l->psel > last)
        l->psel = last;
    if (l->psel < 0)
        l->psel = 0;
    return 1;
}

/* A state of the tree and the manifest's image to show it with. */
static int live_ready(struct loader *l)
{
    const struct load_preview *p = atomic_load(&l->preview);
    return p && p->mimg && atomic_load(&l->snap);
}

/* Shows progress until the reader is done; 0 = loaded, 1 = quit by the user, -1 = input gone */
int load_wait(struct loader *l)
{
    int lines, cols, fast_errs = 0, early[64], n_early = 0;
    l->n_early = 0;
    /* a small image is read at once: no flash of the loading screen, no key taken from it */
    for (int i = 0; i < 30 && !l->finished && !ui_signalled(); i++)
        napms(5);
    timeout(50);
    while (!l->finished && !live_ready(l)) {
        if (ui_signalled())
            ui_die_of_signal();
        getmaxyx(stdscr, lines, cols);
        draw_loading(l, lines, cols);
        int t0 = ui_now_ms();
        errno = 0;   /* EINTR below must be this call's, not one left from before */
        int k = getch();
        /* once a key has been typed ahead for the view (a search "/jar", say), the ones after it
         * belong to it too, in order, q included: only a key typed first acts on this screen */
        if (k == 'q' && n_early == 0)
            return 1;
        if (k != ERR && n_early == 0 && preview_key(l, k, lines))
            continue;   /* moved the preview's selection: not replayed to the view */
        if (k == ERR && ui_now_ms() - t0 < 10 && errno != EINTR) {
            if (++fast_errs > 200)
                usleep(20000);   /* input closed: keep waiting without spinning */
        } else if (k != ERR && k != KEY_RESIZE && n_early < 64) {
            early[n_early++] = k;   /* typed ahead: replayed once the view is up */
            l->n_early = n_early;
        }
    }
    while (n_early > 0)
        ungetch(early[--n_early]);
    return l->finished ? 0 : 2;
}

