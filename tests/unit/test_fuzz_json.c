/* test_fuzz_json.c: the fuzz harnesses' JSON check (tests/fuzz/fuzz_json.h) says what jansson
 * says. The fuzzers trust it to find a --json report that does not parse, and make fuzz-replay
 * cross-checks it only on reports, which are valid; so here it must also refuse what jansson
 * refuses:
 *   - a table of documents, valid and not, each near one of its rules (strings, escapes,
 *     surrogates, UTF-8, numbers and their ranges, literals, nesting, what may follow);
 *   - 200,000 mutations (bytes flipped, inserted, deleted, spans copied) of a report shaped as
 *     strata's are: the verdicts agree on every one (but for jansson's one quirk, a NUL byte it
 *     skips, where this is the stricter), and enough of each kind occur for it to mean
 *     something. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "tests/fuzz/fuzz_json.h"

static int jansson_ok(const char *p, size_t n)
{
    json_error_t err;
    json_t *j = json_loadb(p, n, 0, &err);
    json_decref(j);
    return j != NULL;
}

static int ours_ok(const char *p, size_t n)
{
    const char *why = NULL;
    int rc = fz_json_check(p, n, &why);
    assert_true(rc == 0 ? why == NULL : why != NULL);   /* a refusal says why */
    return rc == 0;
}

static void agree(const char *p, size_t n, int want)
{
    int j = jansson_ok(p, n), o = ours_ok(p, n);
    if (j != want || o != want)
        fail_msg("%.*s: want %s, jansson %s, fuzz_json.h %s", (int)n, p, want ? "JSON" : "not",
                 j ? "JSON" : "not", o ? "JSON" : "not");
}

