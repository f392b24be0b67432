/* fuzz_analysis.h: for the harnesses that run the whole analysis on an image built in memory
 * (fuzz_config, fuzz_packages, fuzz_strataconf): a docker-archive writer, the pipeline of
 * `strata --json` and `--report` (analysis sinks, image_open, analysis_run, both reports,
 * checked: the JSON by fuzz_json.h) and one secret scanner for the process.
 *
 * build.sh links every harness with --wrap=secrets_new,secrets_free,secrets_ignore: compiling
 * the rule table costs milliseconds, far more than one input, so analysis_new() gets the one
 * scanner made at the first call and analysis_free() leaves it alone. secrets_ignore (an
 * `ignore =` line of .strata.conf) answers as the real one would but does not change the
 * shared scanner, so no input changes what the next one sees.
 *
 * pthread_create is wrapped too, and always fails: every path then runs on the calling thread
 * (what strata does when it cannot start a thread), so an input runs the same way every time
 * and costs no thread starts (under ASan each costs more than the rest of a small input). The
 * layers these harnesses build are plain tars, read by seeking. */
#ifndef STRATA_FUZZ_ANALYSIS_H
#define STRATA_FUZZ_ANALYSIS_H

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/report.h"
#include "analysis/secrets.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/fuzz_json.h"

struct secret_scanner *__real_secrets_new(void);
void __real_secrets_free(struct secret_scanner *s);
struct secret_scanner *__wrap_secrets_new(void);
void __wrap_secrets_free(struct secret_scanner *s);
int __wrap_secrets_ignore(struct secret_scanner *s, const char *rule_id);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    (void)t;
    (void)attr;
    (void)fn;
    (void)arg;
    return EAGAIN;
}

static struct secret_scanner *fz_scanner;

struct secret_scanner *__wrap_secrets_new(void)
{
    if (!fz_scanner)
        fz_scanner = __real_secrets_new();
    return fz_scanner;
}

void __wrap_secrets_free(struct secret_scanner *s)
{
    if (s != fz_scanner)
        __real_secrets_free(s);
}

int __wrap_secrets_ignore(struct secret_scanner *s, const char *rule_id)
{
    (void)s;
    struct secret_rule_info ri;
    for (size_t i = 0; secrets_rule_info(i, &ri) == 0; i++)
        if (strcmp(ri.id, rule_id) == 0)
            return 0;
    return -1;
}

/* ---- writing tars with libarchive ---- */

struct fz_buf {
    unsigned char *p;
    size_t n, cap;
};

static la_ssize_t fz_buf_write(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    struct fz_buf *b = ctx;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return (la_ssize_t)n;
}

static int fz_buf_close(struct archive *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return ARCHIVE_OK;
}

/* A tar being written into a growing buffer (pax, as the builders write). */
static inline struct archive *fz_tar_open(struct fz_buf *b)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open2(a, b, NULL, fz_buf_write, fz_buf_close, NULL) != ARCHIVE_OK)
        abort();
    return a;
}

/* type: 'f' file, 'd' directory, 'l' symlink to link. Names are taken as given (the reader
 * must cope with whatever an image holds); a name libarchive refuses is skipped. */
static inline void fz_tar_add(struct archive *a, char type, const char *name, const char *link,
                       const void *p, size_t n)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_copy_pathname(e, name);
    archive_entry_set_mtime(e, 1700000000, 0);
    if (type == 'd') {
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        n = 0;
    } else if (type == 'l') {
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_perm(e, 0777);
        archive_entry_copy_symlink(e, link);
        n = 0;
    } else {
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
    }
    archive_entry_set_size(e, (la_int64_t)n);
    if (archive_write_header(a, e) == ARCHIVE_OK && n)
        archive_write_data(a, p, n);
    archive_entry_free(e);
}

static inline void fz_tar_close(struct archive *a)
{
    archive_write_close(a);
    archive_write_free(a);
}

/* A docker-archive into fd: layer i is l<i>/layer.tar, the config is c.json. */
static inline void fz_docker_archive(int fd, const struct fz_buf *layers, size_t n_layers,
                              const char *config, size_t config_len)
{
    struct fz_buf out = {0};
    struct archive *a = fz_tar_open(&out);
    char man[4096];
    size_t k = (size_t)snprintf(man, sizeof man, "[{\"Config\":\"c.json\",\"RepoTags\":[\"fuzz:1\"],"
                                                 "\"Layers\":[");
    for (size_t i = 0; i < n_layers; i++) {
        char name[32];
        snprintf(name, sizeof name, "l%zu/layer.tar", i);
        fz_tar_add(a, 'f', name, NULL, layers[i].p, layers[i].n);
        k += (size_t)snprintf(man + k, sizeof man - k, "%s\"%s\"", i ? "," : "", name);
    }
    k += (size_t)snprintf(man + k, sizeof man - k, "]}]");
    fz_tar_add(a, 'f', "c.json", NULL, config, config_len);
    fz_tar_add(a, 'f', "manifest.json", NULL, man, k);
    fz_tar_close(a);
    write_all(fd, out.p, out.n);
    free(out.p);
}

