/* registry_blobs.c: the blobs of a registry image, each checked against its digest as it passes.
 *
 * The config is fetched into memory at once; each layer blob is listed and later opened by a pool
 * worker (src/blobsrc.h), its transfer running on a thread of its own into a bounded ring that the
 * worker drains, so --jobs workers keep as many blobs in flight. The thread hashes the bytes as
 * they arrive and checks size and digest at the end; a broken transfer is resumed with Range from
 * the bytes already taken. */
#include "src/registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/sha256.h"

/* One file of the image's layout kept (data copied, or NULL for a blob left in the registry). */
static struct reg_file *collect_add(struct reg_image *ri, const char *name, const char *data, size_t n)
{
    ARR_GROW(ri->f, ri->cap, ri->n, 1);
    struct reg_file *f = &ri->f[ri->n++];
    memset(f, 0, sizeof *f);
    f->name = xstrdup(name);
    f->size = n;
    if (data) {
        f->data = xmalloc(n + 1);
        memcpy(f->data, data, n);
        f->data[n] = 0;
        f->len = n;
    }
    return f;
}

void registry_keep(struct reg *g, const char *name, const char *data, size_t n)
{
    collect_add(g->collect, name, data, n);
}

int registry_digest_hex(const char *digest, char hex[65])
{
    if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
        return -1;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)digest[7 + i]) || isupper((unsigned char)digest[7 + i]))
            return -1;
    memcpy(hex, digest + 7, 64);
    hex[64] = 0;
    return 0;
}

