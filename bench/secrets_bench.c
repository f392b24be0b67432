/* secrets_bench.c: throughput of secrets_scan_content on ~200 MB of generated text.
 *
 * Not built by the Makefile. By hand:
 *   cc -O2 -std=c11 -D_GNU_SOURCE -I. bench/secrets_bench.c analysis/secret*.c src/util.c \
 *      -lpcre2-8 -lhs -lm -o /tmp/secrets_bench && /tmp/secrets_bench [MB]
 * With -DWITH_HS it also times Vectorscan alone over the same text: the rules' keywords as one
 * literal set (the scanner's prefilter without the rules behind it), and the rule regexes as
 * one HS_FLAG_PREFILTER database (what a Vectorscan-only scanner would need before confirming).
 *
 * Old against new: the hand-written 3-gram prefilter that Vectorscan replaced is commit
 * 7558ae7's analysis/secrets.c (no -lhs needed); build the bench once against each and run both
 * on the same corpus:
 *   git show 7558ae7:analysis/secrets.c > /tmp/secrets_old.c
 *   cc -O2 -std=c11 -D_GNU_SOURCE -I. bench/secrets_bench.c /tmp/secrets_old.c \
 *      analysis/secret_rules.c -lpcre2-8 -lm -o /tmp/secrets_bench_old
 *
 * The text: "files" of 2 KB to 256 KB of C and Python source, YAML/INI config, CSV rows, web
 * logs with URLs and JSON, with words like key/token/secret/password as such text has them,
 * and one planted secret every ~2 MB. Prints MB/s (1 MB = 10^6 bytes) and the hit count.
 * Then the same for config-style keyword-dense text, the shape `bench/gzip_images.py config`
 * writes into the bench's config image: `name = value` lines with a secret keyword in every
 * name (db_password_ttl = ${DB_PASSWORD_TTL}), values that are not secrets (placeholders,
 * numbers, paths, booleans), the odd comment and section header, files of 2 KiB to 1 MiB
 * starting at a line, one in 50 with a planted password first.
 *
 *   /tmp/secrets_bench 200 config scans only the config-style text (the generated text and the
 *                                 config text are each MB megabytes; -DWITH_HS times the last).
 *
 *   /tmp/secrets_bench 200 LIST   scans instead the files named in LIST (one path a line, e.g.
 *                                 `find /usr/lib/python3.11 /usr/include -name '*.[ch]' -o
 *                                 -name '*.py' > LIST`), each its first SECRETS_CONTENT_CAP
 *                                 bytes, all under the path /app/src/file (so the /usr
 *                                 allowlist does not skip them), until MB megabytes. */
#include "analysis/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#ifdef WITH_HS
#include <hs/hs.h>
#endif

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *const words[] = {
    "value", "count", "result", "buffer", "index", "config", "request", "response", "user",
    "name", "path", "file", "data", "items", "list", "table", "cache", "key", "token", "session",
    "client", "server", "handler", "error", "status", "length", "offset", "size", "node", "tree",
    "parse", "format", "string", "number", "update", "create", "delete", "select", "insert",
    "password", "secret", "auth", "timeout", "retry", "limit", "page", "query", "filter", "map",
};
#define NW (sizeof words / sizeof words[0])

