/* test_util.c: the escaping every name from an image goes through before it is printed
 * (util_escape), the JSON writer's escaping of the same characters (jsonout_dumpf), and the one
 * growable-array helper (util_grow and its macros). */
#include <fnmatch.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/jsonout.h"
#include "src/util.h"

static const char *esc(const char *s)
{
    static char buf[256];
    return util_escape(s, buf, sizeof buf);
}

static void test_escape_c0_and_invalid(void **state)
{
    (void)state;
    assert_string_equal(esc("plain/é名"), "plain/é名");
    assert_string_equal(esc("a\x1b[31mb"), "a\\x1b[31mb");
    assert_string_equal(esc("l1\nl2\tx\x7f"), "l1\\nl2\\tx\\x7f");
    assert_string_equal(esc("bad\xff\xc3"), "bad\\xff\\xc3");
}

/* Bidirectional overrides reorder what a terminal shows around them ("notes<RLO>txt.sh" reads
 * as "noteshs.txt"); C1 controls (U+009B is CSI) drive some terminals: both as \uNNNN. */
static void test_escape_bidi_and_c1(void **state)
{
    (void)state;
    assert_string_equal(esc("notes\u202etxt.sh"), "notes\\u202etxt.sh");
    assert_string_equal(esc("a\u202ab\u202bc\u202cd\u202de"), "a\\u202ab\\u202bc\\u202cd\\u202de");
    assert_string_equal(esc("x\u2066y\u2067z\u2068w\u2069"), "x\\u2066y\\u2067z\\u2068w\\u2069");
    assert_string_equal(esc("\u200e\u200f\u061c"), "\\u200e\\u200f\\u061c");
    assert_string_equal(esc("c1\xc2\x9b" "31m\xc2\x80\xc2\x9f"), "c1\\u009b31m\\u0080\\u009f");
    /* neighbours stay as they are */
    assert_string_equal(esc("\u200d\u2065\u206a\u202f\u00a0"), "\u200d\u2065\u206a\u202f\u00a0");
    assert_true(util_cp_unsafe(0x202e));
    assert_false(util_cp_unsafe(0x2070));
    /* never past the buffer: a cut escape is dropped whole */
    char small[8];
    util_escape("ab\u202ecd", small, sizeof small);
    assert_string_equal(small, "ab");
}

static char *dump(json_t *j, size_t flags)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(jsonout_dumpf(j, f, flags), 0);
    fclose(f);
    json_decref(j);
    return out;
}

static void test_json_escapes_bidi_and_c1(void **state)
{
    (void)state;
    char *s = dump(json_pack("{s:s}", "p", "notes\u202etxt\xc2\x9b\u2066é"), JSON_COMPACT);
    assert_string_equal(s, "{\"p\":\"notes\\u202etxt\\u009b\\u2066é\"}");
    json_error_t err;
    json_t *back = json_loads(s, 0, &err);     /* the same string to a JSON reader */
    assert_non_null(back);
    assert_string_equal(json_string_value(json_object_get(back, "p")), "notes\u202etxt\xc2\x9b\u2066é");
    json_decref(back);
    free(s);
    /* a long string: sequences that straddle jansson's output chunks are still whole */
    char big[20000];
    size_t o = 0;
    while (o + 4 < sizeof big) {
        memcpy(big + o, o % 7 ? "\u202e" : "a", o % 7 ? 3 : 1);
        o += o % 7 ? 3 : 1;
    }
    big[o] = 0;
    s = dump(json_string(big), JSON_ENCODE_ANY);
    assert_null(strstr(s, "\u202e"));
    back = json_loads(s, JSON_DECODE_ANY, &err);
    assert_non_null(back);
    assert_string_equal(json_string_value(back), big);
    json_decref(back);
    free(s);
}

/* From nothing: the first growth gives UTIL_GROW_MIN, then the capacity doubles, and the
 * elements already written survive every move. */
static void test_grow_from_empty_and_doubling(void **state)
{
    (void)state;
    uint32_t *v = NULL;
    size_t n = 0, cap = 0;
    ARR_GROW(v, cap, n, 0);                    /* nothing asked, nothing allocated */
    assert_null(v);
    assert_int_equal(cap, 0);
    size_t caps_seen = 0, last = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        ARR_GROW(v, cap, n, 1);
        assert_true(cap >= n + 1);
        if (cap != last) {
            assert_int_equal(cap, last ? last * 2 : UTIL_GROW_MIN);
            caps_seen++;
            last = cap;
        }
        v[n++] = i * 3;
    }
    assert_int_equal(cap, 1024);
    assert_int_equal(caps_seen, 7);            /* 16 32 64 128 256 512 1024 */
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 3);
    /* enough room: the same pointer back */
    uint32_t *same = v;
    ARR_GROW(v, cap, n, 24);
    assert_ptr_equal(v, same);
    assert_int_equal(cap, 1024);
    /* a big step goes straight to what is needed */
    ARR_GROW(v, cap, n, 5000);
    assert_int_equal(cap, 6000);
    assert_int_equal(v[999], 2997);
    free(v);
}

