/* test_layer.c: layer_read() on gzip blobs, straight from a file range: several members one after
 * the other (eStargz), empty members, truncated and corrupt streams (bad CRC, bad length, bad
 * block, bad header). The same blob is read with read buffers of 1 byte up to 1 MiB, so that
 * member ends, gzip headers and trailers fall across buffer boundaries; every file's bytes the
 * sinks receive are compared with the tar's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/image.h"
#include "src/layer.h"
#include "src/model.h"
#include "src/util.h"
/* the image-building half of the fixtures is not used here */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/unit/fixture_build.h"

static char g_dir[] = "/tmp/strata-test-layer.XXXXXX";

/* ------------------------------------------------------------------ the layer's files */

/* Three files: text that compresses well (long matches, many deflate blocks), bytes that do not
 * (stored blocks), and a small one. Deterministic. */
struct files {
    const char *name[3];
    struct fx_buf data[3];
};

static void files_make(struct files *f)
{
    memset(f, 0, sizeof *f);
    f->name[0] = "etc/app.conf";
    f->name[1] = "usr/lib/blob.bin";
    f->name[2] = "README";
    for (int i = 0; i < 6000; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "option_%d = value %d\n", i % 97, i * 7);
        fx_buf_add(&f->data[0], line, (size_t)n);
    }
    uint32_t x = 2463534242u;
    for (int i = 0; i < 90000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;   /* xorshift32 */
        unsigned char c = (unsigned char)x;
        fx_buf_add(&f->data[1], &c, 1);
    }
    fx_buf_add(&f->data[2], "hello\n", 6);
}

static void files_free(struct files *f)
{
    for (int i = 0; i < 3; i++)
        fx_buf_free(&f->data[i]);
}

static struct fx_buf files_tar(const struct files *f)
{
    struct fx_tar *t = fx_tar_new(FX_PLAIN);
    fx_tar_dir(t, "etc");
    fx_tar_dir(t, "usr");
    fx_tar_dir(t, "usr/lib");
    for (int i = 0; i < 3; i++)
        fx_tar_file(t, f->name[i], f->data[i].p, f->data[i].len);
    return fx_tar_end(t);
}

#define N_ENTRIES 6u

/* ------------------------------------------------------------------ a sink keeping the bytes */

struct keep {
    int cur;                     /* file index being received, -1 */
    struct fx_buf got[3];
    int ended[3];
    const struct files *f;
};

static int keep_begin(void *ctx, const struct sink_file *sf)
{
    struct keep *k = ctx;
    k->cur = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(sf->path + 1, k->f->name[i]) == 0)
            k->cur = i;
    assert_true(k->cur >= 0);
    return 1;
}

static void keep_data(void *ctx, const void *p, size_t n)
{
    struct keep *k = ctx;
    fx_buf_add(&k->got[k->cur], p, n);
}

static void keep_end(void *ctx)
{
    struct keep *k = ctx;
    k->ended[k->cur]++;
}

/* ------------------------------------------------------------------ reading a blob */

struct outcome {
    int rc;
    struct layer_result res;
    char err[sizeof ((struct errbuf *)0)->msg];
    int files_whole;             /* every file received whole and equal to the tar's */
};

static char *write_blob(const char *name, const struct fx_buf *b)
{
    char *p = fx_printf("%s/%s", g_dir, name);
    fx_write_file(p, b->p, b->len);
    return p;
}

static struct outcome read_blob(const char *path, size_t bufsz, const struct files *f)
{
    struct outcome oc;
    memset(&oc, 0, sizeof oc);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    unsigned char *buf = xmalloc(bufsz);
    struct layer_src src = {.fd = fd, .off = 0, .len = (uint64_t)st.st_size, .buf = buf, .bufsz = bufsz};
    struct keep k = {.cur = -1, .f = f};
    struct sink s = {.ctx = &k, .file_begin = keep_begin, .file_data = keep_data, .file_end = keep_end};
    struct image_opts o = {.sinks = &s, .n_sinks = 1};
    struct model m;
    model_init(&m);
    struct errbuf e;
    memset(&e, 0, sizeof e);
    uint32_t b = model_blob_begin(&m);
    struct blobents be;
    blobents_direct(&be, &m, b);
    oc.rc = layer_read(&be, &src, &o, &oc.res, &e);
    blobents_free(&be);
    model_blob_end(&m, b);
    snprintf(oc.err, sizeof oc.err, "%s", e.msg);
    oc.files_whole = 1;
    for (int i = 0; i < 3; i++) {
        oc.files_whole &= k.ended[i] == 1 && k.got[i].len == f->data[i].len &&
                          memcmp(k.got[i].p, f->data[i].p, f->data[i].len) == 0;
        fx_buf_free(&k.got[i]);
    }
    model_free(&m);
    free(buf);
    close(fd);
    return oc;
}

