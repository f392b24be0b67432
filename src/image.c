/* image.c: find the manifest, the config and the layers of a saved image, in any shape that
 * formats.md lists, and read each layer once into the model.
 *
 * Three ways in, one resolution:
 *   - a directory (OCI layout, or an unpacked docker-archive): members are files;
 *   - a plain tar file: its members are listed first (bodies skipped by seeking), then JSON
 *     members are read and the layers are read in manifest order straight from the file;
 *   - anything that cannot seek (stdin, .tar.gz, .tar.zst): one pass, every blob that looks
 *     like a layer is read into its own change list as it is met, and stacked at the end.
 */
#include "src/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "src/budget.h"
#include "src/layer.h"
#include "src/source.h"

#define JSON_MAX (64u << 20)   /* manifests and configs are small; bigger is not JSON we want */
#define PEEK 4096

enum { MT_FILE, MT_SYMLINK, MT_HARDLINK };

struct member {
    char *name;
    int type;
    char *link;            /* symlink / hard-link target, normalised member name */
    uint64_t off, size;    /* data range in the tar file (seekable mode) */
    char *disk;            /* file path (directory mode) */
    char *json;            /* kept JSON text, json_len + 1 bytes taken from the budget */
    size_t json_len;
    int json_errno;        /* a read of the JSON text failed with this errno */
    int over_budget;       /* looked like JSON, but keeping it would have passed the budget */
    uint64_t held;         /* bytes of the budget its text holds */
    int blob;              /* model blob read from it (streaming), -1 */
    int comp, estargz;
    char *error;           /* why it could not be read whole as a layer, NULL if it was */
    uint64_t entries;      /* entries read from it */
};

struct reader {
    struct image *img;
    const struct image_opts *o;
    struct member *mem;
    size_t n_mem, cap_mem;
    uint32_t *slots;       /* name hash -> member index + 1 (the last member of a name) */
    size_t n_slots, n_indexed;
    int fd;                /* seekable tar file, or -1 */
    int in_fd;             /* a stream to read instead of a file: stdin, an engine, a registry */
    int dir;               /* directory mode */
    const char *base;      /* file name for messages */
    struct image_progress dummy;
    struct image_progress *prog;
};

static void warn(struct image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct image *img, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[600], esc[1200];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    img->warnings = xreallocarray(img->warnings, img->n_warnings + 1, sizeof *img->warnings);
    img->warnings[img->n_warnings++] = xstrdup(util_escape(buf, esc, sizeof esc));   /* names from the image */
}

const char *image_format_name(enum image_format f)
{
    switch (f) {
    case FMT_DOCKER_ARCHIVE: return "docker-archive";
    case FMT_DOCKER_SAVE_OCI: return "docker-save-oci";
    case FMT_OCI_ARCHIVE: return "oci-archive";
    case FMT_OCI_LAYOUT: return "oci-layout";
    default: return "unknown";
    }
}

const char *compression_name(int c)
{
    return c == COMP_GZIP ? "gzip" : c == COMP_ZSTD ? "zstd" : c == COMP_NONE ? "none" : "unknown";
}

/* Member names compare in one form: "a/./b/../c" -> "a/c", no leading "./" or "/". */
static char *norm_name(const char *s) { return util_path_norm(s); }