static void test_table(void **state)
{
    (void)state;
    static const struct { const char *doc; int ok; } t[] = {
        {"{}", 1}, {"[]", 1}, {" \t\r\n[ 1 , 2 ]\n", 1}, {"{\"a\":{\"b\":[true,false,null]}}", 1},
        {"", 0}, {"   ", 0}, {"1", 0}, {"\"s\"", 0}, {"true", 0}, {"null", 0},     /* not at the top */
        {"[1]x", 0}, {"[1] [2]", 0}, {"[1,]", 0}, {"[,1]", 0}, {"{\"a\":1,}", 0}, {"{\"a\"}", 0},
        {"{\"a\" 1}", 0}, {"{1:2}", 0}, {"[", 0}, {"{", 0}, {"[1", 0}, {"]", 0}, {"[1}", 0},
        {"[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"]", 1}, {"[\"\\x\"]", 0}, {"[\"\\", 0}, {"[\"abc]", 0},
        {"[\"\\u00e9\\u20AC\"]", 1}, {"[\"\\u0000\"]", 0}, {"[\"\\u00\"]", 0}, {"[\"\\u00g0\"]", 0},
        {"[\"\\ud83d\\ude00\"]", 1}, {"[\"\\ud83d\"]", 0}, {"[\"\\ude00\"]", 0}, {"[\"\\ud83dx\"]", 0},
        {"[\"\\ud83d\\u0041\"]", 0}, {"[\"tab\there\"]", 0}, {"[\"\x1f\"]", 0}, {"[\"\x7f\"]", 1},
        {"[\"\xc3\xa9\"]", 1}, {"[\"\xe2\x82\xac\"]", 1}, {"[\"\xf0\x9f\x98\x80\"]", 1},
        {"[\"\xc0\xaf\"]", 0}, {"[\"\xe0\x80\xaf\"]", 0}, {"[\"\xed\xa0\x80\"]", 0},      /* overlong, surrogate */
        {"[\"\xf4\x90\x80\x80\"]", 0}, {"[\"\xff\"]", 0}, {"[\"\xc3\"]", 0}, {"[\"\x80\"]", 0},
        {"[0,-0,1,-1,10,0.5,-0.5,1e5,1E+5,1e-5,2.5e10]", 1}, {"[01]", 0}, {"[-01]", 0}, {"[1.]", 0},
        {"[.5]", 0}, {"[+1]", 0}, {"[-]", 0}, {"[1e]", 0}, {"[1e+]", 0}, {"[0x10]", 0}, {"[1.5.5]", 0},
        {"[9223372036854775807,-9223372036854775808]", 1}, {"[9223372036854775808]", 0},
        {"[-9223372036854775809]", 0}, {"[1e308]", 1}, {"[1e309]", 0}, {"[-1e400]", 0}, {"[1e-400]", 1},
        {"[tru]", 0}, {"[nul]", 0}, {"[True]", 0}, {"[falsey]", 0}, {"[\"a\"\"b\"]", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        agree(t[i].doc, strlen(t[i].doc), t[i].ok);
    agree("[1]\0", 4, 0);                  /* a NUL byte after the document */
    agree("[\"a\0b\"]", 7, 0);           /* and inside a string */
    /* jansson 2.14 drops a NUL byte right after a number or a literal (its lexer puts the byte
     * back into a buffer where a NUL marks the end, and reads past it): fuzz_json.h refuses it */
    assert_true(jansson_ok("[1\0,2]", 6) && !ours_ok("[1\0,2]", 6));
    assert_true(jansson_ok("[false\0]", 8) && !ours_ok("[false\0]", 8));
    /* nesting: 2048 levels are taken, 2049 are not */
    for (int depth = 2047; depth <= 2050; depth++) {
        char *d = malloc((size_t)depth * 2);
        memset(d, '[', (size_t)depth);
        memset(d + depth, ']', (size_t)depth);
        agree(d, (size_t)depth * 2, depth <= 2048);
        free(d);
    }
}

/* A report as strata writes one (its shape: nested objects and arrays, escaped names with
 * UTF-8, big and small numbers, literals), the seed of the mutations. */
static const char report[] =
    "{\"schema\": \"strata/1\", \"image\": {\"name\": \"demo \\\"x\\\" caf\xc3\xa9 \\u2028\", "
    "\"total_bytes\": 3870612, \"layers\": [{\"index\": 0, \"bytes\": 4100000000, \"created_by\": "
    "\"RUN /bin/sh -c apt-get update\\n\\t&& rm -rf /var/lib/apt/lists/*\", \"empty\": false, "
    "\"partial\": null}, {\"index\": 1, \"bytes\": 0, \"ratio\": 0.4512, \"exp\": 1.5e-7}]}, "
    "\"secrets\": [{\"rule\": \"aws-access-key\", \"value\": \"AKIA\\u2026\", \"path\": "
    "\"/app/\xe2\x82\xac.env\", \"line\": 12, \"deleted\": true}], \"waste\": [], \"efficiency\": "
    "-0.25, \"emoji\": \"\\ud83d\\ude00\xf0\x9f\x98\x80\"}\n";

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_mutations(void **state)
{
    (void)state;
    static const char interesting[] = "{}[]\",:\\u0e-+.1 \t\n\x80\xc3\xed\xf4\xff\0tfn";
    size_t base = sizeof report - 1, yes = 0, no = 0, quirk = 0;
    assert_true(jansson_ok(report, base) && ours_ok(report, base));
    char *buf = malloc(base * 2 + 64);
    for (int it = 0; it < 200000; it++) {
        size_t n = base;
        memcpy(buf, report, n);
        int edits = 1 + (int)(next() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? (size_t)(next() % n) : 0;
            switch (next() % 5) {
            case 0:     /* a byte replaced by one that matters to JSON */
                if (n)
                    buf[at] = interesting[next() % (sizeof interesting - 1)];
                break;
            case 1:     /* a random byte */
                if (n)
                    buf[at] = (char)(next() & 0xff);
                break;
            case 2:     /* a byte inserted */
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = interesting[next() % (sizeof interesting - 1)];
                n++;
                break;
            case 3: {   /* a span deleted */
                size_t k = 1 + (size_t)(next() % 8);
                if (at + k > n)
                    k = n - at;
                memmove(buf + at, buf + at + k, n - at - k);
                n -= k;
                break;
            }
            default: {  /* a span of the report copied in (duplicates keys, nests deeper) */
                size_t from = (size_t)(next() % base), k = 1 + (size_t)(next() % 24);
                if (from + k > base)
                    k = base - from;
                if (n + k > base * 2 + 32)
                    break;
                memmove(buf + at + k, buf + at, n - at);
                memcpy(buf + at, report + from, k);
                n += k;
                break;
            }
            }
        }
        int j = jansson_ok(buf, n), o = ours_ok(buf, n);
        if (j && !o && memchr(buf, 0, n)) {
            quirk++;            /* jansson's NUL after a number or literal (test_table) */
            continue;
        }
        if (j != o)
            fail_msg("mutation %d (%zu bytes): jansson %s, fuzz_json.h %s: %.*s", it, n,
                     j ? "JSON" : "not", o ? "JSON" : "not", (int)n, buf);
        if (j)
            yes++;
        else
            no++;
    }
    free(buf);
    /* both verdicts common, or the comparison says little */
    print_message("mutations: %zu still JSON, %zu not, %zu with a NUL byte jansson skips\n", yes,
                  no, quirk);
    assert_true(yes > 10000 && no > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