int registry_check_digest(struct reg *g, const char *digest, const char *data, size_t n, const char *what)
{
    char want[65], got[65];
    if (registry_digest_hex(digest, want) != 0) {
        errbuf_set(g->e, "%s/%s: %s digest %.80s is not a sha256 digest", g->host, g->repo, what, digest);
        return -1;
    }
    struct sha256 h;
    sha256_init(&h);
    sha256_update(&h, data, n);
    sha256_hex(&h, got);
    if (strcmp(want, got) != 0) {
        errbuf_set(g->e, "%s/%s: %s %s: the bytes served hash to sha256:%.12s…", g->host, g->repo, what, digest, got);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ one blob's transfer */

/* GETs the blob from byte 0 to its end into `sink`, resuming a broken transfer with Range, retrying
 * 429/5xx with backoff and answering a 401 (a token that expired). 0 when `size` bytes were
 * taken, else -1 with g->e set. The bytes are not checked here: the sink hashes them. */
static int blob_fetch(struct reg *g, const struct registry_blob *b, int (*sink)(void *, const void *, size_t),
                      void *ctx)
{
    char path[1000], url[1500];
    const char *digest = b->digest, *what = b->what;
    uint64_t size = b->size;
    struct resp r = {.max = 1 << 16, .sink = sink, .sink_ctx = ctx};
    snprintf(path, sizeof path, "%s/blobs/%s", g->repo, digest);
    int authed = 0, rc = -1;
    for (int attempt = 0; r.got < size || (size == 0 && attempt == 0); attempt++) {
        if (attempt >= REGISTRY_TRIES + 2) {
            errbuf_set(g->e, "%s/%s: %s %.19s…: the transfer broke off at %llu of %llu bytes, %d times",
                       g->host, g->repo, what, digest, (unsigned long long)r.got, (unsigned long long)size,
                       REGISTRY_TRIES);
            goto out;
        }
        snprintf(url, sizeof url, "%s://%s/v2/%s", g->scheme, g->host, path);
        CURLcode cr;
        uint64_t before = r.got;
        long st = registry_http_get(g, url, NULL, r.got, NULL, NULL, 1, &r, &cr);
        if (r.sink_failed) {
            errbuf_set(g->e, "%s: the reader stopped", g->host);
            goto out;
        }
        if (st == 401 && authed < 2 && *r.challenge && r.got == before) {
            if (registry_authenticate(g, r.challenge) != 0)
                goto out;
            authed++;
            continue;
        }
        if (before && st == 200 && r.got > before) {
            /* asked for a range, got the whole blob again: the stream is now wrong */
            errbuf_set(g->e, "%s/%s: %s %.19s…: the registry ignored a resume request", g->host, g->repo, what, digest);
            goto out;
        }
        if ((st == 200 || st == 206) && cr == CURLE_OK)
            break;
        if (st == 404) {
            errbuf_set(g->e, "%s/%s: %s %.19s… is not in the registry (404)", g->host, g->repo, what, digest);
            goto out;
        }
        if ((st && st != 200 && st != 206 && st != 429 && st < 500) || cr == CURLE_PEER_FAILED_VERIFICATION ||
            cr == CURLE_SSL_CACERT) {
            errbuf_set(g->e, "%s/%s: %s %.19s…: %s", g->host, g->repo, what, digest,
                       st ? registry_status_text(st) : curl_easy_strerror(cr));
            goto out;
        }
        if (r.got > size)
            break;
        if (r.got == before)
            registry_backoff(attempt);
        /* else: progress was made; resume at once from r.got */
    }
    if (r.got != size) {
        errbuf_set(g->e, "%s/%s: %s %.19s…: %llu bytes served, the manifest says %llu", g->host, g->repo, what,
                   digest, (unsigned long long)r.got, (unsigned long long)size);
        goto out;
    }
    rc = 0;
out:
    registry_resp_reset(&r);
    return rc;
}

/* The size and digest of a blob that has ended: 0, or -1 with e set. */
static int blob_verify(struct reg *g, struct errbuf *e, const struct registry_blob *b, struct sha256 *h,
                       uint64_t n)
{
    char hex[65], got[65];
    registry_digest_hex(b->digest, hex);
    sha256_hex(h, got);
    if (n != b->size) {
        errbuf_set(e, "%s/%s: %s %.19s…: %llu bytes served, the manifest says %llu", g->host, g->repo, b->what,
                   b->digest, (unsigned long long)n, (unsigned long long)b->size);
        return -1;
    }
    if (strcmp(got, hex) != 0) {
        errbuf_set(e, "%s/%s: %s %s: the bytes served hash to sha256:%.12s…, not its digest", g->host, g->repo,
                   b->what, b->digest, got);
        return -1;
    }
    return 0;
}

/* In-process: the config into memory (bounded by its descriptor's size, at most 64 MiB). */
struct mem_state {
    struct sha256 h;
    char *buf;
    uint64_t n, cap;
};

static int mem_sink(void *ctx, const void *p, size_t n)
{
    struct mem_state *m = ctx;
    if (n > m->cap - m->n) {
        m->n = m->cap + 1;      /* more than the manifest said: blobs_collect says so */
        return -1;
    }
    sha256_update(&m->h, p, n);
    memcpy(m->buf + m->n, p, n);
    m->n += n;
    return 0;
}

/* ------------------------------------------------------------------ blobs fetched ahead */

/* A blob fetched on a thread of its own into a ring the worker drains. */
struct ahead {
    struct reg g;              /* a copy: its own errbuf, the shared auth */
    struct errbuf err;
    const struct registry_blob *b;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *ring;
    size_t cap, head, fill;    /* bytes [head, head+fill) mod cap are waiting */
    int done, rc, cancel;
    /* this thread hashes the bytes as they arrive (in order: a resumed transfer continues where
     * the bytes stopped) and checks size and digest at the end, its verdict in rc */
    struct sha256 h;
    uint64_t hashed;
};

static int ahead_sink(void *ctx, const void *p, size_t n)
{
    struct ahead *a = ctx;
    const unsigned char *s = p;
    sha256_update(&a->h, p, n);
    a->hashed += n;
    pthread_mutex_lock(&a->mu);
    while (n > 0) {
        while (a->fill == a->cap && !a->cancel)
            pthread_cond_wait(&a->cv, &a->mu);   /* full: the transfer waits for the worker */
        if (a->cancel)
            break;
        size_t tail = (a->head + a->fill) % a->cap;
        size_t k = a->cap - a->fill;
        if (k > a->cap - tail)
            k = a->cap - tail;
        if (k > n)
            k = n;
        memcpy(a->ring + tail, s, k);
        a->fill += k;
        s += k;
        n -= k;
        pthread_cond_broadcast(&a->cv);
    }
    int stop = a->cancel;
    pthread_mutex_unlock(&a->mu);
    return stop ? -1 : 0;
}

static void *ahead_main(void *arg)
{
    struct ahead *a = arg;
    int rc = blob_fetch(&a->g, a->b, ahead_sink, a);
    if (rc == 0)
        rc = blob_verify(&a->g, a->g.e, a->b, &a->h, a->hashed);
    pthread_mutex_lock(&a->mu);
    a->rc = rc;
    a->done = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Starts fetching b on a thread; NULL when no thread could be had. */
static struct ahead *ahead_start(struct reg *g, const struct registry_blob *b, size_t max)
{
    struct ahead *a = xcalloc(1, sizeof *a);
    a->g = *g;
    a->g.e = &a->err;
    a->b = b;
    sha256_init(&a->h);
    a->cap = b->size < max ? (size_t)b->size : max;
    if (a->cap == 0)
        a->cap = 1;
    a->ring = xmalloc(a->cap);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->th, NULL, ahead_main, a) != 0) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a->ring);
        free(a);
        return NULL;
    }
    return a;
}

