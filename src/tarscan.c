#include "src/tarscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"

void tar_walk_init(struct tar_walk *w, struct chunk_src *src)
{
    memset(w, 0, sizeof *w);
    w->src = src;
}

void tar_walk_free(struct tar_walk *w)
{
    free(w->path);
    free(w->link);
    free(w->lname);
    free(w->llink);
    memset(w, 0, sizeof *w);
}

/* Records the first failure only: a source failure met while skipping a body stays a source
 * failure and is not re-worded as a truncation further up. Returns -1. */
static int set_fail(struct tar_walk *w, int kind, const char *msg)
{
    if (!w->fail) {
        w->fail = kind;
        snprintf(w->err, sizeof w->err, "%s", msg);
    }
    return -1;
}

static int src_fail(struct tar_walk *w, const char *what)
{
    const char *e = w->src->error ? w->src->error(w->src->ctx) : NULL;
    return set_fail(w, TF_SOURCE, e && *e ? e : what);
}

/* Makes at least one unread byte available: 1, 0 at the end of the source, -1 on error. */
static int fill(struct tar_walk *w)
{
    while (!w->avail) {
        int r = w->src->next(w->src->ctx, &w->p, &w->avail);
        if (r <= 0)
            return r < 0 ? src_fail(w, "read error") : 0;
    }
    return 1;
}

/* Drops n bytes: seeks where the source can. 0, or -1 when the source ends first. */
static int drop(struct tar_walk *w, uint64_t n)
{
    if (n <= w->avail) {
        w->p += n;
        w->avail -= (size_t)n;
        return 0;
    }
    n -= w->avail;
    w->avail = 0;
    if (w->src->skip) {
        if (w->src->skip(w->src->ctx, n) != 0)
            return -1;
        return 0;
    }
    while (n) {
        int r = fill(w);
        if (r <= 0)
            return -1;
        size_t k = n < w->avail ? (size_t)n : w->avail;
        w->p += k;
        w->avail -= k;
        n -= k;
    }
    return 0;
}

/* Points *h at the next 512-byte block. 1, 0 at a clean end, -1 on a short block. */
static int block(struct tar_walk *w, const unsigned char **h)
{
    int r = fill(w);
    if (r <= 0)
        return r;
    if (w->avail >= 512) {
        *h = w->p;
        w->p += 512;
        w->avail -= 512;
        return 1;
    }
    size_t got = 0;
    while (got < 512) {
        r = fill(w);
        if (r <= 0)
            return -1;
        size_t k = 512 - got < w->avail ? 512 - got : w->avail;
        memcpy(w->hdr + got, w->p, k);
        got += k;
        w->p += k;
        w->avail -= k;
    }
    *h = w->hdr;
    return 1;
}

/* Octal, or GNU base-256 when the top bit of the first byte is set. */
static int64_t num(const unsigned char *f, size_t n)
{
    if (f[0] & 0x80) {
        uint64_t v = f[0] & 0x3f;
        int neg = f[0] & 0x40;
        for (size_t i = 1; i < n; i++)
            v = (v << 8) | f[i];
        return neg ? -(int64_t)(~v & 0x3fffffffffffffffULL) - 1 : (int64_t)v;
    }
    int64_t v = 0;
    size_t i = 0;
    while (i < n && (f[i] == ' ' || f[i] == 0))
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        v = v * 8 + (f[i] - '0');
    return v;
}

/* The header checksum: the byte sum with the checksum field taken as spaces. Most tars use
 * unsigned bytes, some old ones signed; the signed sum is only tried when the first fails. The
 * unsigned sum goes eight bytes at a time (it runs once per member: a million times a layer). */
static int checksum_ok(const unsigned char *h)
{
    int64_t want = num(h + 148, 8);
    uint64_t acc = 0;
    for (int i = 0; i < 512; i += 8) {
        uint64_t w;
        memcpy(&w, h + i, 8);
        acc += (w & 0x00ff00ff00ff00ffULL) + ((w >> 8) & 0x00ff00ff00ff00ffULL);
    }
    /* 64 words x 2 bytes x 255 fits each 16-bit lane */
    uint64_t u = (acc & 0xffff) + ((acc >> 16) & 0xffff) + ((acc >> 32) & 0xffff) + (acc >> 48);
    for (int i = 148; i < 156; i++)
        u += (uint64_t)' ' - h[i];
    if ((int64_t)u == want)
        return 1;
    int64_t sg = 0;
    for (int i = 0; i < 512; i++)
        sg += (i >= 148 && i < 156) ? ' ' : (signed char)h[i];
    return sg == want;
}

static int is_zero(const unsigned char *h)
{
    for (int i = 0; i < 512; i++)
        if (h[i])
            return 0;
    return 1;
}

static void set_str(char **dst, size_t *cap, const char *s, size_t n)
{
    ARR_GROW(*dst, *cap, 0, n + 1);
    memcpy(*dst, s, n);
    (*dst)[n] = 0;
}

