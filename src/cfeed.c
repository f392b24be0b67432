/* cfeed.c: a layer's file contents fed to its sinks on a thread of their own (cfeed.h). */
#include "src/cfeed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"

/* The ring holds bodies copied by the walk and not yet fed; the queue says what they are.
 * 4 MiB: a few slots of decompressed bytes, so that neither side waits on the other's pace
 * from one file to the next. */
#define RING (4u << 20)
#define PIECE (RING / 4)       /* at most this much per DATA event: the ring never holds less */
#define QLEN 4096

enum { EV_BEGIN, EV_DATA, EV_END };

struct ev {
    int kind;
    struct sink_file sf;       /* EV_BEGIN; sf.path is a copy this module frees */
    size_t len;                /* EV_DATA: bytes at the ring's read position */
};

struct cfeed {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t t;
    unsigned char *ring;
    size_t rd, wr;             /* bytes ever taken out of / put into the ring */
    struct ev q[QLEN];
    size_t head, count;
    int done;
    const struct image_opts *o;
};

/* Under f->mu: waits until room for an event and n more ring bytes. */
static void wait_room(struct cfeed *f, size_t n)
{
    while (f->count == QLEN || RING - (f->wr - f->rd) < n)
        pthread_cond_wait(&f->cv, &f->mu);
}

/* Under f->mu. */
static void put(struct cfeed *f, const struct ev *e)
{
    f->q[(f->head + f->count) % QLEN] = *e;
    f->count++;
    pthread_cond_broadcast(&f->cv);
}

static void *feed_main(void *arg)
{
    struct cfeed *f = arg;
    const struct image_opts *o = f->o;
    uint8_t *wants = xcalloc(o->n_sinks ? o->n_sinks : 1, 1);
    int any = 0;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        while (!f->count && !f->done)
            pthread_cond_wait(&f->cv, &f->mu);
        if (!f->count) {
            pthread_mutex_unlock(&f->mu);
            break;
        }
        struct ev e = f->q[f->head];
        size_t at = f->rd % RING;
        pthread_mutex_unlock(&f->mu);

        /* The sinks are this thread's alone from cfeed_start to cfeed_finish. */
        if (e.kind == EV_BEGIN) {
            any = 0;
            for (size_t i = 0; i < o->n_sinks; i++) {
                wants[i] = o->sinks[i].file_begin ? (uint8_t)(o->sinks[i].file_begin(o->sinks[i].ctx, &e.sf) != 0)
                                                  : 0;
                any |= wants[i];
            }
            free((char *)e.sf.path);
        } else if (e.kind == EV_DATA && any) {
            size_t first = e.len < RING - at ? e.len : RING - at;   /* the ring may wrap inside */
            for (size_t i = 0; i < o->n_sinks; i++)
                if (wants[i]) {
                    o->sinks[i].file_data(o->sinks[i].ctx, f->ring + at, first);
                    if (first < e.len)
                        o->sinks[i].file_data(o->sinks[i].ctx, f->ring, e.len - first);
                }
        } else if (e.kind == EV_END) {
            for (size_t i = 0; any && i < o->n_sinks; i++)
                if (wants[i] && o->sinks[i].file_end)
                    o->sinks[i].file_end(o->sinks[i].ctx);
            any = 0;
        }

        pthread_mutex_lock(&f->mu);
        if (e.kind == EV_DATA)
            f->rd += e.len;
        f->head = (f->head + 1) % QLEN;
        f->count--;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
    }
    free(wants);
    return NULL;
}

struct cfeed *cfeed_start(const struct image_opts *o)
{
    struct cfeed *f = xcalloc(1, sizeof *f);
    f->o = o;
    f->ring = xmalloc(RING);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (pthread_create(&f->t, NULL, feed_main, f) != 0) {
        pthread_mutex_destroy(&f->mu);
        pthread_cond_destroy(&f->cv);
        free(f->ring);
        free(f);
        return NULL;
    }
    return f;
}

void cfeed_begin(struct cfeed *f, const struct sink_file *sf)
{
    struct ev e = {.kind = EV_BEGIN, .sf = *sf};
    e.sf.path = xstrdup(sf->path);
    pthread_mutex_lock(&f->mu);
    wait_room(f, 0);
    put(f, &e);
    pthread_mutex_unlock(&f->mu);
}

void cfeed_data(void *ctx, const void *p, size_t n)
{
    struct cfeed *f = ctx;
    const unsigned char *s = p;
    while (n) {
        size_t k = n < PIECE ? n : PIECE;
        pthread_mutex_lock(&f->mu);
        wait_room(f, k);
        size_t at = f->wr % RING;
        pthread_mutex_unlock(&f->mu);
        /* the bytes between wr and rd + RING are the writer's: copied unlocked */
        size_t first = k < RING - at ? k : RING - at;
        memcpy(f->ring + at, s, first);
        memcpy(f->ring, s + first, k - first);
        pthread_mutex_lock(&f->mu);
        f->wr += k;
        put(f, &(struct ev){.kind = EV_DATA, .len = k});
        pthread_mutex_unlock(&f->mu);
        s += k;
        n -= k;
    }
}

void cfeed_end(struct cfeed *f)
{
    pthread_mutex_lock(&f->mu);
    wait_room(f, 0);
    put(f, &(struct ev){.kind = EV_END});
    pthread_mutex_unlock(&f->mu);
}

void cfeed_finish(struct cfeed *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->done = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->t, NULL);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f->ring);
    free(f);
}
