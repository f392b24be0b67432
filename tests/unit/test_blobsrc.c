/* test_blobsrc.c: blob streams (src/blobsrc.h) over a file range, a whole file, and a member of a
 * tar found by name (plain and gzip outer tars, through a hard link and a symbolic link), each
 * read whole and compared with the bytes written; a missing member names itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "src/blobsrc.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/unit/fixture_build.h"
#pragma GCC diagnostic pop

#define BLOB_LEN 300000

static unsigned char *blob_bytes(void)
{
    unsigned char *b = xmalloc(BLOB_LEN);
    unsigned s = 7;
    for (size_t i = 0; i < BLOB_LEN; i++)
        b[i] = (unsigned char)(rand_r(&s) >> 5);
    return b;
}

/* Reads the stream to its end: its bytes must be want[0..n). */
static void read_all(struct blob_stream *s, const unsigned char *want, size_t n)
{
    unsigned char *got = xmalloc(n + 1);
    size_t len = 0;
    const void *p;
    ssize_t k;
    while ((k = blobsrc_read(s, &p)) > 0) {
        assert_true(len + (size_t)k <= n);
        memcpy(got + len, p, (size_t)k);
        len += (size_t)k;
    }
    assert_int_equal(k, 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
}

static char *write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char *path = fx_printf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

static void test_range_and_file(void **st)
{
    (void)st;
    char dir[] = "/tmp/strata-blobsrc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsigned char *b = blob_bytes();
    char *path = write_file(dir, "f", b, BLOB_LEN);
    struct blob_stream s;
    struct errbuf e = {0};
    assert_int_equal(blobsrc_open_file(&s, path, &e), RC_OK);
    assert_int_equal(s.size, BLOB_LEN);
    read_all(&s, b, BLOB_LEN);
    /* a range inside the file, read through the stream's own buffer */
    struct blob_stream r;
    blobsrc_open_range(&r, s.fd, 1000, 5000);
    read_all(&r, b + 1000, 5000);
    blobsrc_close(&r);
    /* a range past the file's end: an error, not a short blob */
    blobsrc_open_range(&r, s.fd, BLOB_LEN - 10, 20);
    const void *p;
    assert_int_equal(blobsrc_read(&r, &p), 10);
    assert_int_equal(blobsrc_read(&r, &p), -1);
    assert_string_equal(blobsrc_error(&r), "the file ends early");
    blobsrc_close(&r);
    blobsrc_close(&s);
    assert_int_equal(blobsrc_open_file(&s, "/nonexistent/strata-blob", &e), RC_FATAL);
    assert_true(e.set);
    unlink(path);
    free(path);
    free(b);
    rmdir(dir);
}

static void member_case(int filter)
{
    char dir[] = "/tmp/strata-blobsrc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsigned char *b = blob_bytes();
    struct fx_tar *t = fx_tar_new(filter);
    fx_tar_file(t, "other", "not this one", 12);
    fx_tar_file(t, "blobs/sha256/aa", b, BLOB_LEN);
    fx_tar_hardlink(t, "hard", "blobs/sha256/aa");
    fx_tar_symlink(t, "dir/sym", "../blobs/sha256/aa");
    struct fx_buf tar = fx_tar_end(t);
    char *path = write_file(dir, "outer.tar", tar.p, tar.len);
    const char *names[] = {"blobs/sha256/aa", "./blobs/sha256/aa", "hard", "dir/sym"};
    for (size_t i = 0; i < 4; i++) {
        struct blob_stream s;
        struct errbuf e = {0};
        assert_int_equal(blobsrc_open_member(&s, path, "no/such", names[i], &e), RC_OK);
        assert_int_equal(s.size, BLOB_LEN);
        read_all(&s, b, BLOB_LEN);
        blobsrc_close(&s);
    }
    struct blob_stream s;
    struct errbuf e = {0};
    assert_int_equal(blobsrc_open_member(&s, path, "blobs/sha256/bb", NULL, &e), RC_FAILED);
    assert_non_null(strstr(e.msg, "blobs/sha256/bb not found"));
    unlink(path);
    free(path);
    fx_buf_free(&tar);
    free(b);
    rmdir(dir);
}

static void test_member_plain(void **st)
{
    (void)st;
    member_case(FX_PLAIN);
}

static void test_member_gzip(void **st)
{
    (void)st;
    member_case(FX_GZIP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_and_file),
        cmocka_unit_test(test_member_plain),
        cmocka_unit_test(test_member_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
