/* test_secrets_scan.c: the scanner's other inputs and its fast paths: file names, Env entries
 * and history lines; the path prefilter and the assignment pass, each against the reference
 * that has none; the allowlist, binary text, long lines, masking and the small API. */
#include "tests/unit/secrets_tb.h"

/* ---- file names ---- */

static void test_paths(void **state)
{
    (void)state;
    assert_true(fires_path("ssh-private-key-file", "/home/u/.ssh/id_ed25519"));
    assert_false(fires_path("ssh-private-key-file", "/root/.ssh/id_rsa.pub"));
    assert_false(fires_path("ssh-private-key-file", "/usr/lib/python3/dist-packages/paramiko/tests/id_rsa"));
    assert_false(fires_path("ssh-private-key-file", "/app/test/keys/id_rsa"));
    assert_true(fires_path("cloud-credentials-file", "/root/.aws/credentials"));
    assert_true(fires_path("cloud-credentials-file", "/root/.kube/config"));
    assert_true(fires_path("cloud-credentials-file", "/root/.git-credentials"));
    assert_true(fires_path("cloud-credentials-file", "/root/.config/gcloud/application_default_credentials.json"));
    assert_false(fires_path("cloud-credentials-file", "/root/.aws/config"));
    assert_false(fires_path("cred-file", "/root/.aws/credentials"));   /* one hit per path */
    assert_true(fires_path("pkcs12-file", "/app/cert.p12"));
    assert_true(fires_path("pkcs12-file", "/app/CERT.PFX"));
    assert_false(fires_path("pkcs12-file", "/app/p12.txt"));
    assert_false(fires_path("pkcs12-file", "/app/tests/cert.p12"));
    assert_true(fires_path("cred-file", "/app/.env.production"));
    assert_true(fires_path("cred-file", "/srv/config/database.yml"));
    assert_false(fires_path("cred-file", "/app/.env.example"));
    assert_false(fires_path("cred-file", "/app/env"));
    assert_false(fires_path("cred-file", "/app/.envrc.d/x"));
    assert_false(fires_path("cred-file", "/usr/local/lib/python3.12/site-packages/foo/settings.py"));
    assert_true(fires_path("secret-file-ext", "/etc/openvpn/client.ovpn"));
    assert_true(fires_path("secret-file-ext", "/app/keystore.jks"));
    assert_false(fires_path("secret-file-ext", "/etc/openvpn/client.ovpn.txt"));
    assert_true(fires_path("cloud-config-dir", "/root/.aws/config"));
    assert_false(fires_path("cloud-config-dir", "/root/aws/config"));
    struct rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_check_path(S, "/etc/ssl/private/ssl-cert-snakeoil.key", on_hit, &r), 0);
    assert_int_equal(secrets_check_path(S, "/root/.ssh/id_rsa", on_hit, &r), 1);
    assert_int_equal(r.kind[0], SK_FILE);
    assert_int_equal(r.sev[0], SEV_CRITICAL);
    assert_string_equal(r.masked[0], "");
}

/* ---- env and history ---- */

static void test_env(void **state)
{
    (void)state;
    char t[256];
    assert_true(fires_env("env-secret-name", "AWS_SECRET_ACCESS_KEY=x"));
    assert_true(fires_env("env-secret-name", "API_KEY=k3y"));
    assert_true(fires_env("env-secret-name", "DB_PASSWORD=hunter2"));
    assert_true(fires_env("env-secret-name", "apikey=abc"));
    assert_false(fires_env("env-secret-name", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"));
    assert_false(fires_env("env-secret-name", "PHP_GPG_KEYS=1729F83938DA44E27BA0F4D3DBDB397470D12172"));
    assert_false(fires_env("env-secret-name", "DB_PASSWORD_FILE=/run/x"));
    assert_false(fires_env("env-secret-name", "NODE_VERSION=1"));
    assert_false(fires_env("env-secret-name", "ACCESS_LOG=/var/log/access.log"));
    assert_false(fires_env("env-secret-name", "PWD=/app"));
    assert_false(fires_env("env-secret-name", "KEYCLOAK_URL=http://kc"));
    assert_false(fires_env("env-secret-name", "PUBLIC_KEY=abc"));
    assert_false(fires_env("env-secret-name", "API_TOKEN="));
    assert_false(fires_env("env-secret-name", "API_TOKEN=${TOKEN}"));
    /* a token format wins over the name rule: one finding */
    struct rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_check_env(S, gen(t, "GITHUB_TOKEN=ghp_", ALNUM, 36, ""), on_hit, &r), 1);
    assert_string_equal(r.id[0], "github-pat");
    assert_int_equal(r.kind[0], SK_ENV);
    assert_int_equal(r.off[0], 13);
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_check_env(S, "AWS_SECRET_ACCESS_KEY=x", on_hit, &r), 1);
    assert_int_equal(r.off[0], 22);
    assert_int_equal(r.len[0], 1);
    assert_string_equal(r.masked[0], "*");
}

