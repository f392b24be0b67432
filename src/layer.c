#include "src/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>

int layer_sniff(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return COMP_GZIP;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return COMP_ZSTD;
    return COMP_NONE;
}

int layer_looks_like_blob(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (layer_sniff(p, n) != COMP_NONE)
        return 1;
    if (n >= 263 && memcmp(b + 257, "ustar", 5) == 0)
        return 1;
    if (n >= 512) {
        /* an empty tar is all zeros; an old v7 tar header has a valid checksum */
        size_t z = 0;
        while (z < 512 && b[z] == 0)
            z++;
        if (z == 512)
            return 1;
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : b[i];
        char ck[9];
        memcpy(ck, b + 148, 8);
        ck[8] = 0;
        return (unsigned)strtoul(ck, NULL, 8) == sum;
    }
    return 0;
}

static void advance(struct layer_src *s, uint64_t n)
{
    s->consumed += n;
    if (s->progress)
        atomic_fetch_add(s->progress, n);
}

static la_ssize_t src_read(struct archive *a, void *ud, const void **out)
{
    struct layer_src *s = ud;
    (void)a;
    if (s->fd >= 0) {
        uint64_t left = s->len - s->pos;
        size_t want = left < s->bufsz ? (size_t)left : s->bufsz;
        if (want == 0)
            return 0;
        ssize_t r;
        do
            r = pread(s->fd, s->buf, want, (off_t)(s->off + s->pos));
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            archive_set_error(a, errno, "read error: %s", strerror(errno));
            return -1;
        }
        s->pos += (uint64_t)r;
        advance(s, (uint64_t)r);
        *out = s->buf;
        return r;
    }
    if (!s->peek_used && s->peek_len) {
        s->peek_used = 1;
        *out = s->peek;
        advance(s, s->peek_len);
        return (la_ssize_t)s->peek_len;
    }
    const void *blk;
    size_t sz;
    la_int64_t off;
    int r = archive_read_data_block(s->outer, &blk, &sz, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        archive_set_error(a, archive_errno(s->outer) ? archive_errno(s->outer) : EIO, "%s",
                          archive_error_string(s->outer) ? archive_error_string(s->outer) : "read error");
        return -1;
    }
    *out = blk;
    advance(s, sz);
    return (la_ssize_t)sz;
}

/* Only ranges of files can skip: libarchive then skips file bodies without reading them. */
static la_int64_t src_skip(struct archive *a, void *ud, la_int64_t req)
{
    struct layer_src *s = ud;
    (void)a;
    if (s->fd < 0 || req <= 0)
        return 0;
    uint64_t left = s->len - s->pos;
    uint64_t n = (uint64_t)req < left ? (uint64_t)req : left;
    s->pos += n;
    advance(s, n);
    return (la_int64_t)n;
}

/* Splits a member name into a clean relative path; notes names that try to leave the root. */
static size_t clean_name(const char *in, char *out, size_t outsz, int *odd)
{
    size_t o = 0;
    const char *s = in;
    *odd = 0;
    int absolute = (*s == '/');
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, "/");
        if (n == 1 && s[0] == '.') {
            s += n;
            continue;
        }
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            *odd = 1;
            /* climb, but never above the root */
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            s += n;
            continue;
        }
        if (o + n + 2 >= outsz) {
            *odd = 1;
            break;
        }
        if (o)
            out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    out[o] = 0;
    /* "/" alone is the root entry some builders write (kaniko); "/etc/x" is not a layer name */
    if (absolute && o)
        *odd = 1;
    return o;
}

int layer_read(struct model *m, uint32_t blob, struct layer_src *src, const struct image_opts *o,
               struct layer_result *res, struct errbuf *err)
{
    memset(res, 0, sizeof *res);
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_empty(a);
    archive_read_set_callback_data(a, src);
    archive_read_set_read_callback(a, src_read);
    if (src->fd >= 0)
        archive_read_set_skip_callback(a, src_skip);
    int rc = RC_OK;
    if (archive_read_open1(a) != ARCHIVE_OK) {
        const char *e = archive_error_string(a);
        if (e && strstr(e, "Unrecognized archive format"))
            errbuf_set(err, "not a tar archive");
        else
            errbuf_set(err, "%s", e ? e : "cannot read");
        archive_read_free(a);
        return RC_FATAL;
    }
    int fcode = archive_filter_code(a, 0);
    res->compression = fcode == ARCHIVE_FILTER_GZIP ? COMP_GZIP
                     : fcode == ARCHIVE_FILTER_ZSTD ? COMP_ZSTD : COMP_NONE;