static struct member *mem_add(struct reader *r, const char *name)
{
    if (r->n_mem == r->cap_mem) {
        r->cap_mem = r->cap_mem ? r->cap_mem * 2 : 64;
        r->mem = xreallocarray(r->mem, r->cap_mem, sizeof *r->mem);
    }
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
static struct member *mem_find(struct reader *r, const char *name)
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

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
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

static int list_dir(struct reader *r, const char *root, const char *rel, int depth)
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
                rc = list_dir(r, root, sub, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                struct member *mb = mem_add(r, sub);
                mb->size = (uint64_t)st.st_size;
                mb->disk = xstrdup(full);
                if (mb->size <= JSON_MAX) {
                    int fd = open(full, O_RDONLY | O_CLOEXEC);
                    char peek[64];
                    ssize_t k = fd >= 0 ? read(fd, peek, sizeof peek) : -1;
                    if (k > 0 && looks_json(peek, (size_t)k) && json_room(mb)) {
                        if (pread_all(fd, mb->json, mb->size, 0) == 0) {
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
static int list_tar(struct reader *r, const char *path)
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
            if (pread_all(r->fd, peek, k, mb->off) == 0 && looks_json(peek, k) && json_room(mb)) {
                if (pread_all(r->fd, mb->json, mb->size, mb->off) == 0) {
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
static int stream_tar(struct reader *r, const char *path)
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
    unsigned char *buf = xmalloc(1 << 20);
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
        struct layer_src src = {.fd = -1, .outer = a, .peek = blk, .peek_len = sz, .buf = buf,
                                .bufsz = 1 << 20, .progress = &r->prog->bytes_done};
        struct errbuf e = {0};
        struct layer_result res;
        uint32_t b = model_blob_begin(&r->img->model);
        int lr = layer_read(&r->img->model, b, &src, r->o, &res, &e);
        model_blob_end(&r->img->model, b);
        mb->blob = (int)b;
        mb->comp = res.compression;
        mb->estargz = res.estargz;
        mb->entries = res.entries;
        if (lr != RC_OK)
            mb->error = xstrdup(e.msg);
        if (res.odd_paths)
            warn(r->img, "%s: %u names leave the image root or are empty (e.g. \"%s\"); kept inside it",
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
    free(buf);
    archive_read_free(a);
    return rc;
}

/* ------------------------------------------------------------------ JSON */

/* "... passes the metadata budget (256 MiB; --max-metadata SIZE to change it)" */
#define BUDGET_FMT "the metadata budget (%s; --max-metadata SIZE to change it)"

static json_t *mem_json(struct reader *r, struct member *mb, const char *what)
{
    char lim[32], sz[16];
    if (mb->over_budget) {
        errbuf_set(&r->img->err, "%s: %s %s (%s) does not fit in " BUDGET_FMT, r->base, what,
                   mb->name, fmt_size(mb->size, sz, sizeof sz), budget_limit_str(lim, sizeof lim));
        return NULL;
    }
    if (!mb->json) {
        /* why it was not kept, from what was seen when it was met */
        if (mb->size > JSON_MAX)
            errbuf_set(&r->img->err, "%s: %s %s is %llu bytes, more than the %u MiB strata reads as JSON",
                       r->base, what, mb->name, (unsigned long long)mb->size, JSON_MAX >> 20);
        else if (mb->json_errno)
            errbuf_set(&r->img->err, "%s: %s %s: %s", r->base, what, mb->name, strerror(mb->json_errno));
        else if (mb->size == 0)
            errbuf_set(&r->img->err, "%s: %s %s is empty", r->base, what, mb->name);
        else
            errbuf_set(&r->img->err, "%s: %s %s is not JSON (it does not begin with { or [)", r->base,
                       what, mb->name);
        return NULL;
    }
    json_error_t je;
    int was = budget_json_charge(1);     /* jansson's objects can take 100 times the text */
    json_t *j = json_loadb(mb->json, mb->json_len, JSON_REJECT_DUPLICATES, &je);
    int refused = budget_json_failed();
    budget_json_charge(was);
    if (!j) {
        enum json_error_code c = json_error_code(&je);
        if (refused)
            errbuf_set(&r->img->err, "%s: %s %s (%s): its parsed form does not fit in " BUDGET_FMT,
                       r->base, what, mb->name, fmt_size(mb->json_len, sz, sizeof sz),
                       budget_limit_str(lim, sizeof lim));
        else if (c == json_error_out_of_memory)
            errbuf_set(&r->img->err, "%s: %s %s: out of memory parsing JSON", r->base, what, mb->name);
        else if (c == json_error_premature_end_of_input)
            errbuf_set(&r->img->err, "%s: %s %s: JSON cut short at line %d", r->base, what, mb->name, je.line);
        else
            errbuf_set(&r->img->err, "%s: %s %s: bad JSON at line %d: %s", r->base, what, mb->name,
                       je.line, je.text);
    }
    return j;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *blob_name(const char *digest)
{
    const char *colon = strchr(digest, ':');
    if (!colon)
        return xasprintf("blobs/sha256/%s", digest);
    return xasprintf("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

static void add_tag(struct image *img, const char *t)
{
    for (size_t i = 0; i < img->n_tags; i++)
        if (strcmp(img->tags[i], t) == 0)
            return;
    img->tags = xreallocarray(img->tags, img->n_tags + 1, sizeof *img->tags);
    img->tags[img->n_tags++] = xstrdup(t);
}

static const char *host_arch(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return "amd64";
    if (strcmp(u.machine, "x86_64") == 0) return "amd64";
    if (strcmp(u.machine, "aarch64") == 0) return "arm64";
    if (strncmp(u.machine, "arm", 3) == 0) return "arm";
    if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0) return "386";
    return "amd64";
}

static int is_attestation(json_t *desc)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *t = ann ? jstr(ann, "vnd.docker.reference.type") : NULL;
    if (t && strcmp(t, "attestation-manifest") == 0)
        return 1;
    json_t *pl = json_object_get(desc, "platform");
    const char *os = pl ? jstr(pl, "os") : NULL;
    return os && strcmp(os, "unknown") == 0;
}

static int is_index_type(const char *mt)
{
    return mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list"));
}

/* Platform names as people type them and as images spell them: x86_64 is amd64, aarch64 is
 * arm64; an arm64 image without a variant is v8 and an arm one v7 (containerd's defaults). */
static const char *arch_norm(const char *a)
{
    if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64")) return "amd64";
    if (!strcmp(a, "aarch64")) return "arm64";
    if (!strcmp(a, "i386") || !strcmp(a, "i686")) return "386";
    return a;
}

static const char *variant_norm(const char *arch, const char *v)
{
    if (v && *v)
        return !strcmp(arch, "arm64") && !strcmp(v, "8") ? "v8" : v;
    return !strcmp(arch, "arm64") ? "v8" : !strcmp(arch, "arm") ? "v7" : "";
}

/* Whether an image of os/arch/variant (variant may be NULL) is what "OS/ARCH[/VARIANT]" asks
 * for; a wanted platform without a variant takes any variant. */
static int platform_match(const char *want, const char *os, const char *arch, const char *var)
{
    char wos[64] = "", warch[64] = "", wvar[64] = "";
    if (!os || !arch || sscanf(want, "%63[^/]/%63[^/]/%63s", wos, warch, wvar) < 2)
        return 0;
    const char *a = arch_norm(arch), *wa = arch_norm(warch);
    if (strcmp(os, wos) != 0 || strcmp(a, wa) != 0)
        return 0;
    return !wvar[0] || strcmp(variant_norm(a, var), variant_norm(wa, wvar)) == 0;
}

static void platform_add(struct image *img, const char *os, const char *ar, const char *va, const char *dg)
{
    img->platforms = xreallocarray(img->platforms, img->n_platforms + 1, sizeof *img->platforms);
    img->platforms[img->n_platforms++] = (struct platform){xstrdup(os), xstrdup(ar), xstrdup(va ? va : ""),
                                                           xstrdup(dg ? dg : "")};
}

/* "linux/amd64, linux/arm64/v8" from img->platforms, or `none` when there is none. */
static void platform_list(const struct image *img, char *list, size_t n, const char *none)
{
    list[0] = 0;
    for (size_t k = 0; k < img->n_platforms && strlen(list) < n - 100; k++)
        snprintf(list + strlen(list), n - strlen(list), "%s%s/%s%s%s", k ? ", " : "", img->platforms[k].os,
                 img->platforms[k].arch, img->platforms[k].variant[0] ? "/" : "", img->platforms[k].variant);
    if (!list[0])
        snprintf(list, n, "%s", none);
}

#define INDEX_MAX_DEPTH 4
#define INDEX_MAX_MANIFESTS 4096   /* descriptors visited in all nested indexes together */

/* The image manifests an index offers, nested indexes flattened (index.json -> image index ->
 * manifests, as `buildah manifest push --all --format oci` and containerd's docker save write). */
struct index_walk {
    json_t **leaf; size_t n_leaf;          /* descriptors, borrowed from `keep` or the top index */
    json_t **keep; size_t n_keep;          /* nested indexes loaded, released at the end */
    size_t visited;
};

static void walk_free(struct index_walk *w)
{
    for (size_t i = 0; i < w->n_keep; i++)
        json_decref(w->keep[i]);
    free(w->keep);
    free(w->leaf);
}

/* A descriptor's blob, when it is an image index: loaded (kept in w), else NULL. Only a
 * descriptor typed as an index, or untyped and without a platform, is looked into. */
static json_t *nested_index(struct reader *r, json_t *d, struct index_walk *w)
{
    const char *mt = jstr(d, "mediaType");
    if (mt ? !is_index_type(mt) : json_object_get(d, "platform") != NULL)
        return NULL;
    const char *dg = jstr(d, "digest");
    if (!dg)
        return NULL;
    char *bn = blob_name(dg);
    struct member *mb = mem_find(r, bn);
    free(bn);
    if (!mb || !mb->json)
        return NULL;   /* missing or not JSON: reported when picked as a manifest */
    json_t *j = json_loadb(mb->json, mb->json_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j) || !json_is_array(json_object_get(j, "manifests")) || json_object_get(j, "layers")) {
        json_decref(j);
        return NULL;
    }
    w->keep = xreallocarray(w->keep, w->n_keep + 1, sizeof *w->keep);
    w->keep[w->n_keep++] = j;
    return j;
}

static int index_walk(struct reader *r, json_t *index, int depth, struct index_walk *w)
{
    json_t *ms = json_object_get(index, "manifests");
    if (depth > INDEX_MAX_DEPTH) {
        errbuf_set(&r->img->err, "%s: image indexes nested too deep", r->base);
        return RC_FATAL;
    }
    size_t i;
    json_t *d;
    json_array_foreach(ms, i, d) {
        if (++w->visited > INDEX_MAX_MANIFESTS) {
            errbuf_set(&r->img->err, "%s: the index lists more than %d manifests", r->base, INDEX_MAX_MANIFESTS);
            return RC_FATAL;
        }
        if (!json_is_object(d) || is_attestation(d))
            continue;
        json_t *inner = nested_index(r, d, w);
        if (inner) {
            if (index_walk(r, inner, depth + 1, w) != RC_OK)
                return RC_FATAL;
            continue;
        }
        w->leaf = xreallocarray(w->leaf, w->n_leaf + 1, sizeof *w->leaf);
        w->leaf[w->n_leaf++] = d;
    }
    return RC_OK;
}

/* Picks the image manifest from an index (nested indexes included). Returns a new reference to
 * the manifest JSON, or NULL with err set. *unverified is set when --platform was given but the
 * choice carries no platform to check it by (the config is checked instead). */
static json_t *pick_manifest(struct reader *r, json_t *index, int depth, int *unverified)
{
    struct image *img = r->img;
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms) || json_array_size(ms) == 0) {
        errbuf_set(&img->err, "%s: index lists no manifests", r->base);
        return NULL;
    }
    struct index_walk w = {0};
    if (index_walk(r, index, depth, &w) != RC_OK) {
        walk_free(&w);
        return NULL;
    }
    json_t *chosen = NULL, *host = NULL, *first = NULL;
    size_t n_with_platform = 0;
    for (size_t i = 0; i < w.n_leaf; i++) {
        json_t *d = w.leaf[i];
        json_t *pl = json_object_get(d, "platform");
        const char *os = pl ? jstr(pl, "os") : NULL, *ar = pl ? jstr(pl, "architecture") : NULL,
                   *va = pl ? jstr(pl, "variant") : NULL;
        if (os && ar) {
            platform_add(img, os, ar, va, jstr(d, "digest"));
            n_with_platform++;
        }
        if (!first)
            first = d;
        if (r->o->platform && !chosen && platform_match(r->o->platform, os, ar, va))
            chosen = d;
        if (!host && os && ar && strcmp(os, "linux") == 0 && strcmp(arch_norm(ar), host_arch()) == 0)
            host = d;
    }
    if (r->o->platform && !chosen && w.n_leaf == 1 && n_with_platform == 0) {
        /* one image that does not say its platform in the index: its config will */
        chosen = first;
        *unverified = 1;
    }
    if (r->o->platform && !chosen) {
        char list[400];
        platform_list(img, list, sizeof list, "none with a platform");
        errbuf_set(&img->err, "%s: no image for platform %s (has: %s)", r->base, r->o->platform, list);
        walk_free(&w);
        return NULL;
    }
    if (!chosen)
        chosen = host ? host : first;
    if (!chosen) {
        errbuf_set(&img->err, "%s: index lists no image manifest", r->base);
        walk_free(&w);
        return NULL;
    }
    if (!r->o->platform && w.n_leaf > 1 && n_with_platform > 1) {
        json_t *pl = json_object_get(chosen, "platform");
        const char *os = pl ? jstr(pl, "os") : NULL, *ar = pl ? jstr(pl, "architecture") : NULL,
                   *va = pl ? jstr(pl, "variant") : NULL;
        warn(img, "%zu platforms in the index; showing %s/%s%s%s (choose with --platform)", w.n_leaf,
             os ? os : "?", ar ? ar : "?", va && *va ? "/" : "", va && *va ? va : "");
    }
    const char *dg = jstr(chosen, "digest");
    if (!dg) {
        errbuf_set(&img->err, "%s: manifest descriptor without a digest", r->base);
        walk_free(&w);
        return NULL;
    }
    char *bn = blob_name(dg);
    struct member *mb = mem_find(r, bn);
    if (!mb) {
        errbuf_set(&img->err, "%s: index names %s, which is not in the image", r->base, bn);
        free(bn);
        walk_free(&w);
        return NULL;
    }
    free(bn);
    int typed_index = is_index_type(jstr(chosen, "mediaType"));
    walk_free(&w);   /* chosen (maybe borrowed from a nested index) is not used past here */
    json_t *m = mem_json(r, mb, "manifest");
    if (!m)
        return NULL;
    const char *mt = jstr(m, "mediaType");
    if ((mt ? is_index_type(mt) : typed_index) || (json_object_get(m, "manifests") && !json_object_get(m, "layers"))) {
        /* typed as a manifest in its descriptor, but an index */
        if (depth >= INDEX_MAX_DEPTH) {
            errbuf_set(&img->err, "%s: image indexes nested too deep", r->base);
            json_decref(m);
            return NULL;
        }
        json_t *inner = pick_manifest(r, m, depth + 1, unverified);
        json_decref(m);
        return inner;
    }
    return m;
}

static void str_list(json_t *arr, char ***out, size_t *n)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            continue;
        *out = xreallocarray(*out, *n + 1, sizeof **out);
        (*out)[(*n)++] = xstrdup(json_string_value(v));
    }
}

static char *dup_or_empty(const char *s) { return xstrdup(s ? s : ""); }

/* Compact JSON text of v ("" for none or null), freed with free(): jansson's own blocks go back
 * through its allocator (src/budget.c). */
static char *json_text(json_t *v)
{
    if (!v || json_is_null(v))
        return xstrdup("");
    char *t = json_dumps(v, JSON_COMPACT);
    char *out = xstrdup(t ? t : "");
    json_free_t jfree;
    json_get_alloc_funcs(NULL, &jfree);
    jfree(t);
    return out;
}

/* Takes n bytes of the budget for what the image keeps from its config; 0 with err set. */
static int img_hold(struct reader *r, uint64_t n, const char *what)
{
    if (budget_take(n)) {
        r->img->budget_held += n;
        return 1;
    }
    char lim[32];
    errbuf_set(&r->img->err, "%s: %s does not fit in " BUDGET_FMT, r->base, what,
               budget_limit_str(lim, sizeof lim));
    return 0;
}

#define STR_COST(s) (strlen(s) + 1 + 16)     /* a string and malloc's overhead */

static int parse_config(struct reader *r, struct member *cm, size_t n_layers)
{
    struct image *img = r->img;
    json_t *c = mem_json(r, cm, "config");
    if (!c)
        return RC_FATAL;
    if (!json_is_object(c)) {
        errbuf_set(&img->err, "%s: config %s is not a JSON object", r->base, cm->name);
        json_decref(c);
        return RC_FATAL;
    }
    /* The text moves to the image with its share of the budget. */
    img->config_json = cm->json;
    img->budget_held += cm->held;
    cm->json = NULL;
    cm->held = 0;
    img->os = dup_or_empty(jstr(c, "os"));
    img->arch = dup_or_empty(jstr(c, "architecture"));
    img->variant = dup_or_empty(jstr(c, "variant"));
    json_t *cc = json_object_get(c, "config");
    if (json_is_object(cc)) {
        str_list(json_object_get(cc, "Env"), &img->env, &img->n_env);
        uint64_t env_cost = 0;
        for (size_t k = 0; k < img->n_env; k++)
            env_cost += sizeof *img->env + STR_COST(img->env[k]);
        if (!img_hold(r, env_cost, "the config's Env list")) {
            json_decref(c);
            return RC_FATAL;
        }
        img->user = dup_or_empty(jstr(cc, "User"));
        img->workdir = dup_or_empty(jstr(cc, "WorkingDir"));
        json_t *v = json_object_get(cc, "Cmd");
        img->cmd = json_text(v);
        v = json_object_get(cc, "Entrypoint");
        img->entrypoint = json_text(v);
    } else {
        img->user = xstrdup("");
        img->workdir = xstrdup("");
        img->cmd = xstrdup("");
        img->entrypoint = xstrdup("");
    }
    json_t *rootfs = json_object_get(c, "rootfs");
    json_t *ids = rootfs ? json_object_get(rootfs, "diff_ids") : NULL;
    size_t n_ids = json_is_array(ids) ? json_array_size(ids) : 0;
    for (size_t i = 0; i < n_layers; i++) {
        json_t *v = i < n_ids ? json_array_get(ids, i) : NULL;
        img->layers[i].diff_id = dup_or_empty(json_is_string(v) ? json_string_value(v) : NULL);
        img->layers[i].history = -1;
        img->layers[i].instruction = "";
    }
    if (n_ids != n_layers)
        warn(img, "config lists %zu diff_ids for %zu layers", n_ids, n_layers);

    json_t *h = json_object_get(c, "history");
    size_t i;
    json_t *he;
    size_t next_layer = 0;
    if (json_is_array(h)) {
        img->history = xcalloc(json_array_size(h) ? json_array_size(h) : 1, sizeof *img->history);
        json_array_foreach(h, i, he) {
            struct history_item *hi = &img->history[img->n_history++];
            hi->created_by = dup_or_empty(json_is_object(he) ? jstr(he, "created_by") : NULL);
            hi->created = dup_or_empty(json_is_object(he) ? jstr(he, "created") : NULL);
            hi->comment = dup_or_empty(json_is_object(he) ? jstr(he, "comment") : NULL);
            hi->author = dup_or_empty(json_is_object(he) ? jstr(he, "author") : NULL);
            hi->instruction = history_instruction(hi->created_by);
            hi->empty_layer = json_is_object(he) && json_is_true(json_object_get(he, "empty_layer"));
            hi->layer = -1;
            if (!img_hold(r, sizeof *hi + STR_COST(hi->created_by) + STR_COST(hi->created) +
                             STR_COST(hi->comment) + STR_COST(hi->author) + STR_COST(hi->instruction),
                          "the config's history")) {
                json_decref(c);
                return RC_FATAL;
            }
            if (!hi->empty_layer) {
                if (next_layer < n_layers) {
                    hi->layer = (int)next_layer;
                    img->layers[next_layer].history = (int)(img->n_history - 1);
                    img->layers[next_layer].instruction = hi->instruction;
                    next_layer++;
                }
            }
        }
    }
    if (img->n_history && next_layer != n_layers)
        warn(img, "history names %zu layers, the image has %zu: the rest are shown without instructions",
             next_layer, n_layers);
    json_decref(c);
    return RC_OK;
}

/* "sha256:0123456789ab…" for messages: the blob digest, else the diff_id, else the name. */
static void layer_label(const struct image_layer *l, char *out, size_t n);
static void short_digest(const char *d, char *out, size_t n)
{
    const char *c = strchr(d, ':');
    snprintf(out, n, "%.*s%.12s…", c ? (int)(c - d + 1) : 0, d, c ? c + 1 : d);
}

static void layer_label(const struct image_layer *l, char *out, size_t n)
{
    const char *d = l->digest && strchr(l->digest, ':') ? l->digest
                  : l->diff_id && l->diff_id[0] ? l->diff_id : l->digest ? l->digest : "";
    short_digest(d, out, n);
}

/* Reads layer i from its member (seekable or directory mode). */
static int read_layer_member(struct reader *r, size_t li, struct member *mb, unsigned char *buf)
{
    struct image *img = r->img;
    int fd = r->fd;
    if (mb->disk) {
        fd = open(mb->disk, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            errbuf_set(&img->err, "%s: %s: %s", r->base, mb->name, strerror(errno));
            return RC_FATAL;
        }
    }
    unsigned char magic[4] = {0};
    if (mb->size >= 4)
        pread_all(fd, magic, 4, mb->off);
    struct layer_src src = {.fd = fd, .off = mb->off, .len = mb->size, .buf = buf, .bufsz = 1 << 20,
                            .progress = &r->prog->bytes_done};
    struct errbuf e = {0};
    struct layer_result res;
    uint32_t b = model_blob_begin(&img->model);
    int lr = layer_read(&img->model, b, &src, r->o, &res, &e);
    model_blob_end(&img->model, b);
    /* account for what the reader did not need to touch */
    if (src.consumed < mb->size)
        atomic_fetch_add(&r->prog->bytes_done, mb->size - src.consumed);
    if (mb->disk)
        close(fd);
    mb->blob = (int)b;
    mb->comp = res.compression;
    mb->estargz = res.estargz;
    if (res.odd_paths)
        warn(img, "layer %zu: %u names leave the image root or are empty (e.g. \"%s\"); kept inside it",
             li, res.odd_paths, res.odd_example);
    mb->entries = res.entries;
    if (lr == RC_FATAL) {
        char sd[48];
        layer_label(&img->layers[li], sd, sizeof sd);
        errbuf_set(&img->err, "%s: layer %zu (%s): %s", r->base, li, sd, e.msg);
        return RC_FATAL;
    }
    if (lr != RC_OK)
        mb->error = xstrdup(e.msg);   /* a damaged layer: the image opens without its rest */
    (void)magic;
    return RC_OK;
}

/* Layer li could not be read whole: say so once, keep what was read (a damaged outer archive,
 * manifest or config stays fatal: without them nothing can be placed). */
static void mark_damaged(struct reader *r, size_t li, const char *why, uint64_t entries)
{
    struct image *img = r->img;
    char sd[48];
    layer_label(&img->layers[li], sd, sizeof sd);
    img->layers[li].error = xstrdup(why);
    img->partial = 1;
    if (entries)
        warn(img, "%s: layer %zu (%s): %s; %llu entr%s read before the damage shown, the rest of the "
             "layer is missing (partial report)", r->base, li, sd, why, (unsigned long long)entries,
             entries == 1 ? "y" : "ies");
    else
        warn(img, "%s: layer %zu (%s): %s; none of its files are shown (partial report)", r->base, li,
             sd, why);
}

static int resolve(struct reader *r, int streaming)
{
    struct image *img = r->img;
    struct member *index = mem_find(r, "index.json");
    struct member *dman = mem_find(r, "manifest.json");
    json_t *manifest = NULL, *dm = NULL;
    char *config_name = NULL;
    char **layer_names = NULL;
    size_t n_layers = 0;
    int rc = RC_FATAL;
    int unverified = 0;    /* --platform given, the chosen image's platform known only from its config */

    if (dman) {
        dm = mem_json(r, dman, "manifest");
        if (!dm)
            goto out;
        if (!json_is_array(dm) || json_array_size(dm) == 0 || !json_is_object(json_array_get(dm, 0))) {
            errbuf_set(&img->err, "%s: manifest.json is not a list of images", r->base);
            goto out;
        }
        json_t *m0 = json_array_get(dm, 0);
        if (json_array_size(dm) > 1)
            warn(img, "%zu images in manifest.json; showing the first", json_array_size(dm));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(m0, "RepoTags"), i, v)
            if (json_is_string(v))
                add_tag(img, json_string_value(v));
    }
    if (index) {
        json_t *ix = mem_json(r, index, "index");
        if (!ix)
            goto out;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(ix, "manifests"), i, d) {
            json_t *ann = json_object_get(d, "annotations");
            const char *t = ann ? jstr(ann, "io.containerd.image.name") : NULL;
            if (!t && ann)
                t = jstr(ann, "org.opencontainers.image.ref.name");
            if (t && !dm)
                add_tag(img, t);
        }
        manifest = pick_manifest(r, ix, 0, &unverified);
        json_decref(ix);
        if (!manifest)
            goto out;
        img->format = dman ? FMT_DOCKER_SAVE_OCI : r->dir ? FMT_OCI_LAYOUT : FMT_OCI_ARCHIVE;
        json_t *cfg = json_object_get(manifest, "config");
        const char *cd = cfg ? jstr(cfg, "digest") : NULL;
        json_t *ls = json_object_get(manifest, "layers");
        if (!cd || !json_is_array(ls)) {
            errbuf_set(&img->err, "%s: image manifest without config or layers", r->base);
            goto out;
        }
        img->config_digest = xstrdup(cd);
        config_name = blob_name(cd);
        n_layers = json_array_size(ls);
        layer_names = xcalloc(n_layers ? n_layers : 1, sizeof *layer_names);
        img->layers = xcalloc(n_layers ? n_layers : 1, sizeof *img->layers);
        img->n_layers = n_layers;
        json_array_foreach(ls, i, d) {
            const char *dg = jstr(d, "digest");
            layer_names[i] = blob_name(dg ? dg : "missing");
            img->layers[i].digest = xstrdup(dg ? dg : "");
        }
    } else if (dm) {
        img->format = FMT_DOCKER_ARCHIVE;
        json_t *m0 = json_array_get(dm, 0);
        const char *cfg = jstr(m0, "Config");
        json_t *ls = json_object_get(m0, "Layers");
        if (!cfg || !json_is_array(ls)) {
            errbuf_set(&img->err, "%s: manifest.json without Config or Layers", r->base);
            goto out;
        }
        config_name = xstrdup(cfg);
        n_layers = json_array_size(ls);
        layer_names = xcalloc(n_layers ? n_layers : 1, sizeof *layer_names);
        img->layers = xcalloc(n_layers ? n_layers : 1, sizeof *img->layers);
        img->n_layers = n_layers;
        size_t i;
        json_t *v;
        json_array_foreach(ls, i, v) {
            layer_names[i] = xstrdup(json_is_string(v) ? json_string_value(v) : "missing");
            img->layers[i].digest = xstrdup(layer_names[i]);
        }
        /* "sha256:<hex>" config member names (kaniko), "<hex>.json" (docker) */
        const char *h = strrchr(cfg, ':');
        char hex[72] = "";
        if (h && strlen(h + 1) == 64)
            snprintf(hex, sizeof hex, "%s", h + 1);
        else if (strlen(cfg) >= 69 && strcmp(cfg + strlen(cfg) - 5, ".json") == 0)
            snprintf(hex, sizeof hex, "%.64s", cfg + strlen(cfg) - 69);
        else if (!strncmp(cfg, "blobs/sha256/", 13))
            snprintf(hex, sizeof hex, "%.64s", cfg + 13);
        img->config_digest = hex[0] ? xasprintf("sha256:%s", hex) : xstrdup("");
    } else {
        errbuf_set(&img->err, "%s: not a container image (no manifest.json or index.json)", r->base);
        goto out;
    }

    if (n_layers >= LAYER_NONE) {
        errbuf_set(&img->err, "%s: %zu layers; strata reads at most %u", r->base, n_layers, LAYER_NONE - 1);
        goto out;
    }
    struct member *cm = mem_find(r, config_name);
    if (!cm) {
        errbuf_set(&img->err, "%s: the manifest names config %s, which is not in the image", r->base, config_name);
        goto out;
    }
    if (parse_config(r, cm, n_layers) != RC_OK)
        goto out;
    if (r->o->platform && (unverified || !index) &&
        !platform_match(r->o->platform, img->os[0] ? img->os : NULL, img->arch[0] ? img->arch : NULL, img->variant)) {
        /* a single-platform image: --platform is checked against what its config says */
        char has[160];
        snprintf(has, sizeof has, "%s/%s%s%s", img->os[0] ? img->os : "?", img->arch[0] ? img->arch : "?",
                 img->variant[0] ? "/" : "", img->variant);
        errbuf_set(&img->err, "%s: no image for platform %s (has: %s)", r->base, r->o->platform,
                   img->os[0] || img->arch[0] ? has : "one image with no platform in its config");
        goto out;
    }

    struct member **lm = xcalloc(n_layers ? n_layers : 1, sizeof *lm);
    for (size_t i = 0; i < n_layers; i++) {
        lm[i] = mem_find(r, layer_names[i]);
        if (!lm[i]) {
            errbuf_set(&img->err, "%s: layer %zu: the manifest names %s, which is not in the image",
                       r->base, i, layer_names[i]);
            free(lm);
            goto out;
        }
        img->layers[i].compressed_bytes = lm[i]->size;
    }
    atomic_store(&r->prog->layers_total, (uint32_t)n_layers);
    if (!streaming) {
        uint64_t total = 0;
        for (size_t i = 0; i < n_layers; i++)
            total += lm[i]->size;
        atomic_store(&r->prog->bytes_total, total);
        unsigned char *buf = xmalloc(1 << 20);
        for (size_t i = 0; i < n_layers; i++) {
            if (lm[i]->blob < 0 && read_layer_member(r, i, lm[i], buf) != RC_OK) {
                free(buf);
                free(lm);
                goto out;
            }
            atomic_fetch_add(&r->prog->layers_done, 1);
        }
        free(buf);
    } else {
        for (size_t i = 0; i < n_layers; i++) {
            if (lm[i]->blob < 0) {
                /* met in the stream but nothing like a layer (text, JSON): an empty one */
                uint32_t b = model_blob_begin(&img->model);
                model_blob_end(&img->model, b);
                lm[i]->blob = (int)b;
                lm[i]->error = xstrdup(layer_fail_text(LF_TAR_NOT_TAR));
            }
            atomic_fetch_add(&r->prog->layers_done, 1);
        }
    }
    for (size_t i = 0; i < n_layers; i++)
        if (lm[i]->error)
            mark_damaged(r, i, lm[i]->error, lm[i]->entries);
    uint32_t *order = xcalloc(n_layers ? n_layers : 1, sizeof *order);
    for (size_t i = 0; i < n_layers; i++) {
        order[i] = (uint32_t)lm[i]->blob;
        img->layers[i].compression = lm[i]->comp;
        img->layers[i].estargz = lm[i]->estargz;
    }
    free(lm);
    if (model_stack(&img->model, order, (uint32_t)n_layers) != RC_OK) {
        uint32_t b = img->model.repeat_refused, uses = 0;
        size_t first = 0;
        for (size_t i = n_layers; i-- > 0;)
            if (order[i] == b) {
                uses++;
                first = i;
            }
        char sd[48], lim[32];
        layer_label(&img->layers[first], sd, sizeof sd);
        errbuf_set(&img->err, "%s: the manifest names layer %zu (%s) %u times; a copy of its %u entries "
                   "for each use does not fit in " BUDGET_FMT, r->base, first, sd, uses,
                   img->model.blobs[b].n_entries, budget_limit_str(lim, sizeof lim));
        free(order);
        goto out;
    }
    img->blob_layer = xmalloc((img->model.n_blobs ? img->model.n_blobs : 1) * sizeof *img->blob_layer);
    for (uint32_t b = 0; b < img->model.n_blobs; b++)
        img->blob_layer[b] = UINT32_MAX;
    for (size_t i = n_layers; i-- > 0;)
        img->blob_layer[order[i]] = (uint32_t)i;
    free(order);
    rc = img->n_warnings ? RC_WARN : RC_OK;
out:
    json_decref(manifest);
    json_decref(dm);
    free(config_name);
    for (size_t i = 0; i < n_layers; i++)
        free(layer_names[i]);
    free(layer_names);
    return rc;
}

int image_open(struct image *img, const char *path, const struct image_opts *o)
{
    memset(img, 0, sizeof *img);
    model_init(&img->model);
    img->source = xstrdup(path);
    struct reader r = {.img = img, .o = o, .fd = -1, .in_fd = -1};
    r.prog = o->progress ? o->progress : &r.dummy;
    r.base = path;
    int rc;
    int streaming = 0;
    struct stat st;
    struct source_ref ref;
    source_parse(path, &ref);
    if (ref.kind == SRC_PATH)
        path = ref.target;     /* docker-archive:PATH and the like: the path alone */
    if (source_is_stream(&ref)) {
        /* an engine or a registry: its tar stream through the same streaming reader */
        struct source_opts so = {.platform = o->platform, .tls_no_verify = o->tls_no_verify};
        struct source_stream ss;
        streaming = 1;
        rc = source_stream_open(&ref, &so, &ss, &img->err);
        if (rc == RC_OK) {
            r.in_fd = ss.fd;
            rc = stream_tar(&r, path);
            if (source_stream_close(&ss, &img->err) != RC_OK)
                rc = RC_FATAL;
        }
    } else if (ref.kind == SRC_STDIN) {
        streaming = 1;
        r.in_fd = STDIN_FILENO;
        if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))   /* `< app.tar.gz`: a known size */
            atomic_store(&r.prog->bytes_total, (uint64_t)st.st_size);
        rc = stream_tar(&r, path);
    } else if (stat(path, &st) != 0) {
        errbuf_set(&img->err, "%s: %s", path, strerror(errno));
        rc = RC_FATAL;
    } else if (S_ISDIR(st.st_mode)) {
        r.dir = 1;
        rc = list_dir(&r, path, "", 0);
    } else {
        r.fd = open(path, O_RDONLY | O_CLOEXEC);
        unsigned char magic[4] = {0};
        if (r.fd < 0) {
            errbuf_set(&img->err, "%s: %s", path, strerror(errno));
            rc = RC_FATAL;
        } else if (st.st_size == 0) {
            errbuf_set(&img->err, "%s: empty file, not a container image", path);
            rc = RC_FATAL;
        } else if (pread_all(r.fd, magic, st.st_size >= 4 ? 4 : (size_t)st.st_size, 0) == 0 &&
                   layer_sniff(magic, 4) != COMP_NONE) {
            streaming = 1;
            atomic_store(&r.prog->bytes_total, (uint64_t)st.st_size);
            rc = stream_tar(&r, path);
        } else {
            rc = list_tar(&r, path);
        }
    }
    if (rc == RC_OK)
        rc = resolve(&r, streaming);
    if (r.fd >= 0)
        close(r.fd);
    for (size_t i = 0; i < r.n_mem; i++) {
        free(r.mem[i].name);
        free(r.mem[i].link);
        free(r.mem[i].disk);
        json_drop(&r.mem[i]);
        free(r.mem[i].error);
    }
    free(r.mem);
    free(r.slots);
    if (rc == RC_FATAL && !img->err.set)
        errbuf_set(&img->err, "%s: cannot read the image", path);
    source_ref_free(&ref);
    atomic_store(&r.prog->done, 1);
    return rc;
}