static const size_t bufszs[] = {1, 7, 4093, 1 << 20};
#define N_BUFSZ (sizeof bufszs / sizeof bufszs[0])

/* gzip members of parts of the tar, cut at `cuts` (ascending, 0 < cut < len), with an empty
 * member wherever empty_at[i] is set before part i (and one at the end when empty_at[nparts]). */
static struct fx_buf members(const struct fx_buf *tar, const size_t *cuts, size_t ncuts, const int *empty_at)
{
    struct fx_buf out = {0};
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        if (empty_at && empty_at[i]) {
            struct fx_buf z = fx_compress(FX_GZIP, "", 0);
            fx_buf_add(&out, z.p, z.len);
            fx_buf_free(&z);
        }
        size_t to = i < ncuts ? cuts[i] : tar->len;
        struct fx_buf g = fx_compress(FX_GZIP, tar->p + from, to - from);
        fx_buf_add(&out, g.p, g.len);
        fx_buf_free(&g);
        from = to;
    }
    if (empty_at && empty_at[ncuts + 1]) {
        struct fx_buf z = fx_compress(FX_GZIP, "", 0);
        fx_buf_add(&out, z.p, z.len);
        fx_buf_free(&z);
    }
    return out;
}

static void expect_whole(const char *path, const struct files *f)
{
    for (size_t i = 0; i < N_BUFSZ; i++) {
        struct outcome oc = read_blob(path, bufszs[i], f);
        if (oc.rc != RC_OK || oc.res.fail != LF_NONE)
            fail_msg("%s, %zu-byte reads: rc %d, fail %d: %s", path, bufszs[i], oc.rc, oc.res.fail, oc.err);
        assert_int_equal(oc.res.compression, COMP_GZIP);
        assert_int_equal(oc.res.entries, N_ENTRIES);
        if (!oc.files_whole)
            fail_msg("%s, %zu-byte reads: the files' bytes differ from the tar's", path, bufszs[i]);
    }
}

/* The layer fails with `kind`, its message holding `needle`; the files before the damage may
 * have been read, never more than the tar holds. */
static void expect_fail(const char *path, const struct files *f, int kind, const char *needle)
{
    for (size_t i = 0; i < N_BUFSZ; i++) {
        struct outcome oc = read_blob(path, bufszs[i], f);
        if (oc.rc != RC_FAILED || oc.res.fail != kind)
            fail_msg("%s, %zu-byte reads: rc %d, fail %d (want %d): %s", path, bufszs[i], oc.rc,
                     oc.res.fail, kind, oc.err);
        if (!strstr(oc.err, needle))
            fail_msg("%s, %zu-byte reads: message lacks \"%s\": %s", path, bufszs[i], needle, oc.err);
        assert_true(oc.res.entries <= N_ENTRIES);
    }
}

/* ------------------------------------------------------------------ tests */

static void test_one_member(void **state)
{
    (void)state;
    struct files f;
    files_make(&f);
    struct fx_buf tar = files_tar(&f);
    struct fx_buf gz = members(&tar, NULL, 0, NULL);
    char *p = write_blob("one.gz", &gz);
    expect_whole(p, &f);
    /* bytes after the last member that are not a gzip header end the stream, as gzip(1) does */
    fx_buf_add(&gz, "\0\0\0\0trailing", 12);
    char *q = write_blob("one-trailing.gz", &gz);
    expect_whole(q, &f);
    free(p);
    free(q);
    fx_buf_free(&gz);
    fx_buf_free(&tar);
    files_free(&f);
}

static void test_multi_member(void **state)
{
    (void)state;
    struct files f;
    files_make(&f);
    struct fx_buf tar = files_tar(&f);
    /* cuts inside headers and inside bodies, as eStargz cuts at entries and chunks */
    size_t cuts[] = {100, 511, 512, 3000, tar.len / 2, tar.len - 1030, tar.len - 1};
    struct fx_buf gz = members(&tar, cuts, sizeof cuts / sizeof cuts[0], NULL);
    char *p = write_blob("multi.gz", &gz);
    expect_whole(p, &f);
    free(p);
    fx_buf_free(&gz);
    /* many small members: one per 1000 bytes */
    size_t n = tar.len / 1000, *many = xcalloc(n, sizeof *many);
    for (size_t i = 0; i < n; i++)
        many[i] = (i + 1) * 1000;
    if (many[n - 1] == tar.len)
        n--;
    gz = members(&tar, many, n, NULL);
    p = write_blob("many.gz", &gz);
    expect_whole(p, &f);
    free(p);
    free(many);
    fx_buf_free(&gz);
    fx_buf_free(&tar);
    files_free(&f);
}