static char *put(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *word(char *p)
{
    return put(p, words[rnd(NW)]);
}

static char *line(char *p, int kind)
{
    char num[32];
    switch (kind) {
    case 0: /* C */
        p = put(p, "    ");
        p = word(p), *p++ = '_', p = word(p);
        p = put(p, rnd(3) ? " = " : "->");
        p = word(p), *p++ = '(', p = word(p), p = put(p, ", "), p = word(p);
        snprintf(num, sizeof num, ", %u);", rnd(100000));
        p = put(p, num);
        if (!rnd(4))
            p = put(p, "  /* check the "), p = word(p), p = put(p, " before use */");
        break;
    case 1: /* Python */
        p = put(p, rnd(2) ? "        " : "    ");
        p = put(p, rnd(2) ? "self." : ""), p = word(p);
        p = put(p, " = "), p = word(p), *p++ = '.', p = word(p), p = put(p, "(\""), p = word(p);
        p = put(p, "\")");
        break;
    case 2: /* YAML / INI */
        p = put(p, rnd(2) ? "  " : ""), p = word(p), *p++ = '_', p = word(p), p = put(p, ": ");
        if (rnd(3))
            p = word(p);
        else
            snprintf(num, sizeof num, "%u", rnd(65536)), p = put(p, num);
        break;
    case 3: /* CSV */
        for (int i = 0; i < 8; i++) {
            if (i)
                *p++ = ',';
            if (i % 3 == 1)
                p = word(p);
            else
                snprintf(num, sizeof num, "%u.%02u", rnd(100000), rnd(100)), p = put(p, num);
        }
        break;
    default: /* web log with URL and JSON */
        snprintf(num, sizeof num, "10.0.%u.%u - - ", rnd(256), rnd(256));
        p = put(p, num);
        p = put(p, "[12/Mar/2024:10:00:01 +0000] \"GET https://api.example.org/v1/");
        p = word(p), *p++ = '/', p = word(p);
        p = put(p, "?page=2 HTTP/1.1\" 200 512 {\"");
        p = word(p), p = put(p, "\": \""), p = word(p), p = put(p, "\"}");
        break;
    }
    *p++ = '\n';
    return p;
}

static const char *const planted[] = {
    "AWS_ACCESS_KEY_ID=AKIAQX7T3BENCHMRK2K9Z\n",
    "token = \"ghp_Zk29fLq81mNc0pXw7RtZk29fLq81mNc0pXw7\"\n",
    "DATABASE_URL=postgres://app:b3nch-pass@db:5432/app\n",
    "api_key = \"Zk29fLq81mNc0pXw7RtY\"\n",
};

/* ---- config-style text: bench/gzip_images.py's config_text, the same vocabulary ---- */

static const char *const cfg_keywords[] = {
    "password", "passwd", "secret", "token", "api_key", "apikey", "auth", "credentials",
    "private_key", "access_key", "client_secret", "session_token", "key",
};
static const char *const cfg_words[] = {
    "db", "cache", "redis", "smtp", "ldap", "oauth", "admin", "service", "backend", "proxy",
    "queue", "mail", "billing", "search", "metrics", "upload", "storage", "worker", "web", "api",
};
static const char *const cfg_suffix[] = {
    "min_length", "ttl", "timeout", "rotation_days", "file", "header", "max_age", "enabled",
    "length", "retries", "path", "env", "hash_rounds", "expiry", "algorithm", "cache_size",
};
/* '#' stands for a number, '@' for the line's name in upper case */
static const char *const cfg_values[] = {
    "${@}", "#", "#s", "/run/secrets/@", "true", "false", "X-@", "<changeme>", "sha256",
    "{{ .Values.@ }}", "#", "ENC[@]",
};
#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

static char *config_line(char *p)
{
    uint32_t r = rnd(1000);
    if (r < 20) {
        p = put(p, "["), p = put(p, PICK(cfg_words)), p = put(p, ".");
        p = put(p, PICK(cfg_words)), p = put(p, "]\n");
        return p;
    }
    if (r < 50) {
        p = put(p, "# the "), p = put(p, PICK(cfg_keywords)), p = put(p, " of the ");
        p = put(p, PICK(cfg_words)), p = put(p, " service comes from the environment\n");
        return p;
    }
    char name[96], *n = name;
    n = put(n, PICK(cfg_words)), *n++ = '_', n = put(n, PICK(cfg_keywords)), *n++ = '_';
    n = put(n, PICK(cfg_suffix)), *n = '\0';
    if (rnd(10) < 3)
        p = put(p, "  ");
    p = put(p, name), p = put(p, " = ");
    for (const char *v = PICK(cfg_values); *v; v++) {
        if (*v == '#') {
            p += sprintf(p, "%u", 1 + rnd(99999));
        } else if (*v == '@') {
            for (const char *c = name; *c; c++)
                *p++ = *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c;
        } else {
            *p++ = *v;
        }
    }
    *p++ = '\n';
    return p;
}

/* Files of 2 KiB to 1 MiB (2048 * 512^u, as gzip_images.py draws them), whole lines. */
static char *config_text(char *p, char *text, size_t target, size_t *offs, size_t *nfiles,
                         size_t cap)
{
    while ((size_t)(p - text) < target && *nfiles + 1 < cap) {
        offs[(*nfiles)++] = (size_t)(p - text);
        size_t fsize = (size_t)(2048.0 * pow(512.0, rnd(1u << 20) / (double)(1u << 20)));
        if (fsize > SECRETS_CONTENT_CAP)
            fsize = SECRETS_CONTENT_CAP;
        if (*nfiles % 50 == 8)
            p = put(p, "smtp_password = \"Zk29fLq81mNc0pXw7RtYb3nch\"\n");
        char *end = p + fsize;
        while (p < end)
            p = config_line(p);
    }
    return p;
}

/* Thread CPU time: the machine is shared (2 cores, builds and tests running beside), and time
 * spent descheduled is not the scanner's. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_hit(void *ctx, const struct secret_hit *h)
{
    (void)h;
    ++*(size_t *)ctx;
}

#ifdef WITH_HS
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(size_t *)ctx;
    return 0;
}

static void bench_hs(const char *text, const size_t *offs, size_t nfiles, size_t total, int regex)
{
    const char *pats[512];
    unsigned flags[512], ids[512];
    size_t n = 0, skipped = 0;
    for (size_t r = 0; r < secret_rules_n; r++) {
        const struct secret_rule *rule = &secret_rules[r];
        if (rule->kind != SK_CONTENT)
            continue;
        if (regex) {
            /* Vectorscan's parser rejects some PCRE syntax (lookbehind, branch reset, \1)
             * even in prefilter mode: those rules are left out and counted */
            hs_database_t *one = NULL;
            hs_compile_error_t *e1 = NULL;
            if (hs_compile(rule->pattern, HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY, HS_MODE_BLOCK,
                           NULL, &one, &e1) != HS_SUCCESS) {
                hs_free_compile_error(e1);
                skipped++;
                continue;
            }
            hs_free_database(one);
            pats[n] = rule->pattern;
            flags[n] = HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY;
            ids[n] = (unsigned)r;
            n++;
            continue;
        }
        const char *c = rule->keywords;
        while (c && *c) {
            const char *e = strchr(c, '|');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            char *lit = malloc(len * 4 + 1), *q = lit;
            for (size_t i = 0; i < len; i++)
                q += sprintf(q, "\\x%02x", (unsigned char)c[i]);
            pats[n] = lit;
            flags[n] = (rule->flags & SRF_KWICASE) ? HS_FLAG_CASELESS : 0;
            ids[n] = (unsigned)r;
            n++;
            c += len + (e != NULL);
        }
    }
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_compile_multi(pats, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db, &err) !=
        HS_SUCCESS) {
        printf("vectorscan %s: compile failed: %s\n", regex ? "regex" : "literals", err->message);
        hs_free_compile_error(err);
    } else {
        hs_scratch_t *scratch = NULL;
        hs_alloc_scratch(db, &scratch);
        size_t m = 0;
        double t0 = now();
        for (size_t f = 0; f < nfiles; f++)
            hs_scan(db, text + offs[f], (unsigned)(offs[f + 1] - offs[f]), 0, scratch, on_match, &m);
        double dt = now() - t0;
        printf("vectorscan %-26s %8.0f MB/s  (%zu patterns, %zu rejected, %zu matches: prefilter only)\n",
               regex ? "rule regexes (PREFILTER):" : "keyword literals:", total / dt / 1e6, n,
               skipped, m);
        hs_free_scratch(scratch);
        hs_free_database(db);
    }
    if (!regex)
        for (size_t i = 0; i < n; i++)
            free((void *)pats[i]);
}
#endif

