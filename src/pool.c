#include "src/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "src/util.h"

enum { J_WAITING, J_RUNNING, J_DONE };

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n, window;
    size_t next;            /* next job to hand out */
    size_t released;        /* jobs below this may start (prepared) */
    unsigned char *state;   /* J_* per job */
    int stop;
    int caller_helps;       /* pool_wait runs jobs too (else only when no worker started) */
    pool_fn prepare, run;
    void *ctx;
    pthread_t *t;
    unsigned n_t;
};

/* Under p->mu: takes the next job that may start, or returns 0. */
static int take(struct pool *p, size_t *i)
{
    if (p->stop || p->next >= p->released)
        return 0;
    *i = p->next++;
    p->state[*i] = J_RUNNING;
    return 1;
}

/* Under p->mu: runs job i unlocked, then marks it done. */
static void run_one(struct pool *p, size_t i)
{
    pthread_mutex_unlock(&p->mu);
    p->run(p->ctx, i);
    pthread_mutex_lock(&p->mu);
    p->state[i] = J_DONE;
    pthread_cond_broadcast(&p->cv);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        size_t i;
        if (take(p, &i)) {
            run_one(p, i);
            continue;
        }
        if (p->stop || p->next >= p->n)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Prepares and releases the jobs below `upto` (calling thread only). */
static void release(struct pool *p, size_t upto)
{
    if (upto > p->n)
        upto = p->n;
    size_t from = p->released;    /* only this thread writes released */
    if (from >= upto)
        return;
    for (size_t i = from; i < upto; i++)
        if (p->prepare)
            p->prepare(p->ctx, i);
    pthread_mutex_lock(&p->mu);
    p->released = upto;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

struct pool *pool_start(unsigned workers, int caller_helps, size_t n, size_t window, pool_fn prepare,
                        pool_fn run, void *ctx)
{
    struct pool *p = xcalloc(1, sizeof *p);
    p->caller_helps = caller_helps;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->n = n;
    p->window = window ? window : 1;
    p->state = xcalloc(n ? n : 1, 1);
    p->prepare = prepare;
    p->run = run;
    p->ctx = ctx;
    release(p, p->window);
    if (workers > n)
        workers = (unsigned)n;
    p->t = xcalloc(workers ? workers : 1, sizeof *p->t);
    for (unsigned k = 0; k < workers; k++) {
        if (pthread_create(&p->t[p->n_t], NULL, worker, p) != 0)
            break;          /* fewer threads; the calling thread still runs every job left */
        p->n_t++;
    }
    return p;
}

void pool_wait(struct pool *p, size_t i)
{
    pthread_mutex_lock(&p->mu);
    while (p->state[i] != J_DONE) {
        size_t j;
        /* Help rather than sleep: the job waited for, or the next one nobody has taken. */
        if ((p->caller_helps || !p->n_t) && take(p, &j))
            run_one(p, j);
        else
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    release(p, i + 1 + p->window);
}

void pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned k = 0; k < p->n_t; k++)
        pthread_join(p->t[k], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->state);
    free(p->t);
    free(p);
}

unsigned pool_workers(const struct pool *p)
{
    return p->n_t;
}

unsigned pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 256 ? 256 : n) : 1;
}
