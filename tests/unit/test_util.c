/* test_util.c: the escaping every name from an image goes through before it is printed
 * (util_escape) and the JSON writer's escaping of the same characters (jsonout_dumpf). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_c0_and_invalid),
        cmocka_unit_test(test_escape_bidi_and_c1),
        cmocka_unit_test(test_json_escapes_bidi_and_c1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
