/* test_fetch.c: src/fetch.c reads the very member an entry came from, and src/extract.c writes
 * it safely. Images are built in memory (fixture_build.h) and written to a temporary folder.
 *
 * The duplicate layer holds one path twice, as `tar --append` or a careless builder writes:
 *   conf (FIRST)  early -> conf (hard link)  conf (SECOND, visible)  late -> conf (hard link)
 * Tar's rule (GNU and libarchive extract alike): a hard link names the file of that name at the
 * moment it is met, so `early` holds FIRST and `late` holds SECOND. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <limits.h>
#include <cmocka.h>

/* the fixture header is a kit: this test uses part of it */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/unit/fixture_build.h"
#include "src/extract.h"
#include "src/fetch.h"
#include "src/image.h"

static char *g_dir;

#define FIRST "first copy, overwritten later in the same layer\n"
#define SECOND "second copy: the one the filesystem shows\n"

static uint32_t final_entry(const struct image *img, const char *path)
{
    uint32_t p = model_lookup(&img->model, path);
    return p ? img->model.path_final[p] : 0;
}

/* The n-th version (0 first) of path in stacking order. */
static uint32_t version(const struct image *img, const char *path, int n)
{
    uint32_t p = model_lookup(&img->model, path);
    uint32_t e = p ? img->model.path_first[p] : 0;
    while (e && n--)
        e = img->model.entries[e].next_version;
    return e;
}

static void open_ok(struct image *img, const char *path)
{
    struct image_opts o = {0};
    int rc = image_open(img, path, &o);
    if (rc == RC_FATAL)
        fail_msg("image_open %s: %s", path, img->err.msg);
}

static char *fetch_str(const struct image *img, uint32_t e)
{
    char *buf;
    size_t len;
    int trunc;
    struct errbuf err = {{0}, 0};
    if (fetch_entry(img, e, 1 << 20, &buf, &len, &trunc, &err) != RC_OK)
        fail_msg("fetch_entry: %s", err.msg);
    assert_false(trunc);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct fx_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fx_buf_add(&b, chunk, n);
    fclose(fp);
    if (!b.p)
        fx_buf_add(&b, "", 0);
    *len = b.len;
    return (char *)b.p;
}

static struct fx_buf dup_layer(int filter)
{
    return fx_layer(filter, (struct fx_ent[]){
        FX_D("app"), FX_F("app/conf", FIRST), FX_H("app/early", "app/conf"),
        FX_F("app/conf", SECOND), FX_H("./app/late", "app/conf"), FX_F("app/other", "x"), FX_END});
}

static void check_duplicates(const char *path, int layer)
{
    struct image img;
    open_ok(&img, path);
    uint32_t vis = final_entry(&img, "/app/conf");
    assert_int_not_equal(vis, 0);
    assert_int_equal(img.model.entries[vis].layer, layer);
    char *s = fetch_str(&img, vis);
    assert_string_equal(s, SECOND);
    free(s);
    /* the overwritten copy is an entry of its own and reads as itself */
    uint32_t v0 = version(&img, "/app/conf", 0);
    assert_int_not_equal(v0, vis);
    s = fetch_str(&img, v0);
    assert_string_equal(s, FIRST);
    free(s);
    s = fetch_str(&img, final_entry(&img, "/app/early"));
    assert_string_equal(s, FIRST);
    free(s);
    s = fetch_str(&img, final_entry(&img, "/app/late"));
    assert_string_equal(s, SECOND);
    free(s);
    image_close(&img);
}