/* A config for n layers (zero diff_ids: the reader does not check them), one history line each
 * plus extra (a JSON array body, may be NULL) and env (JSON array body, may be NULL). */
static inline char *fz_config(size_t n_layers, const char *env, const char *extra_history)
{
    size_t cap = 1024 + n_layers * 200 + (env ? strlen(env) : 0) +
                 (extra_history ? strlen(extra_history) : 0);
    char *c = malloc(cap);
    size_t k = (size_t)snprintf(c, cap, "{\"architecture\":\"amd64\",\"os\":\"linux\","
                                        "\"config\":{\"Env\":[%s]},\"rootfs\":{\"type\":\"layers\","
                                        "\"diff_ids\":[", env ? env : "");
    for (size_t i = 0; i < n_layers; i++)
        k += (size_t)snprintf(c + k, cap - k, "%s\"sha256:%064zx\"", i ? "," : "", i);
    k += (size_t)snprintf(c + k, cap - k, "]},\"history\":[");
    for (size_t i = 0; i < n_layers; i++)
        k += (size_t)snprintf(c + k, cap - k, "%s{\"created_by\":\"RUN /bin/sh -c step%zu # buildkit\"}",
                              i ? "," : "", i);
    if (extra_history && *extra_history)
        k += (size_t)snprintf(c + k, cap - k, ",%s", extra_history);
    snprintf(c + k, cap - k, "]}");
    return c;
}

/* Both reports of an analysed image, with what they promise: --json parses as JSON, and
 * --report (meant for a terminal) holds no control byte but newline and tab, whatever names
 * and texts the image carries. */
static inline void fz_reports(const struct image *img, const struct analysis *an)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f || report_json(f, img, an) != 0 || fclose(f) != 0)
        abort();
    const char *why = NULL;
    int bad = fz_json_check(buf, len, &why);
#ifdef FZ_JSON_CROSSCHECK
    json_error_t err;
    json_t *j = json_loadb(buf, len, 0, &err);
    if (!j != !!bad) {
        fprintf(stderr, "fuzz: fuzz_json.h says %s, jansson says %s\n", bad ? why : "JSON",
                j ? "JSON" : err.text);
        __builtin_trap();
    }
    json_decref(j);
#endif
    if (bad) {
        fprintf(stderr, "fuzz: --json output is not JSON: %s\n", why);
        __builtin_trap();
    }
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    if (!f || report_text(f, img, an) != 0 || fclose(f) != 0)
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            fprintf(stderr, "fuzz: --report output has control byte 0x%02x at %zu\n", c, i);
            __builtin_trap();
        }
    }
    free(buf);
}

/* What `strata --json` and `strata --report` do with the image in fd; conf is .strata.conf
 * text or NULL. */
static inline void fz_analyse_fd(int fd, const char *conf)
{
    struct analysis_opts ao = {.config_path = "/dev/null"};
    struct analysis *an = analysis_new(&ao);
    if (conf)
        analysis_config_text(an, conf, "fuzz.conf");
    struct sink sinks[8];
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct image_opts io = {.sinks = sinks, .n_sinks = analysis_sinks(an, sinks, 8)};
    struct image img;
    int rc = image_open(&img, path, &io);
    if (rc != RC_FATAL) {
        analysis_run(an, &img);
        fz_reports(&img, an);
        static int verbose = -1;
        if (verbose < 0)
            verbose = getenv("FUZZ_VERBOSE") != NULL;
        if (verbose)    /* to check that a seed reaches what it is meant to */
            fprintf(stderr, "fuzz: rc %d, %zu layers, %zu packages, %zu secrets, %zu warnings: %s\n",
                    rc, img.n_layers, an->n_pkgs, an->n_secrets, an->n_warnings,
                    an->n_warnings ? an->warnings[0] : "");
    } else if (!img.err.msg[0]) {
        __builtin_trap();   /* a failure must say why */
    }
    analysis_free(an);
    image_close(&img);
}

#endif