/* Reads a body of n bytes (a long name or pax records) into a fresh buffer. */
static char *read_body(struct tar_walk *w, uint64_t n, size_t *len)
{
    if (n > (64u << 20)) {
        char m[64];
        snprintf(m, sizeof m, "extended header of %llu bytes", (unsigned long long)n);
        set_fail(w, TF_TOO_BIG, m);
        return NULL;
    }
    char *b = xmalloc((size_t)n + 1);
    size_t got = 0;
    while (got < n) {
        if (fill(w) <= 0) {
            free(b);
            set_fail(w, TF_TRUNCATED, "truncated tar archive");
            return NULL;
        }
        size_t k = n - got < w->avail ? (size_t)(n - got) : w->avail;
        memcpy(b + got, w->p, k);
        got += k;
        w->p += k;
        w->avail -= k;
    }
    b[n] = 0;
    *len = (size_t)n;
    uint64_t pad = (512 - (n % 512)) % 512;
    if (drop(w, pad) != 0) {
        free(b);
        set_fail(w, TF_TRUNCATED, "truncated tar archive");
        return NULL;
    }
    return b;
}

/* pax records "LEN key=value\n" */
static void parse_pax(struct tar_walk *w, const char *b, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        uint64_t len = 0;
        while (j < n && b[j] >= '0' && b[j] <= '9')
            len = len * 10 + (uint64_t)(b[j++] - '0');
        /* the record must hold its own "LEN " and more: a LEN shorter than its digits (e.g.
         * "00005 path=x") put the key past the record's end, and memchr ran off the buffer */
        if (j >= n || b[j] != ' ' || len < 5 || len > n - i || len <= j + 1 - i)
            break;
        const char *key = b + j + 1, *end = b + i + len - 1;  /* end at the '\n' */
        const char *eq = memchr(key, '=', (size_t)(end - key));
        if (!eq)
            break;
        size_t kl = (size_t)(eq - key), vl = (size_t)(end - eq - 1);
        const char *v = eq + 1;
        if (kl == 4 && !memcmp(key, "path", 4)) {
            set_str(&w->lname, &w->lname_cap, v, vl);
            w->have_lname = 1;
        } else if (kl == 8 && !memcmp(key, "linkpath", 8)) {
            set_str(&w->llink, &w->llink_cap, v, vl);
            w->have_llink = 1;
        } else if (kl == 4 && !memcmp(key, "size", 4)) {
            w->pax_size = strtoll(v, NULL, 10);
            w->have_pax_size = 1;
        } else if (kl == 3 && !memcmp(key, "uid", 3)) {
            w->pax_uid = strtoll(v, NULL, 10);
            w->have_pax_uid = 1;
        } else if (kl == 3 && !memcmp(key, "gid", 3)) {
            w->pax_gid = strtoll(v, NULL, 10);
            w->have_pax_gid = 1;
        } else if (kl == 5 && !memcmp(key, "mtime", 5)) {
            w->pax_mtime = strtoll(v, NULL, 10);
            w->have_pax_mtime = 1;
        }
        i += (size_t)len;
    }
}

static size_t field_len(const unsigned char *f, size_t n)
{
    const unsigned char *z = memchr(f, 0, n);
    return z ? (size_t)(z - f) : n;
}