static void test_empty_member(void **state)
{
    (void)state;
    struct files f;
    files_make(&f);
    struct fx_buf tar = files_tar(&f);
    size_t cuts[] = {512, tar.len / 2};
    /* empty members first, between two others and last */
    int empty_at[] = {1, 0, 1, 1};
    struct fx_buf gz = members(&tar, cuts, 2, empty_at);
    char *p = write_blob("empty-members.gz", &gz);
    expect_whole(p, &f);
    free(p);
    fx_buf_free(&gz);
    fx_buf_free(&tar);
    files_free(&f);
}

static void test_truncated(void **state)
{
    (void)state;
    struct files f;
    files_make(&f);
    struct fx_buf tar = files_tar(&f);
    size_t cuts[] = {tar.len / 2};
    struct fx_buf gz = members(&tar, cuts, 1, NULL);
    struct fx_buf second = fx_compress(FX_GZIP, tar.p + cuts[0], tar.len - cuts[0]);
    size_t second_at = gz.len - second.len;
    /* inside the first member's header, its deflate data, its trailer; inside the second's
     * header; 4 bytes before the end (the length of the trailer missing) */
    size_t at[] = {5, 200, second_at - 3, second_at + 4, second_at + second.len / 2, gz.len - 4, gz.len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        struct fx_buf cut = {0};
        fx_buf_add(&cut, gz.p, at[i]);
        char *nm = fx_printf("truncated-%zu.gz", at[i]);
        char *p = write_blob(nm, &cut);
        expect_fail(p, &f, LF_GZIP_TRUNCATED, "truncated gzip stream");
        free(p);
        free(nm);
        fx_buf_free(&cut);
    }
    fx_buf_free(&second);
    fx_buf_free(&gz);
    fx_buf_free(&tar);
    files_free(&f);
}

static void test_corrupt(void **state)
{
    (void)state;
    struct files f;
    files_make(&f);
    struct fx_buf tar = files_tar(&f);
    size_t cuts[] = {tar.len / 2};
    struct fx_buf gz = members(&tar, cuts, 1, NULL);
    struct fx_buf second = fx_compress(FX_GZIP, tar.p + cuts[0], tar.len - cuts[0]);
    size_t first_end = gz.len - second.len;
    assert_int_equal(gz.p[3] & 0x1e, 0);   /* no optional header fields: deflate data at 10 */
    struct {
        const char *name;
        size_t at;
        unsigned char xor_with, set;
        const char *needle;
    } cases[] = {
        {"bad-crc-first", first_end - 8, 0x01, 0, "incorrect data or length check"},
        {"bad-crc-last", gz.len - 5, 0x80, 0, "incorrect data or length check"},
        {"bad-length", gz.len - 4, 0x01, 0, "incorrect data or length check"},
        /* the first block header: BFINAL 1, BTYPE 3 (reserved) */
        {"bad-block-type", 10, 0, 0x07, "invalid deflate block"},
        {"bad-block-second", first_end + 10, 0, 0x07, "invalid deflate block"},
        /* compression method 9 in the second member's header */
        {"bad-method", first_end + 2, 0, 9, "corrupt gzip stream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx_buf bad = {0};
        fx_buf_add(&bad, gz.p, gz.len);
        if (cases[i].xor_with)
            bad.p[cases[i].at] ^= cases[i].xor_with;
        else
            bad.p[cases[i].at] = cases[i].set;
        char *nm = fx_printf("%s.gz", cases[i].name);
        char *p = write_blob(nm, &bad);
        expect_fail(p, &f, LF_GZIP_CORRUPT, cases[i].needle);
        expect_fail(p, &f, LF_GZIP_CORRUPT, "corrupt gzip stream (");
        free(p);
        free(nm);
        fx_buf_free(&bad);
    }
    /* flipped bytes in the middle of the deflate data (as tests/e2e/test_badinput.sh does) */
    struct fx_buf bad = {0};
    fx_buf_add(&bad, gz.p, gz.len);
    for (size_t i = first_end / 2; i < first_end / 2 + 64; i++)
        bad.p[i] ^= 0x5a;
    char *p = write_blob("flipped-middle.gz", &bad);
    expect_fail(p, &f, LF_GZIP_CORRUPT, "corrupt gzip stream");
    free(p);
    fx_buf_free(&bad);
    fx_buf_free(&second);
    fx_buf_free(&gz);
    fx_buf_free(&tar);
    files_free(&f);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = fx_printf("rm -rf '%s'", g_dir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_member),
        cmocka_unit_test(test_multi_member),
        cmocka_unit_test(test_empty_member),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
