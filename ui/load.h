/* load.h: the reader thread and the loading screen.
 *
 *   struct loader *l = xcalloc(1, sizeof *l);  l->args = *args;
 *   pthread_create(&t, NULL, load_thread, l);  // or load_thread(l) without a thread
 *   if (load_wait(l) == 1) ...                 // the user quit while loading: leave the thread
 *   pthread_join(t, NULL);                     // then l->rc, l->img, l->an are the reader's
 *   load_free(l);                              // what the loader made for the loading screen
 * Before the reader is done the UI thread reads only `finished`, the progress counters, the
 * preview (the layer list copied by the reader once the manifest is read) and the states of the
 * tree (`snap`): each published whole through an atomic pointer and never changed after, so the
 * UI thread never reads memory the reader writes and never waits for it. */
#ifndef STRATA_UI_LOAD_H
#define STRATA_UI_LOAD_H

#include "analysis/analysis.h"
#include "analysis/finding_groups.h"
#include "src/image.h"
#include "src/sink.h"
#include "ui/rows.h"
#include "ui/term.h"
#include "ui/ui.h"

/* One published state of the tree while loading (load.c). */
struct load_snap {
    struct model *own;           /* a copy (model_snapshot) freed with the snap; NULL: the model
                                  * is the reader's finished one, read-only from then on */
    struct model model;          /* what the view reads: *own, or the finished model's header */
    struct rows_layer *pre;      /* the layer the view asked for (view_layer), built by the
                                  * reader; the view takes it (rows_adopt) or it goes with the snap */
};

struct loader {
    struct ui_args args;
    struct image img;
    struct analysis *an;         /* made by the reader; the caller frees */
    struct image_progress prog;  /* written by the reader, read by the loading screen */
    struct sink sinks[8];
    int rc;                      /* image_open's RC_* */
    int threaded;                /* load_thread runs on a thread of its own (set before it) */
    _Atomic int finished;
    struct load_preview *_Atomic preview;   /* NULL until the manifest is read (load.c) */
    long psel, ptop;             /* the loading screen's selection in the preview (UI thread) */
    int n_early;                 /* keys typed ahead for the view so far (UI thread) */
    /* the tree while loading: the reader publishes the latest state here; the view takes it
     * (atomic_exchange) and then owns it. A state never taken is freed by the reader. */
    struct load_snap *_Atomic snap;
    _Atomic int snaps_alive;     /* copies published and not freed yet */
    int snap_ms;                 /* reader: when it last published */
    _Atomic int view_layer;      /* UI thread: the layer its tree shows, -1: the newest */
    struct fgroups fg;           /* the findings pane's groups, built by the reader after the
                                  * analysis; the loaded view takes them (fg.n 0: not built) */
    uint32_t hold_at;            /* tests: STRATA_TEST_HOLD_STACKED=N:FILE holds after N layers */
    const char *hold_file;
};

void *load_thread(void *loader);
/* Shows progress until the reader is done (0) or has published a tree to show while it reads
 * on (2, see load_live_image); 1: quit by the user. */
int load_wait(struct loader *l);
/* UI thread, once load_wait said 2: the image the view shows while loading (the manifest's
 * layers and history, texts that could hold a secret held back; no findings) with the latest
 * state's model; NULL if none is waiting. *snap is the state it shows (free with
 * load_snap_free once the view no longer reads it). Called again, it moves *img to a newer state:
 * returns img then, or NULL when there is none. */
struct image *load_live_image(struct loader *l, struct image *img, struct load_snap **snap);
/* Whether a newer state or the end of loading waits for the view (UI thread). */
int load_changed(struct loader *l);
void load_snap_free(struct loader *l, struct load_snap *s);
/* The header row while loading: bytes and layers read, layers in the tree shown, a bar. */
void load_draw_progress(struct loader *l, int y, int cols, uint32_t stacked, attr_t a);
/* Frees the image of load_live_image (its model belongs to the state). */
void load_live_free(struct image *img);
/* Frees what the loader holds besides img and an (call after the reader is done). */
void load_free(struct loader *l);

#endif