int tar_walk_next(struct tar_walk *w, struct tar_entry *e)
{
    /* finish the previous entry */
    if (w->body_left || w->pad_left) {
        if (drop(w, w->body_left + w->pad_left) != 0)
            return set_fail(w, TF_TRUNCATED, "truncated tar archive");
        w->body_left = w->pad_left = 0;
    }
    for (;;) {
        const unsigned char *h = NULL;
        int r = block(w, &h);
        if (r == 0)
            return 0;   /* the end of the blob (an empty blob is an empty layer) */
        if (r < 0 && !w->entries && !w->fail) {
            w->bad_first = 1;   /* less than one header in all: nothing says it was ever a tar */
            return set_fail(w, TF_NOT_TAR, "not a tar archive");
        }
        if (r < 0)
            return set_fail(w, TF_TRUNCATED, "truncated tar archive");
        if (is_zero(h))
            return 0;   /* end-of-archive marker; what follows is padding */
        if (!checksum_ok(h)) {
            if (!w->entries) {
                w->bad_first = 1;
                return set_fail(w, TF_NOT_TAR, "not a tar archive");
            }
            char m[80];
            snprintf(m, sizeof m, "corrupt tar header after %llu entries", (unsigned long long)w->entries);
            return set_fail(w, TF_CORRUPT, m);
        }
        char tf = (char)h[156];
        int64_t size = num(h + 124, 12);
        if (size < 0)
            return set_fail(w, TF_CORRUPT, "corrupt tar header (negative size)");
        if (tf == 'x' || tf == 'g' || tf == 'L' || tf == 'K' || tf == 'X') {
            size_t n;
            char *b = read_body(w, (uint64_t)size, &n);
            if (!b)
                return -1;
            w->entries++;
            if (tf == 'x' || tf == 'X')
                parse_pax(w, b, n);
            else if (tf == 'L') {
                set_str(&w->lname, &w->lname_cap, b, strlen(b));
                w->have_lname = 1;
            } else if (tf == 'K') {
                set_str(&w->llink, &w->llink_cap, b, strlen(b));
                w->have_llink = 1;
            }
            /* 'g': global pax records apply to every later entry; no builder writes the keys
             * that matter here, so they are read and dropped */
            free(b);
            continue;
        }
        w->entries++;
        uint64_t body = (uint64_t)size;
        if (w->have_pax_size && w->pax_size < 0) {
            /* "size=-1" made a body of 2^64-1 whose padding wrapped body_left + pad_left to 0:
             * the walk went on inside the body and the model got a file of 2^64-1 bytes */
            return set_fail(w, TF_CORRUPT, "corrupt tar header (negative size)");
        }
        if (w->have_pax_size)
            body = (uint64_t)w->pax_size;
        /* name: pax/GNU long name, else ustar prefix + name */
        if (w->have_lname) {
            set_str(&w->path, &w->path_cap, w->lname, strlen(w->lname));
        } else {
            size_t nl = field_len(h, 100);
            int ustar = memcmp(h + 257, "ustar\0", 6) == 0;
            size_t pl = ustar ? field_len(h + 345, 155) : 0;
            if (pl) {
                char tmp[100 + 155 + 2];
                memcpy(tmp, h + 345, pl);
                tmp[pl] = '/';
                memcpy(tmp + pl + 1, h, nl);
                set_str(&w->path, &w->path_cap, tmp, pl + 1 + nl);
            } else {
                set_str(&w->path, &w->path_cap, (const char *)h, nl);
            }
        }
        const char *link = NULL;
        if (w->have_llink) {
            set_str(&w->link, &w->link_cap, w->llink, strlen(w->llink));
            link = w->link;
        } else if (h[157]) {
            set_str(&w->link, &w->link_cap, (const char *)h + 157, field_len(h + 157, 100));
            link = w->link;
        }
        uint32_t mode = (uint32_t)num(h + 100, 8) & 07777;
        int type;
        size_t plen = strlen(w->path);
        switch (tf) {
        case '0': case 0: case '7': case 'S':
            type = TT_FILE;
            mode |= 0100000;
            /* old tars mark directories by a trailing slash only */
            if (plen && w->path[plen - 1] == '/' && tf != 'S') {
                type = TT_DIR;
                mode = (mode & 07777) | 0040000;
            }
            break;
        case '1': type = TT_HARDLINK; mode |= 0100000; break;
        case '2': type = TT_SYMLINK; mode |= 0120000; break;
        case '3': type = TT_OTHER; mode |= 0020000; break;
        case '4': type = TT_OTHER; mode |= 0060000; break;
        case '5': case 'D': type = TT_DIR; mode |= 0040000; break;
        case '6': type = TT_OTHER; mode |= 0010000; break;
        default: type = TT_OTHER; mode |= 0100000; break;   /* unknown: a file we do not count */
        }
        if (type != TT_HARDLINK && type != TT_SYMLINK)
            link = NULL;
        e->path = w->path;
        e->path_len = plen;
        e->link = link;
        e->type = type;
        e->mode = mode;
        /* Hard links, directories and symlinks carry no body that counts (formats.md). */
        e->size = type == TT_FILE ? body : 0;
        e->uid = (uint32_t)(w->have_pax_uid ? w->pax_uid : num(h + 108, 8));
        e->gid = (uint32_t)(w->have_pax_gid ? w->pax_gid : num(h + 116, 8));
        e->mtime = w->have_pax_mtime ? w->pax_mtime : num(h + 136, 12);
        w->have_lname = w->have_llink = 0;
        w->have_pax_uid = w->have_pax_gid = w->have_pax_mtime = 0;
        /* POSIX: links, directories and devices have no body whatever the size field says;
         * regular files, unknown types and GNU dumpdirs ('D') do */
        if (tf == '1' || tf == '2' || tf == '3' || tf == '4' || tf == '5' || tf == '6')
            body = 0;
        w->have_pax_size = 0;
        w->body_left = body;
        w->pad_left = (512 - (body % 512)) % 512;
        return 1;
    }
}

int tar_walk_data(struct tar_walk *w, void (*fn)(void *ctx, const void *p, size_t n), void *ctx)
{
    while (w->body_left) {
        int r = fill(w);
        if (r <= 0)
            return set_fail(w, TF_TRUNCATED, "truncated tar archive");
        size_t k = w->body_left < w->avail ? (size_t)w->body_left : w->avail;
        fn(ctx, w->p, k);
        w->p += k;
        w->avail -= k;
        w->body_left -= k;
    }
    return 0;
}

int tar_walk_read(struct tar_walk *w, const unsigned char **p, size_t *n)
{
    if (!w->body_left)
        return 0;
    int r = fill(w);
    if (r <= 0)
        return set_fail(w, TF_TRUNCATED, "truncated tar archive");
    size_t k = w->body_left < w->avail ? (size_t)w->body_left : w->avail;
    *p = w->p;
    *n = k;
    w->p += k;
    w->avail -= k;
    w->body_left -= k;
    return 1;
}
