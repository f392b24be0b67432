/* test_sha256.c: both SHA-256 compressions (portable C and the x86-64 SHA extensions) against
 * FIPS 180-2's examples, and against each other on random data fed in random pieces.
 *
 * SHA256_BENCH=1 build/tests/test_sha256 also prints each path's MB/s over 256 MiB (a one-off
 * figure, never asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "src/sha256.h"

static const enum sha256_impl impls[] = {SHA256_PORTABLE, SHA256_SHANI};

static int start(struct sha256 *h, enum sha256_impl impl)
{
    if (sha256_init_impl(h, impl) != 0) {
        /* only SHA-NI may be missing, and then sha256_init must not pick it */
        assert_int_equal(impl, SHA256_SHANI);
        assert_int_equal(sha256_best(), SHA256_PORTABLE);
        return -1;
    }
    return 0;
}

static void check(enum sha256_impl impl, const void *p, size_t n, const char *want)
{
    struct sha256 h;
    char hex[65];
    if (start(&h, impl) != 0)
        return;
    sha256_update(&h, p, n);
    sha256_hex(&h, hex);
    assert_string_equal(hex, want);
}

static void test_vectors(void **st)
{
    (void)st;
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (size_t i = 0; i < 2; i++) {
        check(impls[i], "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check(impls[i], "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check(impls[i], two, strlen(two),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        /* a million 'a' in one piece (the many-blocks path) and in odd pieces (the buffer) */
        char *a = malloc(1000000);
        assert_non_null(a);
        memset(a, 'a', 1000000);
        const char *mil = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
        check(impls[i], a, 1000000, mil);
        struct sha256 h;
        char hex[65];
        if (start(&h, impls[i]) == 0) {
            for (size_t off = 0, k = 1; off < 1000000; off += k, k = k * 7 % 997 + 1)
                sha256_update(&h, a + off, off + k > 1000000 ? 1000000 - off : k);
            sha256_hex(&h, hex);
            assert_string_equal(hex, mil);
        }
        free(a);
    }
}

/* Lengths around the padding edges (55, 56, 63, 64, 119, 120 bytes) and random data cut at random
 * points: the two paths must agree on every one. */
static void test_paths_agree(void **st)
{
    (void)st;
    struct sha256 probe;
    if (sha256_init_impl(&probe, SHA256_SHANI) != 0) {
        skip();
        return;
    }
    unsigned seed = 12345;
    size_t cap = 1 << 20;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t i = 0; i < cap; i++)
        buf[i] = (unsigned char)(rand_r(&seed) >> 7);
    for (int round = 0; round < 400; round++) {
        size_t n = round < 200 ? (size_t)round : (size_t)rand_r(&seed) % cap;
        struct sha256 h[2];
        char hex[2][65];
        for (int i = 0; i < 2; i++) {
            assert_int_equal(sha256_init_impl(&h[i], impls[i]), 0);
            /* each path gets its own random cuts */
            for (size_t off = 0; off < n;) {
                size_t k = (size_t)rand_r(&seed) % (round % 3 ? 200 : 70000) + 1;
                if (k > n - off)
                    k = n - off;
                sha256_update(&h[i], buf + off, k);
                off += k;
            }
            sha256_hex(&h[i], hex[i]);
        }
        assert_string_equal(hex[0], hex[1]);
    }
    free(buf);
}

static void bench(void)
{
    size_t n = 1 << 20, total = 256u << 20;
    unsigned char *buf = calloc(1, n);
    assert_non_null(buf);
    for (size_t i = 0; i < 2; i++) {
        struct sha256 h;
        char hex[65];
        if (sha256_init_impl(&h, impls[i]) != 0)
            continue;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (size_t done = 0; done < total; done += n)
            sha256_update(&h, buf, n);
        sha256_hex(&h, hex);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("sha256 %s: %.0f MB/s (%zu MiB in %.3f s)\n",
               impls[i] == SHA256_SHANI ? "SHA-NI" : "portable", (double)total / s / 1e6,
               total >> 20, s);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_paths_agree),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("SHA256_BENCH"))
        bench();
    return rc;
}
