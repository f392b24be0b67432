/* image_members.c: the members of the outer archive, directory or stream.
 *
 * Three ways in:
 *   - a directory (OCI layout, or an unpacked docker-archive): members are files;
 *   - a plain tar file: its members are listed first (bodies skipped by seeking) with their data
 *     offsets; JSON members are read at once; layers are read later, by image.c;
 *   - anything that cannot seek (stdin, .tar.gz, .tar.zst): one pass, every blob that looks
 *     like a layer is read into its own change list as it is met, and stacked at the end.
 * Member names are indexed once (lookups follow symlinks and hard links inside the archive).
 */
#include "src/image_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/budget.h"
#include "src/layer.h"
#include "src/registry.h"

static char *norm_name(const char *s) { return util_path_norm(s); }

static struct member *mem_add(struct reader *r, const char *name)
{
    ARR_GROW(r->mem, r->cap_mem, r->n_mem, 1);
    struct member *mb = &r->mem[r->n_mem++];
    memset(mb, 0, sizeof *mb);
    mb->name = norm_name(name);
    mb->blob = -1;
    return mb;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

/* Puts member i in the name index; a later member of the same name replaces an earlier one, as
 * a later tar member overwrites an earlier one on extraction. */
static void index_put(struct reader *r, size_t i)
{
    size_t mask = r->n_slots - 1;
    for (size_t h = name_hash(r->mem[i].name) & mask;; h = (h + 1) & mask) {
        uint32_t v = r->slots[h];
        if (!v || strcmp(r->mem[v - 1].name, r->mem[i].name) == 0) {
            r->slots[h] = (uint32_t)i + 1;
            return;
        }
    }
}

/* Indexes the members listed since the last lookup (once each: lookups were a scan per hop). */
static void index_update(struct reader *r)
{
    if (r->n_mem * 2 >= r->n_slots) {
        size_t n = r->n_slots ? r->n_slots : 256;
        while (r->n_mem * 2 >= n)
            n *= 2;
        free(r->slots);
        r->slots = xcalloc(n, sizeof *r->slots);
        r->n_slots = n;
        r->n_indexed = 0;
    }
    for (; r->n_indexed < r->n_mem; r->n_indexed++)
        index_put(r, r->n_indexed);
}

static struct member *index_get(struct reader *r, const char *n)
{
    index_update(r);
    size_t mask = r->n_slots - 1;
    for (size_t h = name_hash(n) & mask;; h = (h + 1) & mask) {
        uint32_t v = r->slots[h];
        if (!v)
            return NULL;
        if (strcmp(r->mem[v - 1].name, n) == 0)
            return &r->mem[v - 1];
    }
}

/* Finds a member by name, following symlinks and hard links inside the archive. */
struct member *members_find(struct reader *r, const char *name)
{
    char *n = norm_name(name);
    struct member *found = NULL;
    for (int hops = 0; hops < 16; hops++) {
        found = index_get(r, n);
        if (!found || found->type == MT_FILE)
            break;
        char *next = xstrdup(found->link);
        free(n);
        n = next;
    }
    free(n);
    return found && found->type == MT_FILE ? found : NULL;
}

static void mem_set_link(struct member *mb, const char *target, int symlink)
{
    mb->type = symlink ? MT_SYMLINK : MT_HARDLINK;
    if (symlink && target[0] != '/') {
        /* relative to the symlink's folder */
        const char *slash = strrchr(mb->name, '/');
        char *joined = xasprintf("%.*s/%s", slash ? (int)(slash - mb->name) : 0, mb->name, target);
        mb->link = norm_name(joined);
        free(joined);
    } else {
        mb->link = norm_name(target);
    }
}

/* Room for a JSON member's text, from the budget: a buffer of size + 1 bytes, or NULL with the
 * member marked (an error only if the image needs that member). */
static char *json_room(struct member *mb)
{
    if (!budget_take(mb->size + 1)) {
        mb->over_budget = 1;
        return NULL;
    }
    mb->held = mb->size + 1;
    return mb->json = xmalloc(mb->size + 1);
}

static void json_drop(struct member *mb)
{
    free(mb->json);
    mb->json = NULL;
    mb->json_len = 0;
    budget_give(mb->held);
    mb->held = 0;
}

static int looks_json(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')
            continue;
        return p[i] == '{' || p[i] == '[';
    }
    return 0;
}

