/* prefetch.h: the rollups of the layers next to the one the tree shows, built in the
 * background (ui/prefetch.c). UI thread only; the model must not change while it lives (the
 * loaded image's). */
#ifndef STRATA_UI_PREFETCH_H
#define STRATA_UI_PREFETCH_H

#include "src/model.h"
#include "ui/rows.h"

struct prefetch;

struct prefetch *prefetch_new(const struct model *m);
/* Between keys: takes a finished layer into r's cache, starts the next neighbour of r->layer
 * that is not cached. Returns the layer taken, or -1. */
int prefetch_poll(struct prefetch *p, struct rows *r);
/* Before r moves to `layer`: if that is the one being built, waits for it and caches it. */
void prefetch_wait(struct prefetch *p, struct rows *r, int layer);
/* Waits for a running build, caches or frees it, frees p. */
void prefetch_free(struct prefetch *p, struct rows *r);

#endif