static void test_history(void **state)
{
    (void)state;
    char t[256], u[512];
    gen(t, "ghp_", ALNUM, 36, "");
    snprintf(u, sizeof u, "RUN |1 GITHUB_TOKEN=%s /bin/sh -c go build ./...", t);
    struct rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_check_history(S, u, on_hit, &r), 1);
    assert_string_equal(r.id[0], "github-pat");
    assert_int_equal(r.kind[0], SK_HISTORY);
    assert_memory_equal(u + r.off[0], t, 40);
    assert_true(fires_hist("build-arg-secret", "RUN |2 NPM_TOKEN=abc123 SOME=1 /bin/sh -c npm ci"));
    assert_true(fires_hist("build-arg-secret", "|1 DB_PASSWORD=two words /bin/sh -c make"));
    assert_true(fires_hist("build-arg-secret", "ARG API_KEY=k3yv4lue"));
    assert_true(fires_hist("build-arg-secret", "/bin/sh -c #(nop)  ARG SECRET=abc"));
    assert_false(fires_hist("build-arg-secret", "RUN |1 NODE_VERSION=20 /bin/sh -c npm ci"));
    assert_false(fires_hist("build-arg-secret", "RUN |1 GPG_KEY=ABCDEF /bin/sh -c gpg"));
    assert_false(fires_hist("build-arg-secret", "ARG API_KEY"));
    assert_false(fires_hist("build-arg-secret", "RUN /bin/sh -c echo TOKEN=abc"));
    assert_true(fires_hist("curl-auth", "RUN /bin/sh -c curl -u admin:Sup3rS3cret https://x/a.tgz | tar xz"));
    assert_false(fires_hist("curl-auth", "RUN /bin/sh -c curl -u \"admin:$PASS\" https://x/a.tgz"));
    assert_true(fires_hist("url-password", "RUN /bin/sh -c pip install -i https://u:Pq82xZ1w@pypi.local/simple x"));
    assert_true(fires_hist("generic-api-key", "RUN /bin/sh -c echo 'api_key=Zk29fLq81mNc0pXw7Rt' > /etc/app"));
}

/* ---- the path prefilter changes no answer ---- */

/* A growing list of NUL-terminated paths in one buffer. */
struct pathset {
    char *buf;
    size_t len, cap, n;
};

static struct pathset PS;
#define REAL_PATHS_MAX 300000

static void ps_add(struct pathset *ps, const char *p)
{
    size_t n = strlen(p) + 1;
    if (ps->len + n > ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 1 << 20;
        ps->buf = realloc(ps->buf, ps->cap);
        assert_non_null(ps->buf);
    }
    memcpy(ps->buf + ps->len, p, n);
    ps->len += n;
    ps->n++;
}

static int collect(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    ps_add(&PS, p);
    return PS.n >= REAL_PATHS_MAX;      /* non-zero stops the walk */
}

/* The spellings of one pattern's literal a path might carry: as is, case flipped, cut short,
 * extended. */
