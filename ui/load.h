/* load.h: the reader thread and the loading screen.
 *
 *   struct loader *l = xcalloc(1, sizeof *l);  l->args = *args;
 *   pthread_create(&t, NULL, load_thread, l);  // or load_thread(l) without a thread
 *   if (load_wait(l) == 1) ...                 // the user quit while loading: leave the thread
 *   pthread_join(t, NULL);                     // then l->rc, l->img, l->an are the reader's
 *   load_free(l);                              // what the loader made for the loading screen
 * Before the reader is done the UI thread reads only `finished`, the progress counters and the
 * preview: the layer list copied by the reader once the manifest is read, published whole
 * through an atomic pointer and never changed after. */
#ifndef STRATA_UI_LOAD_H
#define STRATA_UI_LOAD_H

#include "analysis/analysis.h"
#include "src/image.h"
#include "src/sink.h"
#include "ui/ui.h"

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
};

void *load_thread(void *loader);
/* Shows progress until the reader is done: 0 loaded, 1 quit by the user. */
int load_wait(struct loader *l);
/* Frees what the loader holds besides img and an (call after the reader is done). */
void load_free(struct loader *l);

#endif
