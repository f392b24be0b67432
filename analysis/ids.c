/* ids.c: one list of what --ignore accepts, from the tables that define the ids. */
#include "analysis/ids.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/secrets.h"

/* The Dockerfile hints waste.c's add_hint() emits (hadolint's numbers); test_options.c checks
 * this list against waste.c's source so a new hint cannot be left out. */
static const char *const hint_ids[] = {"DL3009", "DL3015", "DL3019", "DL3032", "DL3036",
                                       "DL3040", "DL3042", "DL3046", "DL3059", "DL3060",
                                       "dockerignore"};
static const char *const dead_ids[] = {"shadowed", "deleted"};
/* The Dockerfile advice of advice_report.c (base choice, layer order, CUDA); its "cuda-devel" is
 * the waste category of that name, silenced with it. */
static const char *const advice_ids[] = {"base-slimmer", "layer-order", "torch-cuda"};

const char *ids_advice(size_t i)
{
    return i < sizeof advice_ids / sizeof *advice_ids ? advice_ids[i] : NULL;
}

const char *ids_hint(size_t i)
{
    return i < sizeof hint_ids / sizeof *hint_ids ? hint_ids[i] : NULL;
}

int ids_known(const char *id)
{
    struct secret_rule_info ri;
    for (size_t i = 0; secrets_rule_info(i, &ri) == 0; i++)
        if (strcmp(ri.id, id) == 0)
            return 1;
    const char *w;
    for (size_t i = 0; analysis_waste_rule_info(i, &w, NULL, NULL, NULL) == 0; i++)
        if (strcmp(w, id) == 0)
            return 1;
    for (size_t i = 0; i < sizeof dead_ids / sizeof *dead_ids; i++)
        if (strcmp(dead_ids[i], id) == 0)
            return 1;
    for (size_t i = 0; i < sizeof hint_ids / sizeof *hint_ids; i++)
        if (strcmp(hint_ids[i], id) == 0)
            return 1;
    for (size_t i = 0; i < sizeof advice_ids / sizeof *advice_ids; i++)
        if (strcmp(advice_ids[i], id) == 0)
            return 1;
    return 0;
}

/* Appends id to *s unless the list already holds it (waste rows share ids). */
static void add(char **s, const char *id, int *first)
{
    size_t n = strlen(id);
    for (const char *p = *s; (p = strstr(p, id)); p += n)
        if ((p == *s || p[-1] == ' ') && (p[n] == ',' || p[n] == ';' || !p[n]))
            return;
    char *t = xasprintf("%s%s%s", *s, *first ? "" : ", ", id);
    free(*s);
    *s = t;
    *first = 0;
}

char *ids_list(void)
{
    char *s = xstrdup("secret rules: ");
    int first = 1;
    struct secret_rule_info ri;
    for (size_t i = 0; secrets_rule_info(i, &ri) == 0; i++)
        add(&s, ri.id, &first);
    char *t = xasprintf("%s; waste: ", s);
    free(s);
    s = t;
    first = 1;
    const char *w;
    for (size_t i = 0; analysis_waste_rule_info(i, &w, NULL, NULL, NULL) == 0; i++)
        add(&s, w, &first);
    for (size_t i = 0; i < sizeof dead_ids / sizeof *dead_ids; i++)
        add(&s, dead_ids[i], &first);
    t = xasprintf("%s; hints: ", s);
    free(s);
    s = t;
    first = 1;
    for (size_t i = 0; i < sizeof hint_ids / sizeof *hint_ids; i++)
        add(&s, hint_ids[i], &first);
    t = xasprintf("%s; advice: ", s);
    free(s);
    s = t;
    first = 1;
    for (size_t i = 0; i < sizeof advice_ids / sizeof *advice_ids; i++)
        add(&s, advice_ids[i], &first);
    return s;
}