int members_pread(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return 0;
}

/* ------------------------------------------------------------------ listing members */

int members_list_dir(struct reader *r, const char *root, const char *rel, int depth)
{
    char *path = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *d = opendir(path);
    if (!d) {
        errbuf_set(&r->img->err, "%s: %s", r->base, strerror(errno));
        free(path);
        return RC_FATAL;
    }
    struct dirent *de;
    int rc = RC_OK;
    while (rc == RC_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        char *sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        char *full = xasprintf("%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 4) {
                rc = members_list_dir(r, root, sub, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                struct member *mb = mem_add(r, sub);
                mb->size = (uint64_t)st.st_size;
                mb->disk = xstrdup(full);
                if (mb->size <= JSON_MAX) {
                    int fd = open(full, O_RDONLY | O_CLOEXEC);
                    char peek[64];
                    ssize_t k = fd >= 0 ? read(fd, peek, sizeof peek) : -1;
                    if (k > 0 && looks_json(peek, (size_t)k) && json_room(mb)) {
                        if (members_pread(fd, mb->json, mb->size, 0) == 0) {
                            mb->json_len = mb->size;
                            mb->json[mb->size] = 0;
                        } else {
                            mb->json_errno = errno ? errno : EIO;
                            json_drop(mb);
                        }
                    }
                    if (fd >= 0)
                        close(fd);
                }
            }
        }
        free(sub);
        free(full);
    }
    closedir(d);
    free(path);
    return rc;
}

static const char *ar_error(struct archive *a, const char *dflt)
{
    const char *e = archive_error_string(a);
    return e ? e : dflt;
}

/* The outer archive could not be opened or read on. Told apart by libarchive's error number, not
 * its wording: a format error before any member means nothing of it was a tar; a system errno is
 * a read error; the rest (a damaged or truncated tar or stream) is in libarchive's words.
 * Returns RC_FATAL. */
/* libarchive's ARCHIVE_ERRNO_FILE_FORMAT: EFTYPE where it exists, else EILSEQ (its
 * archive_platform.h; the public header names it without a value) */
#ifdef EFTYPE
#define AR_ERRNO_FORMAT EFTYPE
#else
#define AR_ERRNO_FORMAT EILSEQ
#endif

static int outer_failed(struct reader *r, struct archive *a, int at_start)
{
    int en = archive_errno(a);
    if (at_start && en == AR_ERRNO_FORMAT)
        errbuf_set(&r->img->err, "%s: not a container image (not a tar archive)", r->base);
    else if (en > 0 && en != AR_ERRNO_FORMAT)
        errbuf_set(&r->img->err, "%s: read error: %s", r->base, strerror(en));
    else
        errbuf_set(&r->img->err, "%s: %s", r->base, ar_error(a, "damaged archive"));
    return RC_FATAL;
}

/* Records a member of the outer tar: links as aliases, regular files as members (returned, with
 * their size); anything else is of no interest (NULL). */
static struct member *member_from_header(struct reader *r, struct archive_entry *ae, const char *nm)
{
    const char *hl = archive_entry_hardlink(ae);
    const char *sl = archive_entry_symlink(ae);
    if (hl || sl) {
        mem_set_link(mem_add(r, nm), hl ? hl : sl, !hl);
        return NULL;
    }
    if (archive_entry_filetype(ae) != AE_IFREG)
        return NULL;
    struct member *mb = mem_add(r, nm);
    mb->size = (uint64_t)archive_entry_size(ae);
    return mb;
}

