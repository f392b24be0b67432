/* fuzz_secrets.c: the secret scanner (analysis/secrets.c, secret_paths.c, secret_names.c) on
 * arbitrary text, one scanner for the process (as each reader thread keeps one).
 *
 * The first input byte picks the call (low two bits): 0 secrets_scan_content with the first
 * line of the rest as the in-image path and the remainder as the body (the rule set, the
 * allowlist and the path-limited rules depend on the path); 1 secrets_check_path; 2
 * secrets_check_env ("NAME=value"); 3 secrets_check_history (a created_by). Every hit must lie
 * inside the text scanned and come with a NUL-terminated mask. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/secrets.h"

struct chk {
    size_t len;
    int hits;
};

static void on_hit(void *ctx, const struct secret_hit *h)
{
    struct chk *c = ctx;
    if (!h->rule_id || !h->fix || h->offset > c->len || h->len > c->len - h->offset)
        __builtin_trap();
    if (!memchr(h->masked, 0, sizeof h->masked))
        __builtin_trap();
    if (h->kind != SK_FILE && h->len >= 16 && !strchr(h->masked, '*'))
        __builtin_trap();   /* a long value is never shown whole */
    c->hits++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct secret_scanner *s;
    if (!s)
        s = secrets_new();
    if (size < 1)
        return 0;
    int mode = data[0] & 3;
    const char *t = (const char *)data + 1;
    size_t n = size - 1;
    struct chk c = {n, 0};
    if (mode == 0) {
        const char *nl = memchr(t, '\n', n);
        size_t pl = nl ? (size_t)(nl - t) : n;
        char *path = strndup(t, pl);
        size_t bl = nl ? n - pl - 1 : 0;
        /* the body in a buffer of its own size: a read past it is an ASan report */
        char *body = malloc(bl ? bl : 1);
        memcpy(body, nl ? nl + 1 : t, bl);
        c.len = bl;
        secrets_needs_content(s, path, bl);
        secrets_scan_content(s, path, body, bl, on_hit, &c);
        free(body);
        free(path);
        return 0;
    }
    char *z = strndup(t, n);    /* these take C strings */
    c.len = strlen(z);
    if (mode == 1)
        secrets_check_path(s, z, on_hit, &c);
    else if (mode == 2)
        secrets_check_env(s, z, on_hit, &c);
    else
        secrets_check_history(s, z, on_hit, &c);
    free(z);
    return 0;
}
