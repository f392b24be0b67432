/* fuzz_common.h: what the image harnesses share: a memfd holding bytes, a counting sink, the
 * open-and-check of an image and the re-reading of its files (fetch). */
#ifndef STRATA_FUZZ_COMMON_H
#define STRATA_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "src/fetch.h"
#include "src/image.h"

struct count_sink {
    uint64_t files, bytes;
    int open;
};

static int cs_begin(void *ctx, const struct sink_file *f)
{
    struct count_sink *c = ctx;
    if (c->open || !f->path || f->path[0] != '/')
        __builtin_trap();   /* begin/end must pair up; paths are absolute */
    c->open = 1;
    c->files++;
    return 1;
}

static void cs_data(void *ctx, const void *p, size_t n)
{
    struct count_sink *c = ctx;
    const unsigned char *b = p;
    if (!c->open)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)   /* read every byte: ASan flags a bad buffer */
        c->bytes += b[i] != 0;
}

static void cs_end(void *ctx)
{
    struct count_sink *c = ctx;
    if (!c->open)
        __builtin_trap();
    c->open = 0;
}

/* What the viewer (v) and extract (x) do: read a file's bytes again from the image on disk
 * (src/fetch.c), for the first few regular files and hard links. */
static inline void fuzz_fetch_some(const struct image *img)
{
    const struct model *m = &img->model;
    int done = 0;
    for (uint32_t e = 1; e < m->n_entries && done < 6; e++) {
        const struct entry *en = &m->entries[e];
        if ((en->mode & 0170000) != 0100000 || (en->flags & (EF_WHITEOUT | EF_UNUSED)))
            continue;
        done++;
        char *buf = NULL;
        size_t len = 0;
        int trunc = 0;
        struct errbuf err = {0};
        int rc = fetch_entry(img, e, 1 << 16, &buf, &len, &trunc, &err);
        if (rc == RC_OK && (len > (1 << 16) || !buf || buf[len] != 0))
            __builtin_trap();   /* at most max bytes, NUL-terminated */
        if (rc != RC_OK && !err.msg[0])
            __builtin_trap();   /* a failure must say why */
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "fuzz: fetch entry %u: rc %d, %zu bytes%s %s\n", e, rc, len,
                    trunc ? " (truncated)" : "", err.msg);
        free(buf);
    }
}

/* Opens the image at fd (through /proc/self/fd) with content sinks on, checks the result's
 * basic promises, closes it. */
static inline void fuzz_open_fd(int fd, int no_content)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct count_sink cnt = {0};
    struct sink sk = {.ctx = &cnt, .file_begin = cs_begin, .file_data = cs_data, .file_end = cs_end};
    struct image_opts o = {.platform = NULL, .no_content = no_content, .sinks = &sk, .n_sinks = 1};
    struct image img;
    int rc = image_open(&img, path, &o);
    if (cnt.open)
        __builtin_trap();
    if (rc == RC_FATAL && !img.err.msg[0])
        __builtin_trap();   /* a failure must say why */
    if (rc != RC_FATAL)
        fuzz_fetch_some(&img);
    image_close(&img);
}

static inline int fuzz_memfd(void)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        perror("memfd_create");
        abort();
    }
    return fd;
}

static inline void write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k <= 0) {
            perror("write");
            abort();
        }
        b += k;
        n -= (size_t)k;
    }
}

#endif