/* Plain tar on a seekable file: names, types and data offsets; JSON bodies read at once. */
int members_list_tar(struct reader *r, const char *path)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        outer_failed(r, a, 1);
        archive_read_free(a);
        return RC_FATAL;
    }
    struct archive_entry *ae;
    int rc = RC_OK, ar;
    size_t n = 0;
    while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        const char *nm = archive_entry_pathname(ae);
        n++;
        if (!nm)
            continue;
        struct member *mb = member_from_header(r, ae, nm);
        if (!mb)
            continue;
        /* After the header the tar reader has consumed exactly the header blocks. */
        mb->off = (uint64_t)archive_filter_bytes(a, 0);
        if (mb->size <= JSON_MAX && mb->size > 0) {
            char peek[64];
            size_t k = mb->size < sizeof peek ? (size_t)mb->size : sizeof peek;
            if (members_pread(r->fd, peek, k, mb->off) == 0 && looks_json(peek, k) && json_room(mb)) {
                if (members_pread(r->fd, mb->json, mb->size, mb->off) == 0) {
                    mb->json_len = mb->size;
                    mb->json[mb->size] = 0;
                } else {
                    mb->json_errno = errno ? errno : EIO;
                    json_drop(mb);
                }
            }
        }
        if (mb->off + mb->size > (uint64_t)lseek(r->fd, 0, SEEK_END)) {
            errbuf_set(&r->img->err, "%s: truncated archive: member %s ends past the end of the file",
                       r->base, mb->name);
            rc = RC_FATAL;
            break;
        }
    }
    if (rc == RC_OK && ar != ARCHIVE_EOF)
        rc = outer_failed(r, a, n == 0);
    archive_read_free(a);
    return rc;
}

