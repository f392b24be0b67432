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

/* The list is built in one buffer: an id is added unless an earlier one (of any section) is the
 * same, since waste rows share ids. Rebuilding the string per id, as an xasprintf chain, cost
 * time quadratic in the list (it showed in the fuzzer's profile of a .strata.conf typo). */
struct idbuf {
    char *s;
    size_t len, cap;
    const char **seen;
    size_t n_seen, cap_seen;
    int first;                  /* the section has no id yet */
};

static void put(struct idbuf *b, const char *t)
{
    size_t n = strlen(t);
    b->s = util_grow(b->s, &b->cap, b->len, n + 1, 1);
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

static void section(struct idbuf *b, const char *title)
{
    if (b->len)
        put(b, "; ");
    put(b, title);
    put(b, ": ");
    b->first = 1;
}

static void add(struct idbuf *b, const char *id)
{
    for (size_t i = 0; i < b->n_seen; i++)
        if (strcmp(b->seen[i], id) == 0)
            return;
    ARR_GROW(b->seen, b->cap_seen, b->n_seen, 1);
    b->seen[b->n_seen++] = id;
    if (!b->first)
        put(b, ", ");
    put(b, id);
    b->first = 0;
}

char *ids_list(void)
{
    struct idbuf b = {0};
    section(&b, "secret rules");
    struct secret_rule_info ri;
    for (size_t i = 0; secrets_rule_info(i, &ri) == 0; i++)
        add(&b, ri.id);
    section(&b, "waste");
    const char *w;
    for (size_t i = 0; analysis_waste_rule_info(i, &w, NULL, NULL, NULL) == 0; i++)
        add(&b, w);
    for (size_t i = 0; i < sizeof dead_ids / sizeof *dead_ids; i++)
        add(&b, dead_ids[i]);
    section(&b, "hints");
    for (size_t i = 0; i < sizeof hint_ids / sizeof *hint_ids; i++)
        add(&b, hint_ids[i]);
    section(&b, "advice");
    for (size_t i = 0; i < sizeof advice_ids / sizeof *advice_ids; i++)
        add(&b, advice_ids[i]);
    free(b.seen);
    return b.s;
}