/* Best of 5 passes over every file; prints one line for the corpus. */
static void bench_scan(const char *what, const char *text, const size_t *offs, size_t nfiles)
{
    size_t total = offs[nfiles], hits = 0;
    struct secret_scanner *s = secrets_new();
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        hits = 0;
        double t0 = now();
        for (size_t f = 0; f < nfiles; f++)
            secrets_scan_content(s, "/app/src/file.txt", text + offs[f], offs[f + 1] - offs[f],
                                 count_hit, &hits);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("secrets_scan_content%s: %.1f MB in %zu files, %.3f s CPU, %.0f MB/s, %zu hits\n",
           what, total / 1e6, nfiles, best, total / best / 1e6, hits);
    secrets_free(s);
}

int main(int argc, char **argv)
{
    size_t target = (argc > 1 ? (size_t)atol(argv[1]) : 200) * 1000000;
    int config_only = argc > 2 && strcmp(argv[2], "config") == 0;
    char *text = malloc(target + SECRETS_CONTENT_CAP + 600000);
    size_t cap = target / 100 + 16, nfiles = 0;
    size_t *offs = malloc(cap * sizeof *offs);
    char *p = text;
    size_t next_plant = 2000000;
    FILE *list = argc > 2 && !config_only ? fopen(argv[2], "r") : NULL;
    char path[4096];
    while (list && fgets(path, sizeof path, list) && (size_t)(p - text) < target &&
           nfiles + 1 < cap) {
        path[strcspn(path, "\n")] = '\0';
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t room = target + 600000 - (size_t)(p - text);
        size_t n = fread(p, 1, room < SECRETS_CONTENT_CAP ? room : SECRETS_CONTENT_CAP, f);
        fclose(f);
        if (!n)
            continue;
        offs[nfiles++] = (size_t)(p - text);
        p += n;
    }
    if (list)
        fclose(list);
    while (!list && !config_only && (size_t)(p - text) < target && nfiles + 1 < cap) {
        offs[nfiles++] = (size_t)(p - text);
        size_t fsize = 2048u << rnd(8);             /* 2 KB … 256 KB */
        int kind = (int)rnd(5);
        char *end = p + fsize;
        while (p < end) {
            p = line(p, kind);
            if ((size_t)(p - text) > next_plant) {
                p = put(p, planted[rnd(4)]);
                next_plant += 2000000;
            }
        }
    }
    offs[nfiles] = (size_t)(p - text);
    if (nfiles)
        bench_scan("", text, offs, nfiles);

    if (!list) {
        /* config-style keyword-dense text, the same amount, after the generated text or alone */
        nfiles = 0;
        p = config_text(text, text, target, offs, &nfiles, cap);
        offs[nfiles] = (size_t)(p - text);
        bench_scan(" (config-style)", text, offs, nfiles);
    }
#ifdef WITH_HS
    bench_hs(text, offs, nfiles, offs[nfiles], 0);
    bench_hs(text, offs, nfiles, offs[nfiles], 1);
#endif
    free(offs);
    free(text);
    return 0;
}