    int want_content = !o->no_content && o->n_sinks > 0;
    uint8_t *wants = want_content ? xcalloc(o->n_sinks, 1) : NULL;
    char *name = xmalloc(65536);
    char *full = xmalloc(65536 + 2);
    struct archive_entry *ae;
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY)
            continue;
        if (r == ARCHIVE_WARN)
            res->read_warnings++;
        else if (r != ARCHIVE_OK) {
            const char *e = archive_error_string(a);
            errbuf_set(err, "%s", e ? e : "corrupt tar header");
            rc = RC_FATAL;
            break;
        }
        const char *pn = archive_entry_pathname(ae);
        if (!pn)
            pn = archive_entry_pathname_utf8(ae);
        if (!pn)
            pn = "";
        int odd = 0;
        size_t len = clean_name(pn, name, 65536, &odd);
        if (odd || len == 0) {
            if (len == 0 && strcmp(pn, "./") != 0 && strcmp(pn, ".") != 0 && strcmp(pn, "/") != 0)
                odd = 1;
            if (odd && !res->odd_paths++)
                util_escape(pn, res->odd_example, sizeof res->odd_example);
        }
        if (len == 0)
            continue;       /* the root itself */
        const char *base = strrchr(name, '/');
        size_t dirlen = base ? (size_t)(base - name) : 0;
        base = base ? base + 1 : name;
        if (res->compression == COMP_GZIP && dirlen == 0 &&
            (strcmp(base, "stargz.index.json") == 0 || strcmp(base, ".prefetch.landmark") == 0 ||
             strcmp(base, ".no.prefetch.landmark") == 0)) {
            res->estargz = 1;   /* eStargz metadata, not a file of the image */
            continue;
        }
        unsigned mode = archive_entry_mode(ae) & 0xffff;
        res->entries++;
        if (strncmp(base, ".wh.", 4) == 0) {
            if (strcmp(base, ".wh..wh..opq") == 0) {
                uint32_t p = model_intern_path(m, name, dirlen);
                model_add_entry(m, blob, p, 0, 0040755, EF_OPAQUE | EF_IMPLICIT, 0, 0, 0, NULL);
            } else {
                /* dir/.wh.NAME deletes dir/NAME */
                memmove((char *)base, base + 4, strlen(base + 4) + 1);
                uint32_t p = model_intern_path(m, name, strlen(name));
                model_add_entry(m, blob, p, 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
            }
            continue;
        }
        uint32_t p = model_intern_path(m, name, len);
        const char *hl = archive_entry_hardlink(ae);
        const char *sl = archive_entry_symlink(ae);
        uint16_t flags = 0;
        uint64_t size = 0;
        if (hl) {
            flags |= EF_HARDLINK;
            mode = 0100000 | (mode & 07777);
        } else if ((mode & 0170000) == 0100000 || (mode & 0170000) == 0) {
            mode = 0100000 | (mode & 07777);
            la_int64_t sz = archive_entry_size(ae);
            size = sz > 0 ? (uint64_t)sz : 0;
        }
        uint32_t e = model_add_entry(m, blob, p, size, (uint16_t)mode, flags,
                                     (uint32_t)archive_entry_uid(ae), (uint32_t)archive_entry_gid(ae),
                                     (int64_t)archive_entry_mtime(ae), hl ? hl : sl);
        if (!want_content || flags || (mode & 0170000) != 0100000)
            continue;
        full[0] = '/';
        memcpy(full + 1, name, len + 1);
        struct sink_file sf = {blob, e, full, size, (uint16_t)mode};
        int any = 0;
        for (size_t i = 0; i < o->n_sinks; i++) {
            wants[i] = o->sinks[i].file_begin ? (uint8_t)(o->sinks[i].file_begin(o->sinks[i].ctx, &sf) != 0) : 0;
            any |= wants[i];
        }
        if (!any)
            continue;
        const void *blk;
        size_t sz;
        la_int64_t off;
        int dr;
        while ((dr = archive_read_data_block(a, &blk, &sz, &off)) == ARCHIVE_OK || dr == ARCHIVE_WARN) {
            for (size_t i = 0; i < o->n_sinks; i++)
                if (wants[i] && sz)
                    o->sinks[i].file_data(o->sinks[i].ctx, blk, sz);
        }
        for (size_t i = 0; i < o->n_sinks; i++)
            if (wants[i] && o->sinks[i].file_end)
                o->sinks[i].file_end(o->sinks[i].ctx);
        if (dr != ARCHIVE_EOF) {
            const char *em = archive_error_string(a);
            errbuf_set(err, "%s", em ? em : "corrupt file data");
            rc = RC_FATAL;
            break;
        }
    }
    free(wants);
    free(name);
    free(full);
    archive_read_free(a);
    return rc;
}
