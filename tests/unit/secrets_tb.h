/* secrets_tb.h: what the secret scanner's tests (test_secrets*.c) share: one scanner for the
 * program (setup, teardown), tokens generated from a fixed seed (no real key is in these
 * files), and scan-and-ask helpers (fires, fires_path, fires_env, fires_hist). Header-only. */
#ifndef STRATA_SECRETS_TB_H
#define STRATA_SECRETS_TB_H

/* each test file uses some of these helpers, not all */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/secrets.h"

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define B64   ALNUM "+/"
#define B64U  ALNUM "_-"
#define HEX   "0123456789abcdef"
#define BECH  "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

static struct secret_scanner *S;

/* ---- helpers ---- */

static uint32_t seed = 12345;

static size_t rndn(size_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

static char rnd(const char *alpha)
{
    return alpha[rndn(strlen(alpha))];
}

/* out = prefix + n random chars of alpha + suffix; returns out */
static char *gen(char *out, const char *prefix, const char *alpha, size_t n, const char *suffix)
{
    size_t p = strlen(prefix);
    memcpy(out, prefix, p);
    for (size_t i = 0; i < n; i++)
        out[p + i] = rnd(alpha);
    strcpy(out + p + n, suffix);
    return out;
}

struct rec {
    int n;
    char id[64][48];
    int sev[64], kind[64];
    size_t off[64], len[64];
    char masked[64][96];
};

static char seen_ids[128][48];          /* every rule id that fired in any test */
static size_t n_seen;

static void on_hit(void *ctx, const struct secret_hit *h)
{
    struct rec *r = ctx;
    size_t k = 0;
    while (k < n_seen && strcmp(seen_ids[k], h->rule_id) != 0)
        k++;
    if (k == n_seen && n_seen < 128)
        snprintf(seen_ids[n_seen++], sizeof seen_ids[0], "%s", h->rule_id);
    if (r->n >= 64)
        return;
    snprintf(r->id[r->n], sizeof r->id[0], "%s", h->rule_id);
    r->sev[r->n] = (int)h->severity;
    r->kind[r->n] = (int)h->kind;
    r->off[r->n] = h->offset;
    r->len[r->n] = h->len;
    memcpy(r->masked[r->n], h->masked, sizeof h->masked);
    assert_non_null(h->fix);
    assert_true(strlen(h->fix) > 10);
    r->n++;
}

static int has(const struct rec *r, const char *id)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->id[i], id) == 0)
            return 1;
    return 0;
}

static struct rec scan(const char *path, const char *text)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    int n = secrets_scan_content(S, path, text, strlen(text), on_hit, &r);
    assert_int_equal(n, r.n);
    return r;
}

static int fires(const char *rule, const char *path, const char *text)
{
    struct rec r = scan(path, text);
    return has(&r, rule);
}

static int fires_path(const char *rule, const char *path)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    secrets_check_path(S, path, on_hit, &r);
    return has(&r, rule);
}

static int fires_env(const char *rule, const char *nv)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    secrets_check_env(S, nv, on_hit, &r);
    return has(&r, rule);
}

static int fires_hist(const char *rule, const char *cb)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    secrets_check_history(S, cb, on_hit, &r);
    return has(&r, rule);
}

#define YES(rule, path, text) \
    do { if (!fires(rule, path, text)) fail_msg("%s should fire on: %s", rule, text); } while (0)
#define NO(rule, path, text) \
    do { if (fires(rule, path, text)) fail_msg("%s must not fire on: %s", rule, text); } while (0)

static int setup(void **state)
{
    (void)state;
    S = secrets_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    secrets_free(S);
    return 0;
}

/* Fails naming the first rule of the kinds given (a bit per enum secret_kind) that did not fire
 * in this program's tests: the last test calls it. */
static void assert_every_rule_fired(unsigned kinds)
{
    struct secret_rule_info x;
    for (size_t i = 0; secrets_rule_info(i, &x) == 0; i++) {
        if (!(kinds & 1u << x.kind))
            continue;
        size_t k = 0;
        while (k < n_seen && strcmp(seen_ids[k], x.id) != 0)
            k++;
        if (k == n_seen)
            fail_msg("rule %s (%s) never fired in the tests", x.id, secrets_kind_name(x.kind));
    }
}

#pragma GCC diagnostic pop

#endif