static void variants(const char *lit, char out[][160], size_t *n)
{
    size_t l = strlen(lit);
    *n = 0;
    if (l > 100)
        return;
    snprintf(out[(*n)++], 160, "%.120s", lit);
    snprintf(out[*n], 160, "%.120s", lit);
    for (char *c = out[*n]; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    (*n)++;
    snprintf(out[*n], 160, "%.120s", lit);
    for (char *c = out[*n]; *c; c++)
        if (isalpha((unsigned char)*c)) {
            *c ^= 0x20;                  /* only the first letter flipped */
            break;
        }
    (*n)++;
    if (l > 1) {
        snprintf(out[(*n)++], 160, "%.120s", lit + 1);
        snprintf(out[(*n)++], 160, "%.*s", (int)l - 1, lit);
    }
    snprintf(out[(*n)++], 160, "x%.120s", lit);
    snprintf(out[(*n)++], 160, "%.120sx", lit);
    snprintf(out[(*n)++], 160, "%.120s.txt", lit);
    snprintf(out[(*n)++], 160, "%.120s/", lit);
    snprintf(out[(*n)++], 160, "%.120s\n", lit);
}

/* Every pattern literal of the table (rules' file patterns, exempts and path limits, the
 * allowlist, the skip list), without its '=', '^', '~' or '*' marker. */
static size_t table_literals(char lits[][128], size_t max)
{
    const char *specs[256];
    size_t ns = 0, n = 0;
    for (size_t i = 0; i < secret_rules_n; i++) {
        if (secret_rules[i].kind == SK_FILE) {
            specs[ns++] = secret_rules[i].pattern;
            specs[ns++] = secret_rules[i].exempt;
        } else {
            specs[ns++] = secret_rules[i].paths;
        }
    }
    for (size_t i = 0; i < secret_allows_n; i++) {
        specs[ns++] = secret_allows[i].paths;
        specs[ns++] = secret_allows[i].under;
    }
    specs[ns++] = secret_skip_paths;
    assert_true(ns <= 256);
    for (size_t i = 0; i < ns; i++) {
        for (const char *c = specs[i]; c && *c;) {
            size_t l = strcspn(c, "|");
            const char *t = c;
            if (*t == '=' || *t == '^' || *t == '~' || *t == '*')
                t++;
            size_t tl = l - (size_t)(t - c);
            if (tl && t[tl - 1] == '*' && *c != '*')
                tl--;
            assert_true(n < max && tl < 128);
            snprintf(lits[n++], 128, "%.*s", (int)tl, t);
            c += l + (c[l] == '|');
        }
    }
    return n;
}

/* Synthetic paths from every literal: as basename, component, prefix and suffix, under
 * allowlisted and plain folders, spelled as variants(); then literals joined at random, so
 * allowlist "under" pairs meet in both orders. */
static void synthetic_paths(struct pathset *ps)
{
    static char lits[1024][128], v[16][160];
    static const char *const dirs[] = {
        "", "/", "/app/", "/root/", "/usr/share/", "/usr/lib/", "/usr/local/lib/python3.12/",
        "/usr/lib/python3/dist-packages/pkg/", "/srv/node_modules/m/", "/app/tests/",
        "/x/site-packages/y/test/", "/root/.aws/", "/home/u/.config/gcloud/", "/var/lib/dpkg/",
        "rel/", "/tests/site-packages/",
    };
    static const char *const tails[] = {"", "/f", "/x.txt", ".bak", "/.env", "/id_rsa"};
    char p[3000];                       /* roomy: the compiler cannot bound v[k] */
    size_t nl = table_literals(lits, 1024), nv;
    for (size_t i = 0; i < nl; i++) {
        variants(lits[i], v, &nv);
        for (size_t k = 0; k < nv; k++)
            for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++)
                for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                    snprintf(p, sizeof p, "%s%s%s", dirs[d], v[k], tails[t]);
                    ps_add(ps, p);
                    snprintf(p, sizeof p, "%sname%s%s", dirs[d], v[k], tails[t]);
                    ps_add(ps, p);
                }
    }
    for (int i = 0; i < 200000; i++) {
        size_t len = 0, parts = 1 + rndn(4);
        p[0] = '\0';
        for (size_t j = 0; j < parts; j++) {
            const char *l = lits[rndn(nl)];
            len += (size_t)snprintf(p + len, sizeof p - len, "%s%s", rndn(3) ? "/" : "", l);
        }
        if (rndn(4) == 0)
            snprintf(p + len, sizeof p - len, "/f%c", rnd(ALNUM));
        ps_add(ps, p);
    }
    ps_add(ps, "");
    ps_add(ps, "/");
    ps_add(ps, "a");
}

struct first_hit {
    const char *id;
    int n;
};

static void on_first(void *ctx, const struct secret_hit *h)
{
    struct first_hit *f = ctx;
    f->id = h->rule_id;
    f->n++;
}

