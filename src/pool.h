/* pool.h: jobs 0..n-1 run on worker threads, started in index order, finished in index order.
 *
 *   struct pool *p = pool_start(workers, caller_helps, n, window, prepare, run, ctx);
 *   for (size_t i = 0; i < n; i++) {
 *       pool_wait(p, i);        // job i has run; meanwhile this thread may run jobs no worker took
 *       ... merge job i's result ...
 *   }
 *   pool_stop(p);               // joins the workers; jobs not started by then never run
 *
 *   prepare(ctx, i)  on the calling thread, before job i can start (e.g. forking sinks);
 *   run(ctx, i)      on a worker thread or on the calling thread (inside pool_wait).
 * A job is handed out only when its index is below (jobs waited for) + window, so at most about
 * window jobs' results wait to be merged. `workers` threads are started besides the calling
 * thread. With caller_helps, pool_wait runs jobs as well (workers + 1 at once); without, the
 * calling thread only merges, so that merging overlaps the workers' jobs and no more than
 * `workers` run at once. When pthread_create fails the pool runs with those it got, down to none
 * (then every job runs inside pool_wait on the calling thread, whatever caller_helps says). */
#ifndef STRATA_POOL_H
#define STRATA_POOL_H

#include <stddef.h>

struct pool;

typedef void (*pool_fn)(void *ctx, size_t i);

struct pool *pool_start(unsigned workers, int caller_helps, size_t n, size_t window, pool_fn prepare,
                        pool_fn run, void *ctx);
void pool_wait(struct pool *p, size_t i);
/* Waits for the jobs running, joins the workers, frees p. */
void pool_stop(struct pool *p);
/* Worker threads started (for tests: 0 when pthread_create failed). */
unsigned pool_workers(const struct pool *p);

/* The default for --jobs: the online cores, at least 1. */
unsigned pool_default_jobs(void);

#endif
