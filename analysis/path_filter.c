/* path_filter.c: regular-expression filter over the model's paths (see path_filter.h). */
#include "analysis/path_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "src/util.h"

struct path_filter {
    pcre2_code *code;
    pcre2_match_data *md;
};

struct path_filter *path_filter_new(const char *pattern, char *err, size_t errlen)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS;
    for (const char *s = pattern; *s; s++)
        if (isupper((unsigned char)*s) && (s == pattern || s[-1] != '\\'))
            opts &= ~(uint32_t)PCRE2_CASELESS;   /* smart case, as less and vim do */
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &ec, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, errlen, "%s at %zu", (const char *)msg, (size_t)off);
        return NULL;
    }
    struct path_filter *f = xcalloc(1, sizeof *f);
    f->code = code;
    f->md = pcre2_match_data_create_from_pattern(code, NULL);
    return f;
}

void path_filter_free(struct path_filter *f)
{
    if (!f)
        return;
    pcre2_match_data_free(f->md);
    pcre2_code_free(f->code);
    free(f);
}

int path_filter_match(struct path_filter *f, const char *path, size_t len)
{
    return pcre2_match(f->code, (PCRE2_SPTR)path, len, 0, 0, f->md, NULL) >= 0;
}

uint32_t path_filter_mark(struct path_filter *f, const struct model *m, uint8_t *pass)
{
    uint32_t n = 0;
    char buf[4096];
    /* a parent always has a smaller index than its children: one pass down, one pass up */
    for (uint32_t p = MODEL_ROOT + 1; p < m->n_paths; p++) {
        uint32_t q = m->paths[p].parent;
        if (q != MODEL_ROOT && (pass[q] & PF_SELF))
            pass[p] |= PF_SELF;
        else if (path_filter_match(f, buf, strlen(model_path_str(m, p, buf, sizeof buf))))
            pass[p] |= PF_SELF;
        n += (pass[p] & PF_SELF) != 0;
    }
    for (uint32_t p = m->n_paths - 1; p > MODEL_ROOT && p < m->n_paths; p--)
        if (pass[p]) {
            uint32_t q = m->paths[p].parent;
            if (q > MODEL_ROOT)
                pass[q] |= PF_BELOW;
        }
    return n;
}