static void test_path_prefilter(void **state)
{
    (void)state;
    struct secret_scanner *fast = secrets_new(), *ref = secrets_new();
    secrets_internal_path_reference(ref, 1);
    memset(&PS, 0, sizeof PS);
    nftw("/usr", collect, 64, FTW_PHYS | FTW_MOUNT);
    size_t nreal = PS.n;
    if (PS.n < REAL_PATHS_MAX)
        nftw("/etc", collect, 64, FTW_PHYS | FTW_MOUNT);
    nreal = PS.n;
    synthetic_paths(&PS);
    printf("path prefilter: %zu real paths, %zu synthetic\n", nreal, PS.n - nreal);

    static unsigned char act_f[256], act_r[256];
    assert_true(secret_rules_n <= 256);
    size_t hits = 0, needs = 0, active = 0;
    const char *p = PS.buf;
    for (size_t i = 0; i < PS.n; i++, p += strlen(p) + 1) {
        struct first_hit hf = {NULL, 0}, hr = {NULL, 0};
        int nf = secrets_check_path(fast, p, on_first, &hf);
        int nr = secrets_check_path(ref, p, on_first, &hr);
        if (nf != nr || hf.n != hr.n || (hf.id != hr.id))
            fail_msg("check_path(\"%s\"): %s, reference %s", p, hf.id ? hf.id : "none",
                     hr.id ? hr.id : "none");
        hits += (size_t)nf;
        int cf = secrets_needs_content(fast, p, 10), cr = secrets_needs_content(ref, p, 10);
        if (cf != cr)
            fail_msg("needs_content(\"%s\"): %d, reference %d", p, cf, cr);
        needs += (size_t)cf;
        int af = secrets_internal_active(fast, p, act_f);
        int ar = secrets_internal_active(ref, p, act_r);
        if (af != ar || memcmp(act_f, act_r, secret_rules_n) != 0)
            fail_msg("content rules for \"%s\" differ from the reference", p);
        for (size_t r = 0; r < secret_rules_n; r++)
            active += act_f[r];
    }
    printf("path prefilter: %zu file-name hits, %zu bodies wanted, %zu rule activations: "
           "same as the reference\n", hits, needs, active);
    assert_true(hits > 1000);           /* the synthetic paths do reach the rules */

    /* STRATA_BENCH_PATHS=N: ns per path for N of the real paths, repeated, both ways */
    const char *bench = getenv("STRATA_BENCH_PATHS");
    if (bench && nreal) {
        size_t total = strtoul(bench, NULL, 10);
        const char **v = malloc(nreal * sizeof *v);
        assert_non_null(v);
        p = PS.buf;
        for (size_t i = 0; i < nreal; i++, p += strlen(p) + 1)
            v[i] = p;
        struct secret_scanner *sc[2] = {fast, ref};
        for (int k = 0; k < 2; k++) {
            struct timespec t0, t1, t2;
            struct first_hit h = {NULL, 0};
            size_t c = 0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            for (size_t i = 0; i < total; i++)
                secrets_check_path(sc[k], v[i % nreal], on_first, &h);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            for (size_t i = 0; i < total; i++)
                c += (size_t)secrets_needs_content(sc[k], v[i % nreal], 10);
            clock_gettime(CLOCK_MONOTONIC, &t2);
            double a = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
            double b = (double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec);
            printf("%s: check_path %.0f ns/path, needs_content %.0f ns/path (%d hits, %zu)\n",
                   k ? "reference" : "prefilter", a / (double)total, b / (double)total, h.n, c);
        }
        free(v);
    }
    free(PS.buf);
    memset(&PS, 0, sizeof PS);
    secrets_free(fast);
    secrets_free(ref);
}

/* ---- generic-api-key through the assignment pass (SRF_ASSIGN, analysis/secret_assign.c) ---- */

