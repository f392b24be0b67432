/* fuzz_tarscan.c: the layer tar walker (src/tarscan.c) on arbitrary bytes.
 *
 * The first input byte picks the chunking: the rest of the input is handed to tar_walk_next /
 * tar_walk_data in chunks whose sizes come from a small PRNG seeded by that byte (1..1024
 * bytes, sometimes empty chunks), so headers and long-name bodies straddle chunk borders. Bit 7
 * of the byte also gives the source a skip() (the seekable path) or not (the streaming path).
 * Of every three entries' bodies, one is read through tar_walk_data, one through tar_walk_read
 * (the pull form fetch and extract use) and one is skipped.
 *
 * Build and run: tests/fuzz/run.sh (see there). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/tarscan.h"

struct fsrc {
    const unsigned char *p;
    size_t n, pos;
    uint32_t rng;
};

static uint32_t rnd(struct fsrc *s)
{
    s->rng = s->rng * 1103515245u + 12345u;
    return s->rng >> 16;
}

static int f_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct fsrc *s = ctx;
    if (s->pos >= s->n)
        return 0;
    uint32_t r = rnd(s);
    size_t k = (r & 7) == 0 ? 0 : (r & 7) == 1 ? 512 : 1 + (r >> 3) % 1024;
    if (k > s->n - s->pos)
        k = s->n - s->pos;
    *p = s->p + s->pos;
    *n = k;
    s->pos += k;
    return 1;
}

static int f_skip(void *ctx, uint64_t n)
{
    struct fsrc *s = ctx;
    if (n > s->n - s->pos) {
        s->pos = s->n;
        return -1;
    }
    s->pos += (size_t)n;
    return 0;
}

static void f_data(void *ctx, const void *p, size_t n)
{
    /* touch every byte so ASan sees reads past the chunk */
    const unsigned char *b = p;
    unsigned *acc = ctx;
    for (size_t i = 0; i < n; i++)
        *acc += b[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fsrc s = {data + 1, size - 1, 0, data[0] * 2654435761u + 1};
    struct chunk_src cs = {&s, f_next, (data[0] & 0x80) ? f_skip : NULL, NULL};
    struct tar_walk w;
    struct tar_entry e;
    tar_walk_init(&w, &cs);
    unsigned acc = 0;
    int r;
    uint64_t n = 0;
    while ((r = tar_walk_next(&w, &e)) == 1) {
        /* the entry's strings must be NUL-terminated where they say */
        if (strlen(e.path) != e.path_len)
            __builtin_trap();
        if (e.link)
            acc += (unsigned)strlen(e.link);
        n++;
        if (n % 3 == 1 && tar_walk_data(&w, f_data, &acc) != 0)
            break;
        if (n % 3 == 2) {   /* the pull form (fetch, extract): pieces of the body in turn */
            const unsigned char *p;
            size_t k;
            int rr;
            uint64_t got = 0;
            while ((rr = tar_walk_read(&w, &p, &k)) == 1) {
                f_data(&acc, p, k);
                got += k;
            }
            if (rr < 0)
                break;
            if (e.type == TT_FILE && got != e.size)
                __builtin_trap();   /* a complete read gives the header's size */
        }
        if (n > 100000)
            break;
    }
    if (r < 0 && !w.err[0])
        __builtin_trap();   /* an error must say why */
    tar_walk_free(&w);
    (void)acc;
    return 0;
}
