/* test_options.c: the ids --ignore accepts (analysis/ids.c) cover every secret rule, waste
 * category and Dockerfile hint, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "analysis/ids.h"
#include "analysis/secrets.h"

static void test_tables_known(void **state)
{
    (void)state;
    struct secret_rule_info ri;
    size_t n = 0;
    for (size_t i = 0; secrets_rule_info(i, &ri) == 0; i++, n++)
        assert_true(ids_known(ri.id));
    assert_true(n > 10);
    const char *w;
    for (size_t i = 0; analysis_waste_rule_info(i, &w, NULL, NULL, NULL) == 0; i++)
        assert_true(ids_known(w));
    assert_true(ids_known("shadowed"));
    assert_true(ids_known("deleted"));
    assert_false(ids_known("aws-acces-key-id"));
    assert_false(ids_known(""));
    assert_false(ids_known("DL9999"));
    char *l = ids_list();
    assert_non_null(strstr(l, "secret rules: "));
    assert_non_null(strstr(l, "; waste: "));
    assert_non_null(strstr(l, "; hints: DL"));
    assert_null(strchr(l, '\n'));
    /* a waste id shared by several rows is listed once */
    const char *p = strstr(l, "apt-cache");
    assert_non_null(p);
    assert_null(strstr(p + 1, "apt-cache"));
    free(l);
}

/* Every hint id waste_hints.c emits (add_hint(a, "DLxxxx", …)) is known: read from its source, so a
 * new hint cannot be left out of ids.c. */
static void test_hints_from_source(void **state)
{
    (void)state;
    FILE *f = fopen("analysis/waste_hints.c", "r");
    assert_non_null(f);   /* the tests run from the repository root */
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "add_hint(a, \"");
        if (!p)
            continue;
        p += strlen("add_hint(a, \"");
        const char *q = strchr(p, '"');
        assert_non_null(q);
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(q - p), p);
        if (!ids_known(id))
            fail_msg("hint %s from analysis/waste_hints.c is not in analysis/ids.c", id);
        n++;
    }
    fclose(f);
    assert_true(n >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_known),
        cmocka_unit_test(test_hints_from_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