static void test_assign_shapes(void **state)
{
    (void)state;
    char v150[160], line[256];
    /* every operator, blanks and quotes up to the regex's limits, and one past them */
    YES("generic-api-key", "/app/c.txt", "token=Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.txt", "token:=Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.txt", "token := Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.php", "\"api_token\" => \"Zk29fLq81mNc0pXw\"\n");
    YES("generic-api-key", "/app/Makefile", "token ?= Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.yml", "client_secret:\t'Zk29fLq81mNc0pXw'\n");
    YES("generic-api-key", "/app/c.txt", "secret_key     =     `Zk29fLq81mNc0pXw`\n");
    NO("generic-api-key", "/app/c.txt", "secret_key      = Zk29fLq81mNc0pXw\n");     /* 6 blanks */
    NO("generic-api-key", "/app/c.txt", "secret_key =      Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.txt", "api_key_for_the_billing_svc = Zk29fLq81mNc0pXw\n");
    NO("generic-api-key", "/app/c.txt", "api_key_for_the_billing_svc_x = Zk29fLq81mNc0pXw\n");
    YES("generic-api-key", "/app/c.txt", "key==Zk29fLq81mNc0pXw\n");
    /* the value: at the very end, its digit past the first 16 bytes, none, 150 and 151 long */
    YES("generic-api-key", "/app/c.txt", "token=Zk29fLq81mNc0pXw");
    YES("generic-api-key", "/app/c.txt", "token=ZkqfLqmNcpXwRtYbHgFdSaQwErTy7x\n");
    NO("generic-api-key", "/app/c.txt", "token=ZkqfLqmNcpXwRtYbHgFdSaQwErTyx\n");
    gen(v150, "", "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 149, "7");
    snprintf(line, sizeof line, "password = %s\n", v150);
    YES("generic-api-key", "/app/c.txt", line);
    snprintf(line, sizeof line, "password = %sx\n", v150);
    NO("generic-api-key", "/app/c.txt", line);
    NO("generic-api-key", "/app/c.txt", "x = token_Zk29fLq81mNc0pXw\n");
    NO("generic-api-key", "/app/c.txt", "token = \"Zk29fLq81mNc0pXw(\n");
    /* two on a line, CRLF; a keyword in a comment after the first */
    struct rec r = scan("/app/c.txt", "token=Zk29fLq81mNc0pXw secret=Ab12Cd34Ef56Gh78Ij\r\n");
    assert_int_equal(r.n, 2);
    r = scan("/app/c.txt", "MY_PASSWORD=\"Zk29fLq81mNc0pXw\" # and a token=Ab12Cd34Ef56Gh78Ij\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.off[0], 13);
    assert_int_equal(r.off[1], 45);
}

struct allhits {
    size_t n;
    struct { const char *id; size_t off, len; } v[4096];
};

static void on_any(void *ctx, const struct secret_hit *h)
{
    struct allhits *a = ctx;
    if (a->n < 4096)
        a->v[a->n].id = h->rule_id, a->v[a->n].off = h->offset, a->v[a->n++].len = h->len;
}

/* Random text dense in keywords, operators, blanks, quotes and values of every length around
 * the limits: the scanner must report what the reference (every keyword through Vectorscan,
 * no assignment pass, every database for every path) reports, hit for hit. */
static void test_assign_reference(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "key", "KEY", "Key", "secret", "SECRET", "token", "Token", "passw", "password", "passwd",
        "PASSWORD", "credential", "credentials", "api_key", "apikey", "aws", "secret_access_key",
        "_auth", "_password", "_authToken", "<password>", "auth", "sk-", "AKIA", "://",
        "curl -u ", "authorization: bearer ", "eyJ", "xoxb-", "npm_", "hf_", "=", ":", ":=", "=>",
        "?=", "==", " = ", ": ", " := ", "\t=\t", "  =      ", " => ", "= '", "= \"", ": `",
        "=\"", "(", ".", ",", "\n", " ", "\t", "_", "-", "'", "\"", "`", ")", "${", "}", "@",
        "/", "x", "name", "db", "0Q~", "example", "\r\n",
    };
    static const char *const alphas[] = {
        "abcdefXYZ0123456789", "0123456789", "abcdefghij", "A1b2C3+/=_.-", "AbC9",
        "ab-cd.ef_gh/ij+kl=mn",
    };
    static const size_t lens[] = {3, 5, 8, 9, 10, 11, 12, 16, 17, 20, 31, 32, 33, 64, 149,
                                  150, 151, 152, 200};
    static const char *const paths[] = {"/app/src/f.txt", "/home/u/.npmrc", "/root/.pypirc",
                                        "/x/settings.xml", "/root/.docker/config.json"};
    static char text[8192];
    static struct allhits a, b;
    struct secret_scanner *ref = secrets_new();
    secrets_internal_content_reference(ref, 1);
    size_t total = 0;
    for (int t = 0; t < 3000; t++) {
        size_t n = 0, want = 50 + rndn(4000);
        while (n < want) {
            size_t r = rndn(10);
            if (r < 7) {
                const char *p = pieces[rndn(sizeof pieces / sizeof pieces[0])];
                size_t l = strlen(p);
                memcpy(text + n, p, l);
                n += l;
            } else {
                const char *al = alphas[rndn(sizeof alphas / sizeof alphas[0])];
                for (size_t k = lens[rndn(sizeof lens / sizeof lens[0])]; k; k--)
                    text[n++] = rnd(al);
            }
        }
        const char *path = paths[t % 5];
        a.n = b.n = 0;
        secrets_scan_content(S, path, text, n, on_any, &a);
        secrets_scan_content(ref, path, text, n, on_any, &b);
        if (a.n != b.n)
            fail_msg("text %d (%s): %zu hits, reference %zu", t, path, a.n, b.n);
        for (size_t k = 0; k < a.n; k++)
            if (strcmp(a.v[k].id, b.v[k].id) || a.v[k].off != b.v[k].off ||
                a.v[k].len != b.v[k].len)
                fail_msg("text %d (%s), hit %zu: %s at %zu, reference %s at %zu", t, path, k,
                         a.v[k].id, a.v[k].off, b.v[k].id, b.v[k].off);
        total += a.n;
    }
    printf("assignment pass: %zu hits on 3000 random texts, the same as the reference\n", total);
    assert_true(total > 1000);          /* the texts do reach the rules */
    secrets_free(ref);
}

/* ---- allowlist, binary, masking, misc API ---- */

static void test_allowlist(void **state)
{
    (void)state;
    char t[128];
    gen(t, "token=ghp_", ALNUM, 36, "\n");
    YES("github-pat", "/app/tests/conf", t);                      /* app tests: not key material */
    NO("github-pat", "/usr/share/doc/gh/README", t);
    NO("github-pat", "/usr/lib/python3/dist-packages/github/tests/ReplayData/x.txt", t);
    NO("github-pat", "/usr/local/lib/node_modules/foo/test/fixtures.json", t);
    NO("github-pat", "/usr/local/lib/python3.12/site-packages/boto3/examples/s3.rst", t);
    YES("github-pat", "/usr/local/lib/python3.12/site-packages/app/conf.py", t);
    NO("aws-access-key-id", "/app/a.txt", "AKIAIOSFODNN7EXAMPLE");
    assert_false(secrets_needs_content(S, "/usr/share/doc/x/README", 10));
    assert_false(secrets_needs_content(S, "/usr/lib/x86_64-linux-gnu/libc.so.6", 10));
    assert_false(secrets_needs_content(S, "/app/logo.PNG", 10));
    assert_false(secrets_needs_content(S, "/app/__pycache__/x.cpython-312.pyc", 10));
    assert_false(secrets_needs_content(S, "/var/lib/apt/lists/deb.debian.org_dists", 10));
    assert_false(secrets_needs_content(S, "/app/.env", 0));
    assert_true(secrets_needs_content(S, "/app/.env", 10));
    assert_true(secrets_needs_content(S, "/app/big.log", 5ull << 30));
    assert_true(secrets_needs_content(S, "/etc/ssl/private/server.key", 10));
    assert_true(secrets_needs_content(S, "/root/.m2/settings.xml", 10));
}

static void test_binary_and_long_lines(void **state)
{
    (void)state;
    static char buf[200000];
    char t[64];
    gen(t, "ghp_", ALNUM, 36, "");
    memset(buf, 'a', sizeof buf);
    buf[100] = '\0';
    memcpy(buf + 5000, " ", 1);
    memcpy(buf + 5001, t, 40);
    buf[5041] = ' ';
    struct rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_scan_content(S, "/app/x.bin", buf, sizeof buf, on_hit, &r), 0);
    /* one 200 KB line (minified JS) with tokens far apart, and many keywords in between */
    for (size_t i = 0; i + 8 < sizeof buf; i += 8)
        memcpy(buf + i, i % 64 ? "var a=1;" : "key:ab1;", 8);
    memcpy(buf + 100, " ", 1);
    memcpy(buf + 101, t, 40);
    buf[141] = ' ';
    memcpy(buf + 150001, t, 40);
    buf[150000] = buf[150041] = ' ';
    memcpy(buf + 8190, t, 40);           /* across the first window's edge */
    buf[8189] = buf[8230] = ' ';
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_scan_content(S, "/app/app.min.js", buf, sizeof buf, on_hit, &r), 3);
    assert_int_equal(r.off[0], 101);
    assert_int_equal(r.off[1], 8190);
    assert_int_equal(r.off[2], 150001);
    /* short buffers */
    assert_int_equal(secrets_scan_content(S, "/a", "ab", 2, on_hit, &r), 0);
    assert_int_equal(secrets_scan_content(S, "/a", "", 0, on_hit, &r), 0);
}