/* Streaming: every member once; JSON kept, layer-looking blobs read into the model. */
int members_stream_tar(struct reader *r, const char *path)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    int orc = r->in_fd >= 0 ? archive_read_open_fd(a, r->in_fd, 1 << 16)
                             : archive_read_open_filename(a, path, 1 << 16);
    if (orc != ARCHIVE_OK) {
        outer_failed(r, a, 1);
        archive_read_free(a);
        return RC_FATAL;
    }
    struct archive_entry *ae;
    int rc = RC_OK, ar;
    unsigned char *head = NULL;    /* a member's first bytes, gathered when they came in pieces */
    size_t head_cap = 0;
    while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        atomic_store(&r->prog->bytes_done, (uint64_t)archive_filter_bytes(a, -1));
        const char *nm = archive_entry_pathname(ae);
        if (!nm)
            continue;
        struct member *mb = member_from_header(r, ae, nm);
        if (!mb)
            continue;
        const void *blk = NULL;
        size_t sz = 0;
        la_int64_t off;
        int dr = archive_read_data_block(a, &blk, &sz, &off);
        if (dr == ARCHIVE_EOF) {
            /* An empty member: an empty layer if the manifest names it as one, as the
             * seekable path reads it (libarchive's "empty" format); unused otherwise. */
            uint32_t b = model_blob_begin(&r->img->model);
            model_blob_end(&r->img->model, b);
            mb->blob = (int)b;
            continue;
        }
        /* A pipe hands over a member's first bytes in pieces as its writer wrote them (`podman
         * image save` writes small ones): sniff on at least a tar header's worth, gathered. */
        if (dr >= ARCHIVE_WARN && sz < 512 && (uint64_t)sz < mb->size) {
            size_t have = 0;
            for (;;) {
                ARR_GROW(head, head_cap, have, sz);
                memcpy(head + have, blk, sz);
                have += sz;
                if (have >= 512 || (uint64_t)have >= mb->size)
                    break;
                dr = archive_read_data_block(a, &blk, &sz, &off);
                if (dr == ARCHIVE_EOF) {
                    dr = ARCHIVE_OK;
                    break;
                }
                if (dr < ARCHIVE_WARN)
                    break;
            }
            blk = head;
            sz = have;
        }
        if (dr < ARCHIVE_WARN) {
            errbuf_set(&r->img->err, "%s: %s: %s", r->base, mb->name, ar_error(a, "read error"));
            rc = RC_FATAL;
            break;
        }
        if (mb->size <= JSON_MAX && looks_json(blk, sz) && !json_room(mb))
            continue;       /* skipped unread; an error if the manifest needs it */
        if (mb->json) {
            size_t got = 0;
            for (;;) {
                size_t k = sz < mb->size - got ? sz : (size_t)(mb->size - got);
                memcpy(mb->json + got, blk, k);
                got += k;
                dr = archive_read_data_block(a, &blk, &sz, &off);
                if (dr != ARCHIVE_OK && dr != ARCHIVE_WARN)
                    break;
            }
            if (dr != ARCHIVE_EOF) {
                errbuf_set(&r->img->err, "%s: %s: %s", r->base, mb->name, ar_error(a, "read error"));
                rc = RC_FATAL;
                break;
            }
            mb->json[got] = 0;
            mb->json_len = got;
            continue;
        }
        if (!layer_looks_like_blob(blk, sz))
            continue;
        if (r->img->model.n_blobs >= LAYER_NONE - 1) {
            /* entries keep their blob in 16 bits until stacking */
            errbuf_set(&r->img->err, "%s: more than %u layer blobs", r->base, LAYER_NONE - 2);
            rc = RC_FATAL;
            break;
        }
        /* bytes come from the archive's own blocks (no buffer); len, the member's size, only
         * sizes the decompressor's slots */
        struct layer_src src = {.fd = -1, .outer = a, .len = mb->size, .peek = blk, .peek_len = sz,
                                .progress = &r->prog->bytes_done};
        struct errbuf e = {0};
        struct layer_result res;
        uint32_t b = model_blob_begin(&r->img->model);
        struct blobents be;
        blobents_direct(&be, &r->img->model, b);
        int lr = layer_read(&be, &src, r->o, &res, &e);
        blobents_free(&be);
        model_blob_end(&r->img->model, b);
        mb->blob = (int)b;
        mb->comp = res.compression;
        mb->estargz = res.estargz;
        mb->entries = res.entries;
        if (lr != RC_OK)
            mb->error = xstrdup(e.msg);
        if (res.odd_paths)
            image_warn(r->img, "%s: %u names leave the image root or are empty (e.g. \"%s\"); kept inside it",
                 mb->name, res.odd_paths, res.odd_example);
        /* The outer stream itself broke: nothing after this can be trusted, whatever the member. */
        if (lr == RC_FATAL) {
            errbuf_set(&r->img->err, "%s: the archive itself is damaged inside %s (%s)", r->base, mb->name,
                       e.msg);
            rc = RC_FATAL;
            break;
        }
    }
    if (rc == RC_OK && ar != ARCHIVE_EOF)
        rc = outer_failed(r, a, r->n_mem == 0);
    atomic_store(&r->prog->bytes_done, (uint64_t)archive_filter_bytes(a, -1));
    free(head);
    archive_read_free(a);
    return rc;
}

void members_list_registry(struct reader *r)
{
    for (size_t i = 0; i < r->reg->n; i++) {
        const struct reg_file *f = &r->reg->f[i];
        struct member *mb = mem_add(r, f->name);
        mb->size = f->size;
        if (!f->data) {
            mb->remote = i + 1;
        } else if (looks_json(f->data, f->len) && json_room(mb)) {
            memcpy(mb->json, f->data, f->len);
            mb->json[f->len] = 0;
            mb->json_len = f->len;
        }
    }
}

void members_free(struct reader *r)
{
    for (size_t i = 0; i < r->n_mem; i++) {
        free(r->mem[i].name);
        free(r->mem[i].link);
        free(r->mem[i].disk);
        json_drop(&r->mem[i]);
        free(r->mem[i].error);
    }
    free(r->mem);
    free(r->slots);
    r->mem = NULL;
    r->slots = NULL;
    r->n_mem = r->cap_mem = r->n_slots = r->n_indexed = 0;
}