/* Every layer compression, every outer format and compression, and a blob used twice. */
static void test_duplicate_members(void **state)
{
    (void)state;
    static const struct { int fmt, outer, layer; const char *name; } cases[] = {
        {FX_LEGACY, FX_PLAIN, FX_PLAIN, "dup-legacy.tar"},
        {FX_OCI_ARCHIVE, FX_PLAIN, FX_GZIP, "dup-oci.tar"},
        {FX_OCI_ARCHIVE, FX_GZIP, FX_ZSTD, "dup-oci.tar.gz"},
        {FX_DOCKER25, FX_ZSTD, FX_GZIP, "dup-d25.tar.zst"},
        {FX_OCI_DIR, FX_PLAIN, FX_ZSTD, "dup-ocidir"},
        {FX_BUILDAH, FX_PLAIN, FX_PLAIN, "dup-buildah.tar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fx_img im = {0};
        fx_img_layer(&im, fx_layer(cases[i].layer, (struct fx_ent[]){FX_F("base", "b"), FX_END}));
        fx_img_layer(&im, dup_layer(cases[i].layer));
        char *path = fx_write(&im, cases[i].fmt, cases[i].outer, g_dir, cases[i].name);
        check_duplicates(path, 1);
        free(path);
        fx_img_free(&im);
    }
    /* the same blob as layers 0 and 2: the copied entries keep their member */
    struct fx_img im = {0};
    fx_img_layer(&im, dup_layer(FX_GZIP));
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("app/conf", "middle"), FX_END}));
    fx_img_layer(&im, fx_buf_copy(&im.plat[0].layers[0]));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "dup-repeat.tar");
    check_duplicates(path, 2);
    free(path);
    fx_img_free(&im);
}

/* Members the model skips still count (eStargz metadata, the root "./"); pax names over 4 KiB
 * and a hard link to one read whole. */
static void test_fetch_odd_layers(void **state)
{
    (void)state;
    char *deep = xmalloc(5000);
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(deep + n, 5000 - n, "%s%099d", i ? "/" : "", i);
    strcat(deep, "/leaf.bin");
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){
        FX_F(".prefetch.landmark", "x"), FX_D("bin"), FX_F("bin/tool", "old tool"),
        FX_F("stargz.index.json", "{}"), FX_F("bin/tool", "tool!"), FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_D("./"), FX_F(deep, "deep file"), FX_H("short-link", deep), FX_F("./x", "1"),
        FX_F("x", "2"), FX_END}));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "odd.tar");
    struct image img;
    open_ok(&img, path);
    assert_true(img.layers[0].estargz);
    char *s = fetch_str(&img, final_entry(&img, "/bin/tool"));
    assert_string_equal(s, "tool!");
    free(s);
    char *ideep = fx_printf("/%s", deep);
    s = fetch_str(&img, final_entry(&img, ideep));
    assert_string_equal(s, "deep file");
    free(s);
    s = fetch_str(&img, final_entry(&img, "/short-link"));
    assert_string_equal(s, "deep file");
    free(s);
    s = fetch_str(&img, final_entry(&img, "/x"));
    assert_string_equal(s, "2");
    free(s);
    free(ideep);
    free(deep);
    image_close(&img);
    free(path);
    fx_img_free(&im);
}

/* A member that is no longer where the model says (the file changed on disk) is an error, never
 * some other file's bytes. */
static void test_changed_on_disk(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("a", "aaa"), FX_F("b", "bbb"), FX_END}));
    char *path = fx_write(&im, FX_OCI_DIR, FX_PLAIN, g_dir, "changed");
    struct image img;
    open_ok(&img, path);
    uint32_t e = final_entry(&img, "/b");
    fx_img_free(&im);
    memset(&im, 0, sizeof im);
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("b", "BBB"), FX_F("a", "AAA"), FX_END}));
    /* same layout, new layer bytes under the old blob name */
    char *blob = fx_printf("%s/blobs/sha256/%s", path, strchr(img.layers[0].digest, ':') + 1);
    fx_write_file(blob, im.plat[0].layers[0].p, im.plat[0].layers[0].len);
    char *buf;
    size_t len;
    int trunc;
    struct errbuf err = {{0}, 0};
    assert_int_equal(fetch_entry(&img, e, 100, &buf, &len, &trunc, &err), RC_FAILED);
    assert_non_null(strstr(err.msg, "changed on disk"));
    free(blob);
    /* a source that is no file on disk (streamed from a daemon or registry) says so */
    char *src = img.source;
    img.source = "docker-daemon:app:1";
    errbuf_clear(&err);
    assert_int_equal(fetch_entry(&img, e, 100, &buf, &len, &trunc, &err), RC_FAILED);
    assert_non_null(strstr(err.msg, "not a file or folder on disk"));
    img.source = src;
    image_close(&img);
    free(path);
    fx_img_free(&im);
}

/* ------------------------------------------------------------------ extract */

struct mem {
    const char *p;
    size_t len, pos, chunk;
};

static int mem_read(void *ctx, const void **p, size_t *n, struct errbuf *err)
{
    (void)err;
    struct mem *m = ctx;
    if (m->pos == m->len)
        return 0;
    size_t k = m->len - m->pos < m->chunk ? m->len - m->pos : m->chunk;
    *p = m->p + m->pos;
    *n = k;
    m->pos += k;
    return 1;
}