static void test_mask(void **state)
{
    (void)state;
    char out[96];
    secrets_mask("AKIAQX7T3FIXTURE2K9Z", 20, out, sizeof out);
    assert_string_equal(out, "AKIA*************K9Z");
    secrets_mask("hunter2", 7, out, sizeof out);
    assert_string_equal(out, "*******");
    secrets_mask("", 0, out, sizeof out);
    assert_string_equal(out, "");
    static char big[5000];
    memset(big, 'Z', sizeof big);
    memcpy(big, "abcd", 4);
    secrets_mask(big, sizeof big, out, sizeof out);
    assert_int_equal(strlen(out), 95);
    assert_memory_equal(out, "abcd***", 7);
    assert_string_equal(out + 92, "ZZZ");
    char tiny[5];
    secrets_mask("AKIAQX7T3FIXTURE2K9Z", 20, tiny, sizeof tiny);
    assert_string_equal(tiny, "****");
    secrets_mask("ab\ncdefghijklmnop\x01", 18, out, sizeof out);
    assert_string_equal(out, "ab?c***********op?");
}

static void test_api(void **state)
{
    (void)state;
    assert_string_equal(secrets_sev_name(SEV_CRITICAL), "critical");
    assert_string_equal(secrets_sev_name(SEV_INFO), "info");
    assert_int_equal(secrets_sev_parse("HIGH"), SEV_HIGH);
    assert_int_equal(secrets_sev_parse("medium"), SEV_MEDIUM);
    assert_int_equal(secrets_sev_parse("bogus"), -1);
    assert_string_equal(secrets_kind_name(SK_HISTORY), "history");
    assert_int_equal(secrets_ignore(S, "no-such-rule"), -1);

    struct secret_scanner *s2 = secrets_new();
    char t[64];
    gen(t, "x=ghp_", ALNUM, 36, "");
    struct rec r;
    memset(&r, 0, sizeof r);
    assert_int_equal(secrets_scan_content(s2, "/a", t, strlen(t), on_hit, &r), 1);
    assert_int_equal(secrets_ignore(s2, "github-pat"), 0);
    assert_int_equal(secrets_scan_content(s2, "/a", t, strlen(t), on_hit, &r), 0);
    assert_int_equal(secrets_ignore(s2, "cred-file"), 0);
    assert_int_equal(secrets_check_path(s2, "/app/.env", on_hit, &r), 0);
    secrets_free(s2);

    /* every rule: unique id and a fix */
    size_t n = secrets_rule_count();
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        struct secret_rule_info a, b;
        assert_int_equal(secrets_rule_info(i, &a), 0);
        assert_non_null(strchr(a.fix, ' '));
        for (size_t j = i + 1; j < n; j++) {
            assert_int_equal(secrets_rule_info(j, &b), 0);
            assert_string_not_equal(a.id, b.id);
        }
    }
    struct secret_rule_info x;
    assert_int_equal(secrets_rule_info(n, &x), -1);
    /* test_api runs last: every rule of a file name, an Env name or a build arg must have fired
     * somewhere above (test_secrets.c checks the token formats) */
    assert_every_rule_fired(1u << SK_FILE | 1u << SK_ENV | 1u << SK_HISTORY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_binary_and_long_lines),
        cmocka_unit_test(test_path_prefilter),
        cmocka_unit_test(test_assign_shapes),
        cmocka_unit_test(test_assign_reference),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