/* A byte buffer (string building) and the exact reservation. */
static void test_grow_bytes_and_reserve(void **state)
{
    (void)state;
    char *s = NULL;
    size_t len = 0, cap = 0;
    const char *parts[] = {"usr", "/", "share", "/", "doc"};
    for (size_t i = 0; i < 5; i++) {
        size_t pl = strlen(parts[i]);
        ARR_GROW(s, cap, len, pl + 1);
        memcpy(s + len, parts[i], pl + 1);
        len += pl;
    }
    assert_string_equal(s, "usr/share/doc");
    assert_int_equal(cap, UTIL_GROW_MIN);
    free(s);

    uint64_t *r = NULL;
    size_t rc = 0;
    ARR_RESERVE(r, rc, 0, 3);
    assert_int_equal(rc, 3);                   /* exactly, no minimum */
    ARR_RESERVE(r, rc, 3, 2);
    assert_int_equal(rc, 5);
    ARR_RESERVE(r, rc, 1, 2);                  /* already room */
    assert_int_equal(rc, 5);
    free(r);
}

/* util_grow0: every element it adds is zero, the ones before are kept. */
static void test_grow_zeroes(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    ARR_GROW0(v, cap, 0, 10);
    assert_int_equal(cap, UTIL_GROW_MIN);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(v[i], 0);
    for (size_t i = 0; i < cap; i++)
        v[i] = -1;
    size_t old = cap;
    ARR_GROW0(v, cap, old, 1);
    assert_int_equal(cap, 2 * old);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(v[i], i < old ? -1 : 0);
    free(v);
}

/* A count whose bytes do not fit in a size_t is refused, never wrapped into a small
 * allocation; the array is left as it was. (util_grow dies at the same point.) */
static void test_grow_refuses_overflow(void **state)
{
    (void)state;
    uint64_t *v = NULL;
    size_t cap = 0;
    v = util_grow_try(v, &cap, 0, 4, sizeof *v);
    assert_non_null(v);
    v[3] = 7;
    size_t keep = cap;
    /* n + k wraps around */
    assert_null(util_grow_try(v, &cap, SIZE_MAX - 1, 4, sizeof *v));
    /* n + k fits, its bytes do not */
    assert_null(util_grow_try(v, &cap, SIZE_MAX / sizeof *v, 1, sizeof *v));
    assert_null(util_grow_try(v, &cap, 4, SIZE_MAX / 8 + 1, sizeof *v));
    assert_int_equal(cap, keep);
    assert_int_equal(v[3], 7);
    free(v);
}

/* util_fnmatch answers as fnmatch does in strata's UTF-8 locale, ASCII or not, and leaves the
 * thread's locale as it found it. */
static void test_fnmatch_as_locale(void **state)
{
    (void)state;
    if (!setlocale(LC_ALL, "C.UTF-8"))
        fail_msg("no C.UTF-8 locale");
    static const char *const pat[] = {"*.log", "a?c", "/usr/*/doc", "[a-c]*", "*", "?",
                                      "caf\xc3\xa9*", "[[:alpha:]]x", "\\*", "*/.cache/*"};
    static const char *const name[] = {"x.log", "abc", "a\xc3\xa9\x63", "/usr/share/doc", "/usr/a/b/doc",
                                       "b1", "\xc3\xa9", "caf\xc3\xa9.txt", "Zx", "*", "a/.cache/b",
                                       "\xff?", ""};
    for (size_t i = 0; i < sizeof pat / sizeof *pat; i++)
        for (size_t k = 0; k < sizeof name / sizeof *name; k++)
            for (int f = 0; f < 2; f++) {
                int flags = f ? FNM_PATHNAME : 0;
                int want = fnmatch(pat[i], name[k], flags) == 0;
                int got = util_fnmatch(pat[i], name[k], flags) == 0;
                if (want != got)
                    fail_msg("util_fnmatch(\"%s\", \"%s\", %d): %d, fnmatch %d", pat[i], name[k], flags,
                             got, want);
            }
    /* the patterns util_fnmatch answers without fnmatch (no flags, ASCII, one '*' at most) and
     * their neighbours that it must not, against fnmatch on random names of their letters */
    static const char *const simple[] = {"*", "*.pem", "id_rsa", ".env", "*.env", ".env*", "a*a",
                                         "aa*", "*aa", "", "a*.e", "*/e", "a*b*", "a?", "[a]*",
                                         "\\a*", "*\\"};
    static const char letters[] = "a.e/b*?\\[]";
    unsigned seed = 12345;
    for (int t = 0; t < 20000; t++) {
        char nm[8];
        int len = t % 7;
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            nm[k] = letters[(seed >> 16) % (sizeof letters - 1)];
        }
        nm[len] = 0;
        for (size_t i = 0; i < sizeof simple / sizeof *simple; i++)
            for (int f = 0; f < 3; f++) {
                int flags = f == 0 ? 0 : f == 1 ? FNM_PATHNAME : FNM_PERIOD;
                int want = fnmatch(simple[i], nm, flags) == 0;
                int got = util_fnmatch(simple[i], nm, flags) == 0;
                if (want != got)
                    fail_msg("util_fnmatch(\"%s\", \"%s\", %d): %d, fnmatch %d", simple[i], nm,
                             flags, got, want);
            }
    }
    /* "?" is one character in UTF-8: the two bytes of an e-acute, not one */
    assert_int_equal(util_fnmatch("a?c", "a\xc3\xa9" "c", 0), 0);
    assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
    setlocale(LC_ALL, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_c0_and_invalid),
        cmocka_unit_test(test_escape_bidi_and_c1),
        cmocka_unit_test(test_json_escapes_bidi_and_c1),
        cmocka_unit_test(test_grow_from_empty_and_doubling),
        cmocka_unit_test(test_grow_bytes_and_reserve),
        cmocka_unit_test(test_grow_zeroes),
        cmocka_unit_test(test_grow_refuses_overflow),
        cmocka_unit_test(test_fnmatch_as_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