void image_close(struct image *img)
{
    free(img->source);
    for (size_t i = 0; i < img->n_tags; i++)
        free(img->tags[i]);
    free(img->tags);
    free(img->os);
    free(img->arch);
    free(img->variant);
    free(img->config_digest);
    free(img->config_json);
    budget_give(img->budget_held);
    for (size_t i = 0; i < img->n_env; i++)
        free(img->env[i]);
    free(img->env);
    free(img->user);
    free(img->workdir);
    free(img->cmd);
    free(img->entrypoint);
    for (size_t i = 0; i < img->n_history; i++) {
        free(img->history[i].created_by);
        free(img->history[i].instruction);
        free(img->history[i].created);
        free(img->history[i].comment);
        free(img->history[i].author);
    }
    free(img->history);
    for (size_t i = 0; i < img->n_layers; i++) {
        free(img->layers[i].diff_id);
        free(img->layers[i].digest);
        free(img->layers[i].error);
    }
    free(img->layers);
    for (size_t i = 0; i < img->n_platforms; i++) {
        free(img->platforms[i].os);
        free(img->platforms[i].arch);
        free(img->platforms[i].variant);
        free(img->platforms[i].digest);
    }
    free(img->platforms);
    free(img->blob_layer);
    for (size_t i = 0; i < img->n_warnings; i++)
        free(img->warnings[i]);
    free(img->warnings);
    model_free(&img->model);
    memset(img, 0, sizeof *img);
}
