/* test_source.c: transport names and SHA-256 (against FIPS 180-2's examples and sha256sum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "src/sha256.h"
#include "src/source.h"

static void hex_of(const char *s, size_t n, char out[65])
{
    struct sha256 h;
    sha256_init(&h);
    sha256_update(&h, s, n);
    sha256_hex(&h, out);
}

static void test_sha256_vectors(void **st)
{
    (void)st;
    char hex[65];
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' fed in odd pieces crosses every block boundary case */
    struct sha256 h;
    sha256_init(&h);
    char buf[997];
    memset(buf, 'a', sizeof buf);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof buf ? left : sizeof buf;
        sha256_update(&h, buf, k);
        left -= k;
    }
    sha256_hex(&h, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void parse(const char *arg, enum source_kind kind, const char *target)
{
    struct source_ref r;
    source_parse(arg, &r);
    assert_int_equal(r.kind, kind);
    assert_string_equal(r.target, target);
    source_ref_free(&r);
}

static void test_source_names(void **st)
{
    (void)st;
    char dir[] = "/tmp/strata-src-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[600], arg[700];
    snprintf(file, sizeof file, "%s/app.tar", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    parse("-", SRC_STDIN, "-");
    parse(file, SRC_PATH, file);
    snprintf(arg, sizeof arg, "docker-archive:%s", file);
    parse(arg, SRC_PATH, file);
    snprintf(arg, sizeof arg, "oci-archive:%s:app:1.0", file);     /* skopeo's PATH:REF */
    parse(arg, SRC_PATH, file);
    snprintf(arg, sizeof arg, "oci:%s", dir);
    parse(arg, SRC_PATH, dir);
    parse("docker-daemon:app:1.0", SRC_DOCKER, "app:1.0");
    parse("docker-daemon:app@sha256:abcd", SRC_DOCKER, "app@sha256:abcd");
    parse("podman:localhost/app", SRC_PODMAN, "localhost/app");
    parse("docker://127.0.0.1:5000/a/b:1", SRC_REGISTRY, "127.0.0.1:5000/a/b:1");
    parse("app:1.0", SRC_ENGINE, "app:1.0");
    parse("python", SRC_ENGINE, "python");
    /* what looks like a path stays a path, so a typo is "no such file", not an engine miss */
    parse("./missing.tar", SRC_PATH, "./missing.tar");
    parse("/nonexistent/x", SRC_PATH, "/nonexistent/x");
    parse("missing.tar.gz", SRC_PATH, "missing.tar.gz");
    /* an existing file named like a transport is a file */
    char odd[700];
    snprintf(odd, sizeof odd, "%s/podman:x", dir);
    f = fopen(odd, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chdir(dir), 0);
    parse("podman:x", SRC_PATH, "podman:x");
    unlink(odd);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_source_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