static int write_mem(const char *dir, const char *const *comps, size_t n, unsigned mode,
                     const char *data, struct errbuf *err)
{
    struct mem m = {data, strlen(data), 0, 3};
    errbuf_clear(err);
    return extract_write(dir, comps, n, mode, m.len, mem_read, &m, NULL, NULL, NULL, NULL, 0, err);
}

static int n_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

/* Bad components, no overwrite, and a symbolic link below the folder (as a folder or as the file)
 * pointing outside: refused, nothing written outside. */
static void test_extract_write_safety(void **state)
{
    (void)state;
    char *d = fx_printf("%s/safe", g_dir), *out = fx_printf("%s/outside", g_dir);
    mkdir(d, 0755);
    mkdir(out, 0755);
    struct errbuf e = {{0}, 0};
    const char *ok[] = {"a", "b", "c.txt"};
    assert_int_equal(write_mem(d, ok, 3, 0100644, "hello", &e), RC_OK);
    assert_int_equal(write_mem(d, ok, 3, 0100644, "again", &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "already exists"));
    char *p = fx_printf("%s/a/b/c.txt", d);
    size_t len;
    char *s = slurp(p, &len);
    assert_string_equal(s, "hello");
    free(s);
    free(p);
    const char *up[] = {"..", "x"}, *slash[] = {"a/b"}, *dot[] = {".", "x"}, *empty[] = {"a", ""};
    assert_int_equal(write_mem(d, up, 2, 0100644, "x", &e), RC_FAILED);
    assert_int_equal(write_mem(d, slash, 1, 0100644, "x", &e), RC_FAILED);
    assert_int_equal(write_mem(d, dot, 2, 0100644, "x", &e), RC_FAILED);
    assert_int_equal(write_mem(d, empty, 2, 0100644, "x", &e), RC_FAILED);

    char *ln = fx_printf("%s/esc", d);
    assert_int_equal(symlink(out, ln), 0);
    const char *esc[] = {"esc", "pwned"};
    assert_int_equal(write_mem(d, esc, 2, 0100644, "x", &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "symbolic link"));
    const char *esc2[] = {"esc", "deeper", "pwned"};
    assert_int_equal(write_mem(d, esc2, 3, 0100644, "x", &e), RC_FAILED);
    free(ln);
    ln = fx_printf("%s/escfile", d);
    char *victim = fx_printf("%s/victim", out);
    assert_int_equal(symlink(victim, ln), 0);
    const char *escf[] = {"escfile"};
    assert_int_equal(write_mem(d, escf, 1, 0100644, "x", &e), RC_FAILED);
    struct stat st;
    assert_int_not_equal(stat(victim, &st), 0);
    assert_int_equal(n_files(out), 0);
    /* and no temporary file is left behind by any of it */
    assert_int_equal(n_files(d), 3);   /* a/, esc, escfile */
    free(ln);
    free(victim);
    free(d);
    free(out);
}

/* The folder is made (with its parents); never inside the image. */
static void test_extract_creates_folder(void **state)
{
    (void)state;
    char *d = fx_printf("%s/new/deeper/still", g_dir);
    struct errbuf e = {{0}, 0};
    const char *c[] = {"f"};
    char written[PATH_MAX + 8];
    struct mem m = {"data", 4, 0, 4};
    assert_int_equal(extract_write(d, c, 1, 0100640, 4, mem_read, &m, NULL, NULL, NULL, written,
                                   sizeof written, &e), RC_OK);
    char *want = fx_printf("%s/f", d);
    assert_string_equal(written, want);
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    free(want);
    /* an OCI layout is a folder: nothing goes in it, not even a new subfolder */
    char *img = fx_printf("%s/imgdir", g_dir);
    mkdir(img, 0755);
    free(d);
    d = fx_printf("%s/imgdir/sub", g_dir);
    m.pos = 0;
    errbuf_clear(&e);
    assert_int_equal(extract_write(d, c, 1, 0100644, 4, mem_read, &m, NULL, NULL, img, NULL, 0, &e),
                     RC_FAILED);
    assert_non_null(strstr(e.msg, "inside the image"));
    assert_int_not_equal(stat(d, &st), 0);
    free(d);
    free(img);
}