/* Stops the transfer if it still runs, waits for its thread, frees it. */
static void ahead_free(struct ahead *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->cancel = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->ring);
    free(a);
}

/* The config kept, each layer blob listed to be opened later. */
int registry_blobs_list(struct reg *g, const struct registry_blob *b, size_t n)
{
    char hex[65], name[100];
    for (size_t i = 0; i < n; i++) {
        if (registry_digest_hex(b[i].digest, hex) != 0) {
            errbuf_set(g->e, "%s/%s: %s digest %.80s is not a sha256 digest", g->host, g->repo, b[i].what,
                       b[i].digest);
            return -1;
        }
        snprintf(name, sizeof name, "blobs/sha256/%s", hex);
        if (i > 0) {
            struct reg_file *f = collect_add(g->collect, name, NULL, 0);
            f->size = b[i].size;
            snprintf(f->digest, sizeof f->digest, "%s", b[i].digest);
            snprintf(f->what, sizeof f->what, "%s", b[i].what);
            continue;
        }
        struct mem_state m = {.cap = b[i].size, .buf = xmalloc(b[i].size + 1)};
        sha256_init(&m.h);
        int bad = blob_fetch(g, &b[i], mem_sink, &m);
        if (m.n > m.cap) {
            errbuf_clear(g->e);
            errbuf_set(g->e, "%s/%s: %s %.19s…: more bytes served than the manifest says (%llu)", g->host,
                       g->repo, b[i].what, b[i].digest, (unsigned long long)b[i].size);
            bad = 1;
        }
        if (!bad)
            bad = blob_verify(g, g->e, &b[i], &m.h, m.n);
        if (!bad)
            collect_add(g->collect, name, m.buf, (size_t)m.n);
        free(m.buf);
        if (bad)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ in-process blobs */

#define HANDOUT_MAX (256u << 10)   /* a read hands out at most this much of the ring, so the
                                  * transfer can refill the rest while the caller works on it */
#define RING_INPROC (2u << 20)   /* each worker reads its own blob: a short ring stays in cache */

struct reg_blob {
    struct registry_blob desc;
    struct ahead *a;
    size_t held;               /* bytes of the ring handed out last, released at the next read */
    int state;                 /* 0 reading, 1 ended and verified, -1 failed (err) */
    struct errbuf err;
};

struct reg_blob *registry_blob_open(struct reg_image *ri, size_t file)
{
    const struct reg_file *f = &ri->f[file];
    struct reg_blob *b = xcalloc(1, sizeof *b);
    b->desc.digest = f->digest;
    b->desc.size = f->size;
    snprintf(b->desc.what, sizeof b->desc.what, "%s", f->what);
    b->a = ahead_start(&ri->g, &b->desc, RING_INPROC);
    if (!b->a) {
        errbuf_set(&b->err, "%s/%s: %s: cannot start a thread for its transfer", ri->g.host, ri->g.repo, f->what);
        b->state = -1;
    }
    return b;
}

ssize_t registry_blob_read(struct reg_blob *b, const void **p)
{
    if (b->state)
        return b->state < 0 ? -1 : 0;
    struct ahead *a = b->a;
    pthread_mutex_lock(&a->mu);
    if (b->held) {
        a->head = (a->head + b->held) % a->cap;
        a->fill -= b->held;
        b->held = 0;
        pthread_cond_broadcast(&a->cv);
    }
    while (a->fill == 0 && !a->done)
        pthread_cond_wait(&a->cv, &a->mu);
    if (a->fill == 0) {        /* done (the digest checked by the thread) and drained */
        b->state = a->rc == 0 ? 1 : -1;
        if (a->rc != 0)
            errbuf_set(&b->err, "%s", a->err.msg);
        pthread_mutex_unlock(&a->mu);
        return b->state < 0 ? -1 : 0;
    }
    size_t k = a->fill < a->cap - a->head ? a->fill : a->cap - a->head;
    if (k > HANDOUT_MAX)
        k = HANDOUT_MAX;
    *p = a->ring + a->head;
    pthread_mutex_unlock(&a->mu);
    /* the thread only appends past head+fill, so [head, head+k) is ours until the next read */
    b->held = k;
    return (ssize_t)k;
}

const char *registry_blob_error(const struct reg_blob *b)
{
    return b->err.set ? b->err.msg : "the transfer failed";
}

void registry_blob_close(struct reg_blob *b)
{
    if (!b)
        return;
    ahead_free(b->a);
    free(b);
}