/* A path the system cannot name is refused whole, never shortened. */
static void test_extract_too_long(void **state)
{
    (void)state;
    char *d = fx_printf("%s/long", g_dir);
    struct errbuf e = {{0}, 0};
    char name[300];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    const char *c1[] = {"a", name};
    assert_int_equal(write_mem(d, c1, 2, 0100644, "x", &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "longer than"));
    char comp[201];
    memset(comp, 'c', 200);
    comp[200] = 0;
    const char *c2[30];
    for (int i = 0; i < 30; i++)
        c2[i] = comp;
    assert_int_equal(write_mem(d, c2, 30, 0100644, "x", &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "longer than"));
    struct stat st;
    assert_int_not_equal(stat(d, &st), 0);   /* refused before anything was made */
    free(d);
}

/* From an image: the visible copy of a duplicated path, the bits without setuid / setgid /
 * sticky, a directory or link refused before asking, a deep path refused whole. */
static void test_extract_from_image(void **state)
{
    (void)state;
    struct fx_tar *t = fx_tar_new(FX_GZIP);
    fx_tar_dir(t, "bin");
    static const struct { const char *p; unsigned perm; } f[] = {
        {"bin/suid", 04755}, {"bin/sgid", 02750}, {"bin/sticky", 01777}, {"bin/private", 0600}};
    for (size_t i = 0; i < 4; i++) {
        fx_tar_header(t, f[i].p, AE_IFREG, f[i].perm, 3, NULL, NULL);
        archive_write_data(t->a, "abc", 3);
    }
    fx_tar_file(t, "etc/conf", FIRST, strlen(FIRST));
    fx_tar_file(t, "etc/conf", SECOND, strlen(SECOND));
    fx_tar_symlink(t, "etc/link", "conf");
    char deep[6000] = "";
    for (int i = 0; i < 24; i++)
        strcat(deep, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd/");
    strcat(deep, "f");
    fx_tar_file(t, deep, "x", 1);
    struct fx_img im = {0};
    fx_img_layer(&im, fx_tar_end(t));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "modes.tar");
    struct image img;
    open_ok(&img, path);
    char *d = fx_printf("%s/modes-out", g_dir);
    struct errbuf e = {{0}, 0};
    char written[PATH_MAX + 8];
    static const unsigned want[] = {0755, 0750, 0777, 0600};
    for (size_t i = 0; i < 4; i++) {
        char ip[64];
        snprintf(ip, sizeof ip, "/%s", f[i].p);
        errbuf_clear(&e);
        assert_int_equal(extract_entry(&img, final_entry(&img, ip), d, NULL, NULL, written,
                                       sizeof written, &e), RC_OK);
        struct stat st;
        assert_int_equal(stat(written, &st), 0);
        assert_int_equal(st.st_mode & 07777, want[i]);
    }
    assert_int_equal(extract_entry(&img, final_entry(&img, "/etc/conf"), d, NULL, NULL, written,
                                   sizeof written, &e), RC_OK);
    size_t len;
    char *s = slurp(written, &len);
    assert_string_equal(s, SECOND);
    free(s);
    errbuf_clear(&e);
    assert_int_equal(extract_check(&img, final_entry(&img, "/bin"), &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "directory"));
    errbuf_clear(&e);
    assert_int_equal(extract_check(&img, final_entry(&img, "/etc/link"), &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "symbolic link"));
    errbuf_clear(&e);
    assert_int_equal(extract_check(&img, final_entry(&img, "/etc/conf"), &e), RC_OK);
    char ideep[6100];
    snprintf(ideep, sizeof ideep, "/%s", deep);
    uint32_t de = final_entry(&img, ideep);
    assert_int_not_equal(de, 0);
    errbuf_clear(&e);
    assert_int_equal(extract_entry(&img, de, d, NULL, NULL, written, sizeof written, &e), RC_FAILED);
    if (!strstr(e.msg, "longer than"))
        fail_msg("deep path: %s", e.msg);
    char *dd = fx_printf("%s/ddd", d);
    struct stat st;
    assert_int_not_equal(stat(dd, &st), 0);
    free(dd);
    free(d);
    image_close(&img);
    free(path);
    fx_img_free(&im);
}

/* A large file ticks as it goes; a cancel leaves nothing behind. */
struct ticks {
    int n, cancel_at;
    uint64_t last, total;
};

static int count_tick(void *ctx, uint64_t done, uint64_t total)
{
    struct ticks *t = ctx;
    assert_true(done > t->last);
    t->last = done;
    t->total = total;
    return ++t->n == t->cancel_at;
}

static void test_extract_progress_cancel(void **state)
{
    (void)state;
    size_t big = 5u << 20;
    char *data = xmalloc(big + 1);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    data[big] = 0;
    struct fx_tar *t = fx_tar_new(FX_GZIP);
    fx_tar_file(t, "big", "small first copy", 16);
    fx_tar_file(t, "big", data, big);
    struct fx_img im = {0};
    fx_img_layer(&im, fx_tar_end(t));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "big.tar");
    struct image img;
    open_ok(&img, path);
    uint32_t e = final_entry(&img, "/big");
    char *d = fx_printf("%s/big-out", g_dir);
    struct errbuf err = {{0}, 0};
    struct ticks tk = {0, 2, 0, 0};
    assert_int_equal(extract_entry(&img, e, d, count_tick, &tk, NULL, 0, &err), RC_WARN);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_int_equal(tk.n, 2);
    assert_int_equal(n_files(d), 0);     /* neither the file nor its temporary */
    struct ticks tk2 = {0, 0, 0, 0};
    char written[PATH_MAX + 8];
    errbuf_clear(&err);
    assert_int_equal(extract_entry(&img, e, d, count_tick, &tk2, written, sizeof written, &err), RC_OK);
    assert_true(tk2.n >= 4);
    assert_int_equal(tk2.total, big);
    size_t len;
    char *s = slurp(written, &len);
    assert_int_equal(len, big);
    assert_memory_equal(s, data, big);
    free(s);
    free(d);
    free(data);
    image_close(&img);
    free(path);
    fx_img_free(&im);
}

/* A small file behind a large one: the walk to it ticks (total 0) and can be cancelled too. */
struct seekticks {
    int seek, body, cancel;
};

static int seek_tick(void *ctx, uint64_t done, uint64_t total)
{
    struct seekticks *t = ctx;
    if (total == 0) {
        assert_true(done > 0);
        t->seek++;
        return t->cancel;
    }
    t->body++;
    return 0;
}

static void test_extract_seek_cancel(void **state)
{
    (void)state;
    size_t big = 12u << 20;
    char *data = xcalloc(big, 1);
    struct fx_tar *t = fx_tar_new(FX_ZSTD);
    fx_tar_file(t, "filler", data, big);
    fx_tar_file(t, "small", "tail", 4);
    struct fx_img im = {0};
    fx_img_layer(&im, fx_tar_end(t));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "seek.tar");
    struct image img;
    open_ok(&img, path);
    uint32_t e = final_entry(&img, "/small");
    char *d = fx_printf("%s/seek-out", g_dir);
    struct errbuf err = {{0}, 0};
    struct seekticks st = {0, 0, 1};
    assert_int_equal(extract_entry(&img, e, d, seek_tick, &st, NULL, 0, &err), RC_WARN);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_int_equal(st.seek, 1);
    assert_int_not_equal(access(d, F_OK), 0);   /* stopped before even the folder was made */
    struct seekticks st2 = {0, 0, 0};
    char written[PATH_MAX + 8];
    errbuf_clear(&err);
    assert_int_equal(extract_entry(&img, e, d, seek_tick, &st2, written, sizeof written, &err), RC_OK);
    assert_true(st2.seek >= 2);      /* 12 MiB walked, a tick each 4 MiB */
    assert_int_equal(st2.body, 0);   /* 4 bytes: no body tick */
    size_t len;
    char *s = slurp(written, &len);
    assert_string_equal(s, "tail");
    free(s);
    free(d);
    free(data);
    image_close(&img);
    free(path);
    fx_img_free(&im);
}

static int setup(void **state)
{
    (void)state;
    g_dir = fx_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_tmpdir_free(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_fetch_odd_layers),
        cmocka_unit_test(test_changed_on_disk),
        cmocka_unit_test(test_extract_write_safety),
        cmocka_unit_test(test_extract_creates_folder),
        cmocka_unit_test(test_extract_too_long),
        cmocka_unit_test(test_extract_from_image),
        cmocka_unit_test(test_extract_progress_cancel),
        cmocka_unit_test(test_extract_seek_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
