/* test_secrets.c: every secret rule fires on a synthetic token of the right shape and stays
 * quiet on a near miss (wrong length, wrong boundary, placeholder, allowlisted path). Tokens
 * are generated here from a fixed seed: no real key is in this file. */
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

/* ---- token formats ---- */

static void test_aws(void **state)
{
    (void)state;
    char t[256], u[256];
    YES("aws-access-key-id", "/app/a.py", gen(t, "id = 'AKIA", UPNUM, 16, "'"));
    NO("aws-access-key-id", "/app/a.py", gen(t, "id = AKIA", UPNUM, 15, ";"));      /* 19 */
    NO("aws-access-key-id", "/app/a.py", gen(t, "id = AKIA", UPNUM, 17, ";"));      /* 21 */
    NO("aws-access-key-id", "/app/a.py", "id = AKIAIOSFODNN7EXAMPLE");              /* docs */
    YES("aws-access-key-id", "/app/a.py", gen(t, "x=ASIA", UPNUM, 16, ""));

    YES("aws-secret-access-key", "/app/c.ini", gen(t, "aws_secret_access_key = ", B64, 40, "\n"));
    YES("aws-secret-access-key", "/app/c.json", gen(t, "\"SecretAccessKey\": \"", B64, 40, "\""));
    NO("aws-secret-access-key", "/app/c.ini", gen(t, "aws_secret_access_key = ", B64, 39, "\n"));
    NO("aws-secret-access-key", "/app/c.ini", gen(u, "other_key = ", B64, 40, "\n"));
    NO("aws-secret-access-key", "/app/c.ini",
       "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
    NO("aws-secret-access-key", "/app/c.ini",
       "aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
}

static void pem(char *out, const char *type, int lines)
{
    char *p = out + sprintf(out, "-----BEGIN %s-----\n", type);
    for (int i = 0; i < lines; i++) {
        gen(p, "", B64, 64, "\n");
        p += 65;
    }
    sprintf(p, "%s-----END %s-----\n", lines ? "AB==\n" : "...\n", type);
}

static void test_private_key(void **state)
{
    (void)state;
    static char k[4096], j[16384];
    pem(k, "RSA PRIVATE KEY", 20);
    YES("private-key", "/app/deploy.key", k);
    pem(k, "OPENSSH PRIVATE KEY", 6);
    YES("private-key", "/root/.ssh/id_ed25519", k);
    pem(k, "PGP PRIVATE KEY BLOCK", 6);
    YES("private-key", "/app/k.asc", k);
    pem(k, "EC PRIVATE KEY", 3);
    /* inside JSON with \n escapes (a GCP key file) */
    snprintf(j, sizeof j, "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n%s\\n%s\\n-----END PRIVATE KEY-----\\n\"}",
             gen(k, "", B64, 64, ""), gen(k + 100, "", B64, 40, ""));
    YES("private-key", "/app/sa.json", j);
    /* encrypted PEM with RFC 1421 headers */
    snprintf(j, sizeof j, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n%s\n-----END RSA PRIVATE KEY-----\n",
             gen(k, "", B64, 64, ""));
    YES("private-key", "/app/enc.pem", j);

    pem(k, "RSA PRIVATE KEY", 0);                       /* "..." body: documentation */
    NO("private-key", "/app/README", k);
    NO("private-key", "/app/x.pem", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n");
    pem(k, "RSA PRIVATE KEY", 10);
    NO("private-key", "/etc/ssl/private/ssl-cert-snakeoil.key", k);
    NO("private-key", "/usr/lib/python3/dist-packages/slapdtest/certs/server.key", k);
    NO("private-key", "/usr/lib/node_modules/tunnel/test/keys/agent1-key.pem", k);
    NO("private-key", "/app/tests/fixtures/server.key", k);
    NO("private-key", "/usr/share/doc/openssl/examples/key.pem", k);
    YES("private-key", "/etc/ssl/private/server.key", k);
}

static void test_github_gitlab(void **state)
{
    (void)state;
    char t[256];
    YES("github-pat", "/a", gen(t, "token=ghp_", ALNUM, 36, "\n"));
    NO("github-pat", "/a", gen(t, "token=ghp_", ALNUM, 35, "\n"));
    NO("github-pat", "/a", gen(t, "token=xghp_", ALNUM, 36, "\n"));
    YES("github-oauth", "/a", gen(t, "gho_", ALNUM, 36, ""));
    NO("github-oauth", "/a", gen(t, "gho_", ALNUM, 37, ""));
    YES("github-app-token", "/a", gen(t, "\"ghs_", ALNUM, 36, "\""));
    NO("github-app-token", "/a", gen(t, "\"ghx_", ALNUM, 36, "\""));
    YES("github-refresh-token", "/a", gen(t, "ghr_", ALNUM, 76, ""));
    NO("github-refresh-token", "/a", gen(t, "ghr_", ALNUM, 75, ""));
    char a[64], b[128];
    gen(a, "", ALNUM, 22, "");
    gen(b, "", ALNUM, 59, "");
    snprintf(t, sizeof t, "github_pat_%s_%s", a, b);
    YES("github-fine-grained-pat", "/a", t);
    t[strlen(t) - 1] = '\0';
    NO("github-fine-grained-pat", "/a", t);
    YES("gitlab-pat", "/a", gen(t, "GITLAB=glpat-", B64U, 20, " "));
    NO("gitlab-pat", "/a", gen(t, "GITLAB=glpat-", ALNUM, 19, " "));
}

static void test_cloud(void **state)
{
    (void)state;
    static char t[512];
    YES("gcp-service-account", "/app/sa.json", "{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\"\n}");
    NO("gcp-service-account", "/app/sa.json", "{\"type\": \"authorized_user\"}");
    YES("gcp-api-key", "/a", gen(t, "key: AIza", B64U, 35, "\n"));
    NO("gcp-api-key", "/a", gen(t, "key: AIza", B64U, 34, "\n"));
    NO("gcp-api-key", "/a", "key: AIzaAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");  /* entropy */
    YES("azure-storage-account-key", "/a",
        gen(t, "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=", B64, 86, "==;"));
    NO("azure-storage-account-key", "/a",
       gen(t, "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=", B64, 85, "==;"));
    char sec[128];
    gen(sec, "", ALNUM, 3, "8Q~");
    gen(sec + 6, "", ALNUM "_~.", 34, "");
    snprintf(t, sizeof t, "client_secret = \"%s\"", sec);
    YES("azure-entra-client-secret", "/a", t);
    sec[6 + 28] = '\0';
    snprintf(t, sizeof t, "client_secret = \"%s\"", sec);
    NO("azure-entra-client-secret", "/a", t);
    YES("azure-sas-token", "/a",
        gen(t, "https://a.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&sp=r&se=2030-01-01T00:00:00Z&sig=", B64, 43, "%3D"));
    NO("azure-sas-token", "/a", "https://a.blob.core.windows.net/c/f?sv=2022-11-02&sig=short");
    YES("digitalocean-token", "/a", gen(t, "DO=dop_v1_", HEX, 64, ""));
    NO("digitalocean-token", "/a", gen(t, "DO=dop_v1_", HEX, 63, ""));
    YES("vault-service-token", "/a", gen(t, "VAULT_TOKEN=hvs.", B64U, 95, ""));
    NO("vault-service-token", "/a", gen(t, "VAULT_TOKEN=hvs.", B64U, 50, ""));
    char p14[32];
    gen(p14, "", ALNUM, 14, "");
    snprintf(t, sizeof t, "token = \"%s.atlasv1.", p14);
    gen(t + strlen(t), "", ALNUM, 64, "\"");
    YES("terraform-api-token", "/a", t);
    NO("terraform-api-token", "/a", gen(t, "x.atlasv1.", ALNUM, 64, ""));
    YES("pulumi-api-token", "/a", gen(t, "pul-", HEX, 40, ""));
    NO("pulumi-api-token", "/a", gen(t, "pul-", HEX, 39, ""));
}

static void test_ai_chat_pay(void **state)
{
    (void)state;
    static char t[512], a[128], b[128];
    snprintf(t, sizeof t, "OPENAI_API_KEY=sk-proj-%sT3BlbkFJ%s", gen(a, "", B64U, 74, ""), gen(b, "", B64U, 74, ""));
    YES("openai-api-key", "/a", t);
    snprintf(t, sizeof t, "sk-proj-%sT3BlbkFJ%s", gen(a, "", ALNUM, 10, ""), gen(b, "", ALNUM, 10, ""));
    NO("openai-api-key", "/a", t);
    snprintf(t, sizeof t, "key = 'sk-%sT3BlbkFJ%s'", gen(a, "", ALNUM, 20, ""), gen(b, "", ALNUM, 20, ""));
    YES("openai-legacy-api-key", "/a", t);
    snprintf(t, sizeof t, "key = 'sk-%sT3BlbkFX%s'", gen(a, "", ALNUM, 20, ""), gen(b, "", ALNUM, 19, ""));
    NO("openai-legacy-api-key", "/a", t);      /* 47 characters: neither shape */
    YES("anthropic-api-key", "/a", gen(t, "sk-ant-api03-", B64U, 93, "AA"));
    NO("anthropic-api-key", "/a", gen(t, "sk-ant-api03-", B64U, 30, ""));
    YES("hugging-face-access-token", "/a", gen(t, "HF_TOKEN=hf_", ALNUM, 34, "\n"));
    NO("hugging-face-access-token", "/a", gen(t, "HF_TOKEN=hf_", ALNUM, 33, "\n"));
    NO("hugging-face-access-token", "/a", "from huggingface_hub import hf_hub_download_and_cache_everything_now\n");
    YES("slack-access-token", "/a", gen(t, "SLACK=xoxb-123456789012-1234567890123-", ALNUM, 24, ""));
    NO("slack-access-token", "/a", "SLACK=xoxb-1234");
    gen(a, "T", UPNUM, 8, "/B");
    gen(a + strlen(a), "", UPNUM, 8, "/");
    gen(a + strlen(a), "", ALNUM, 24, "");
    snprintf(t, sizeof t, "url: https://hooks.slack.com/services/%s\n", a);
    YES("slack-web-hook", "/a", t);
    NO("slack-web-hook", "/a", "url: https://hooks.slack.com/services/T000/B000/XXXX\n");
    YES("stripe-secret-token", "/a", gen(t, "STRIPE=sk_live_", ALNUM, 24, ""));
    NO("stripe-secret-token", "/a", "STRIPE=sk_live_abc");
    YES("stripe-publishable-token", "/a", gen(t, "pk=pk_test_", ALNUM, 24, ""));
    NO("stripe-publishable-token", "/a", "pk=pk_test_abc");
    YES("sendgrid-api-token", "/a", (gen(a, "", B64U, 22, "."), gen(b, "", B64U, 43, ""),
                                     snprintf(t, sizeof t, "SG.%s%s", a, b), t));
    NO("sendgrid-api-token", "/a", gen(t, "SG.", B64U, 30, ""));
    YES("twilio-api-key", "/a", gen(t, "TWILIO=SK", HEX, 32, ""));
    NO("twilio-api-key", "/a", gen(t, "TWILIO=SK", HEX, 31, ""));
    NO("twilio-api-key", "/a", gen(t, "MASK", HEX, 32, ""));
    YES("databricks-api-token", "/a", gen(t, "DATABRICKS=dapi", "abcdefgh0123456789", 32, ""));
    NO("databricks-api-token", "/a", gen(t, "DATABRICKS=dapi", "xyz", 32, ""));
}

static void test_registries(void **state)
{
    (void)state;
    static char t[512];
    YES("npm-access-token", "/app/x.txt", gen(t, "//registry.npmjs.org/:_authToken=npm_", ALNUM, 36, "\n"));
    NO("npm-access-token", "/app/x.txt", gen(t, "//registry.npmjs.org/:_authToken=npm_", ALNUM, 35, "\n"));
    NO("npm-access-token", "/app/x.txt", "npm_config_cache_folder_for_this_build_is_here\n");
    YES("pypi-upload-token", "/a", gen(t, "password = pypi-AgEIcHlwaS5vcmc", B64U, 60, "\n"));
    NO("pypi-upload-token", "/a", gen(t, "password = pypi-AgEIcHlwaS5vcmc", B64U, 20, "\n"));
    YES("dockerconfig-secret", "/app/secret.yaml", gen(t, "data:\n  .dockerconfigjson: eyJ", B64, 60, "\n"));
    NO("dockerconfig-secret", "/app/secret.yaml", "data:\n  .dockerconfigjson: abc\n");
    const char *dc = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpodW50ZXIyMTIz\"}}}";
    YES("docker-config-auth", "/root/.docker/config.json", dc);
    NO("docker-config-auth", "/app/config.json", dc);
    NO("docker-config-auth", "/root/.docker/config.json", "{\"credsStore\":\"desktop\"}");
    YES("shopify-token", "/a", gen(t, "SHOPIFY=shpat_", HEX, 32, ""));
    NO("shopify-token", "/a", gen(t, "SHOPIFY=shpat_", HEX, 31, ""));
    YES("maven-settings-password", "/root/.m2/settings.xml", "<server><id>x</id><password>s3cr3tMaven9</password></server>");
    YES("maven-settings-password", "/root/.m2/settings-security.xml", "<settingsSecurity><master>{jSMOWnoPFgsHVpMvz5VrIt5kRbzGpI8u+9EF1iFQyJQ=}</master></settingsSecurity>");
    NO("maven-settings-password", "/root/.m2/settings.xml", "<password>${env.MVN_PASS}</password>");
    NO("maven-settings-password", "/app/other.xml", "<password>s3cr3tMaven9</password>");
    YES("npmrc-auth-token", "/root/.npmrc", "//npm.example.com/:_auth=dXNlcjpwYXNzMTIzNDU2\n");
    NO("npmrc-auth-token", "/root/.npmrc", "registry=https://registry.npmjs.org/\n");
    NO("npmrc-auth-token", "/root/.npmrc", "//r/:_authToken=${NPM_TOKEN}\n");
    YES("pypirc-password", "/root/.pypirc", "[pypi]\nusername = me\npassword = hunter2hunter\n");
    NO("pypirc-password", "/app/x.ini", "[pypi]\nusername = me\npassword = hunter2hunter\n");
}

static void test_misc_formats(void **state)
{
    (void)state;
    static char t[512], a[64], b[64], c[64];
    snprintf(t, sizeof t, "Authorization: Bearer eyJ%s.eyJ%s.%s", gen(a, "", B64U, 20, ""),
             gen(b, "", B64U, 30, ""), gen(c, "", B64U, 40, ""));
    YES("jwt-token", "/app/log.txt", t + 22);
    NO("jwt-token", "/app/log.txt", "header eyJhbGciOiJIUzI1NiJ9 only\n");
    YES("age-secret-key", "/a", gen(t, "AGE-SECRET-KEY-1", BECH, 58, "\n"));
    NO("age-secret-key", "/a", gen(t, "AGE-SECRET-KEY-1", BECH, 57, "\n"));
    YES("symfony-default-secret", "/app/.env.dist", "APP_SECRET=ThisTokenIsNotSoSecretChangeIt\n");
    NO("symfony-default-secret", "/app/.env.dist", "APP_SECRET=ThisTokenIsNotSoSecret\n");

    YES("url-password", "/a", "DATABASE_URL=postgres://app:s3cr3t-fixture@db.internal:5432/app\n");
    YES("url-password", "/a", "pip install --index-url https://build:Zq8rT2vX9@pypi.corp.local/simple x\n");
    NO("url-password", "/a", "DATABASE_URL=postgres://postgres:postgres@localhost/db\n");
    NO("url-password", "/a", "url = http://user:${PASSWORD}@host/x\n");
    NO("url-password", "/a", "see https://example.com:8080/path and git@github.com:org/repo\n");

    YES("curl-auth", "/app/get.sh", "curl -fsSL -u admin:Sup3rS3cret https://repo.local/x\n");
    YES("curl-auth", "/app/get.sh", "curl --user deploy:Zx81Qw https://repo.local/x\n");
    YES("curl-auth", "/app/get.sh", "curl -H 'Authorization: Bearer abcdef123456789' https://x\n");
    YES("curl-auth", "/app/get.sh", "wget --password=Hx7pQ2wE https://x\n");
    NO("curl-auth", "/app/get.sh", "curl -u admin:$PASS https://repo.local/x\n");
    NO("curl-auth", "/app/get.sh", "curl -H \"Authorization: Bearer $TOKEN\" https://x\n");
    NO("curl-auth", "/app/get.sh", "curl --user-agent foo:bar https://x\n");

    YES("generic-api-key", "/app/conf.py", "api_key = \"a8f5f167f44f4964e6c998dee827110c\"\n");
    YES("generic-api-key", "/app/app.yml", "client_secret: Zk29fLq81mNc0pXw\n");
    NO("generic-api-key", "/app/conf.py", "api_key = \"aaaaaaaaaaaaaaaaaaaa\"\n");
    NO("generic-api-key", "/app/conf.py", "api_key = os_environ_lookup_value\n");   /* no digit */
    NO("generic-api-key", "/app/conf.py", "monkey_count = 12\n");
    NO("generic-api-key", "/app/conf.py", "password = ${DB_PASSWORD}\n");
    /* code names, not tokens (found scanning CPython, C headers and Perl) */
    NO("generic-api-key", "/app/s.h", "** KEYWORDS: sqlite3_version\n");
    NO("generic-api-key", "/app/m.py", "        RegOpenKeyEx = win32api.RegOpenKeyEx\n");
    NO("generic-api-key", "/app/x.h", "    __m512i const data_key_lo = _mm512_shuffle_epi32(x, 1);\n");
    NO("generic-api-key", "/app/n.h", "\tNL80211_KEY_MAX = __NL80211_KEY_AFTER_LAST - 1,\n");
}

/* ---- issue 8: OpenAI / Anthropic keys at critical, not low generic-api-key ---- */

/* The only hit of text, which must be rule at severity sev. */
static void only(const char *rule, int sev, const char *path, const char *text)
{
    struct rec r = scan(path, text);
    if (r.n != 1 || strcmp(r.id[0], rule) != 0 || r.sev[0] != sev)
        fail_msg("want exactly one %s (sev %d) on: %s; got %d hits, first %s sev %d", rule, sev,
                 text, r.n, r.n ? r.id[0] : "-", r.n ? r.sev[0] : -1);
}

static void test_openai_anthropic(void **state)
{
    (void)state;
    static char t[1024], a[256], b[256];
    /* project / service-account / admin keys, with the T3BlbkFJ marker (OpenAI's shape) */
    snprintf(t, sizeof t, "OPENAI_API_KEY=sk-proj-%sT3BlbkFJ%s\n", gen(a, "", B64U, 74, ""), gen(b, "", B64U, 74, ""));
    only("openai-api-key", SEV_CRITICAL, "/app/.env", t);
    snprintf(t, sizeof t, "OPENAI_API_KEY=sk-svcacct-%sT3BlbkFJ%s\n", gen(a, "", B64U, 58, ""), gen(b, "", B64U, 58, ""));
    only("openai-api-key", SEV_CRITICAL, "/app/.env", t);
    snprintf(t, sizeof t, "openai.api_key = \"sk-admin-%sT3BlbkFJ%s\"\n", gen(a, "", B64U, 58, ""), gen(b, "", B64U, 58, ""));
    only("openai-api-key", SEV_CRITICAL, "/app/main.py", t);
    /* and without it: the prefix is OpenAI's (these were low generic-api-key before) */
    snprintf(t, sizeof t, "OPENAI_API_KEY=sk-proj-%s\n", gen(a, "", B64U, 120, ""));
    only("openai-api-key", SEV_CRITICAL, "/app/.env", t);
    snprintf(t, sizeof t, "api_key: sk-svcacct-%s\n", gen(a, "", B64U, 64, ""));
    only("openai-api-key", SEV_CRITICAL, "/app/c.yml", t);
    /* legacy user keys: sk- + 48 alphanumerics, marker or not */
    snprintf(t, sizeof t, "OPENAI_KEY=sk-%s\n", gen(a, "", ALNUM, 48, ""));
    only("openai-legacy-api-key", SEV_CRITICAL, "/app/.env", t);
    snprintf(t, sizeof t, "key = 'sk-%sT3BlbkFJ%s'\n", gen(a, "", ALNUM, 20, ""), gen(b, "", ALNUM, 20, ""));
    only("openai-legacy-api-key", SEV_CRITICAL, "/app/k.py", t);
    /* Anthropic: gitleaks' exact shape, admin keys, and a shorter tail */
    only("anthropic-api-key", SEV_CRITICAL, "/app/.env", gen(t, "ANTHROPIC_API_KEY=sk-ant-api03-", B64U, 93, "AA\n"));
    only("anthropic-api-key", SEV_CRITICAL, "/app/.env", gen(t, "ANTHROPIC_ADMIN_KEY=sk-ant-admin01-", B64U, 93, "AA\n"));
    only("anthropic-api-key", SEV_CRITICAL, "/app/.env", gen(t, "ANTHROPIC_API_KEY=sk-ant-api03-", B64U, 80, "\n"));
    /* in ENV and in history too, critical there as well */
    snprintf(t, sizeof t, "OPENAI_API_KEY=sk-proj-%s", gen(a, "", B64U, 120, ""));
    assert_true(fires_env("openai-api-key", t));
    snprintf(t, sizeof t, "|1 ANTHROPIC_API_KEY=sk-ant-api03-%sAA /bin/sh -c make", gen(a, "", B64U, 93, ""));
    assert_true(fires_hist("anthropic-api-key", t));

    /* near misses */
    NO("openai-api-key", "/a", gen(t, "sk-proj-", B64U, 30, "\n"));              /* too short */
    NO("openai-api-key", "/a", "url: /task-proj-Xq8Zr2Lm9Kp4Wt7Yb3Nc6Vd1Hf5Gj0Qs8Re2Ta4Uo\n"); /* task-… */
    NO("openai-api-key", "/a", "see sk-admin-panel-settings-page-layout-template-and-style\n");  /* words */
    NO("openai-legacy-api-key", "/a", gen(t, "sk-", ALNUM, 47, "\n"));
    NO("openai-legacy-api-key", "/a", gen(t, "sk-", ALNUM, 49, "\n"));
    NO("openai-legacy-api-key", "/a", gen(t, "/dev/disk-", ALNUM, 48, "\n"));
    NO("openai-legacy-api-key", "/a", "sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
    NO("anthropic-api-key", "/a", "sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
}

/* ---- issue 8: code in real packages is not a secret ---- */

static void test_code_not_secret(void **state)
{
    (void)state;
    /* the false alarms of the benign Debian image (tests/e2e/test_benign.sh), in their files'
     * own words: OpenJDK's java.security, fontTools' psLib.py, pandas' _mixins.py */
    NO("generic-api-key", "/etc/java-17-openjdk/security/java.security",
       "#keystore.pkcs12.keyProtectionAlgorithm = PBEWithHmacSHA256AndAES_256\n");
    NO("generic-api-key", "/etc/java-17-openjdk/security/java.security",
       "keystore.pkcs12.keyPbeAlgorithm=PBEWithHmacSHA256AndAES_256\n");
    NO("generic-api-key", "/usr/lib/python3/dist-packages/fontTools/misc/psLib.py",
       "\t\t\t\t\tself.tokenizer.buf[self.tokenizer.pos:self.tokenizer.pos+50])\n");
    NO("generic-api-key", "/usr/lib/python3/dist-packages/fontTools/x.py",
       "        token_end = self.tokenizer.pos+50\n");
    NO("generic-api-key", "/usr/lib/python3/dist-packages/pandas/core/arrays/_mixins.py",
       "        key: PositionalIndexer2D,\n");
    NO("generic-api-key", "/usr/lib/python3/dist-packages/pandas/core/indexing.py",
       "    def _getitem_tuple(self, key: PositionalIndexer2D) -> DataFrame:\n");
    /* more code of the same kinds */
    NO("generic-api-key", "/app/a.java", "    secretKeyFactory = SecretKeyFactory2.getInstance\n");
    NO("generic-api-key", "/app/a.py", "api_key = settings.OPENAI_KEY_V2\n");
    NO("generic-api-key", "/app/a.py", "token_id = tokenizer.vocab_size-1\n");
    NO("generic-api-key", "/app/a.py", "cache_key = hashlib.sha256\n");
    NO("generic-api-key", "/app/a.cfg", "keyfile: /etc/ssl/private/server2.key\n");
    NO("generic-api-key", "/app/a.txt", "key_version = 1.2.3-beta4\n");
    NO("generic-api-key", "/app/a.js", "const tokenType = TokenKind.Identifier32;\n");
    NO("generic-api-key", "/app/a.h", "#define KEY_LENGTH HMAC_SHA512_DIGEST_LENGTH\n");

    /* tokens still fire: hand-made ones, base64 with / and +, and random ones (a code
     * heuristic that ate random tokens would show here) */
    YES("generic-api-key", "/app/conf.py", "api_key = \"Zk29fLq81mNc0pXw\"\n");
    YES("generic-api-key", "/app/conf.py", "client_secret = 'kL9/xQ2+vR7mN4pT8wZ1'\n");
    YES("generic-api-key", "/app/conf.py", "token: Ab3dE9fGh2JkLmN0pQrS\n");
    YES("generic-api-key", "/app/conf.py", "secret = 9f86d081884c7d659a2feaa0c55ad015\n");
    /* 5000 random base62 / base64 tokens of 20-63 characters with a digit: the name heuristic
     * may take a few that happen to read as words (7 in 20000 when this was written), no more
     * than 0.1% */
    static char t[256], v[160];
    int missed = 0;
    for (int i = 0; i < 5000; i++) {
        gen(v, "", i % 2 ? ALNUM : B64, 20 + (size_t)i % 44, "");
        v[5] = (char)('0' + i % 10);
        snprintf(t, sizeof t, "api_key = \"%s\"\n", v);
        missed += !fires("generic-api-key", "/app/conf.py", t);
    }
    if (missed > 5)
        fail_msg("generic-api-key missed %d of 5000 random tokens", missed);
}

static void test_generic_flag(void **state)
{
    (void)state;
    /* heuristics: dropped in files a package installed unchanged */
    assert_true(secrets_rule_generic("generic-api-key"));
    assert_true(secrets_rule_generic("url-password"));
    assert_true(secrets_rule_generic("curl-auth"));
    assert_true(secrets_rule_generic("cred-file"));
    /* token formats: reported everywhere */
    assert_false(secrets_rule_generic("aws-access-key-id"));
    assert_false(secrets_rule_generic("github-pat"));
    assert_false(secrets_rule_generic("private-key"));
    assert_false(secrets_rule_generic("openai-api-key"));
    assert_false(secrets_rule_generic("anthropic-api-key"));
    assert_false(secrets_rule_generic("ssh-private-key-file"));
    assert_false(secrets_rule_generic("no-such-rule"));
    assert_false(secrets_rule_generic(NULL));
}

/* ---- the end-to-end fixture's secrets ---- */

static void test_fixture_env(void **state)
{
    (void)state;
    const char *env = "AWS_ACCESS_KEY_ID=AKIAQX7T3FIXTURE2K9Z\n"
                      "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFIXTUREKEY\n"
                      "DATABASE_URL=postgres://app:s3cr3t-fixture@db.internal:5432/app\n";
    struct rec r = scan("/app/.env", env);
    assert_int_equal(r.n, 3);           /* one finding per value: no generic duplicates */
    assert_string_equal(r.id[0], "aws-access-key-id");
    assert_int_equal(r.sev[0], SEV_CRITICAL);
    assert_int_equal(r.kind[0], SK_CONTENT);
    assert_string_equal(r.masked[0], "AKIA*************K9Z");
    assert_memory_equal(env + r.off[0], "AKIAQX7T3FIXTURE2K9Z", r.len[0]);
    assert_string_equal(r.id[1], "aws-secret-access-key");
    assert_memory_equal(env + r.off[1], "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFIXTUREKEY", 40);
    assert_string_equal(r.id[2], "url-password");
    assert_memory_equal(env + r.off[2], "s3cr3t-fixture", r.len[2]);
    assert_null(strstr(r.masked[2], "s3cr3t"));
    assert_true(fires_path("cred-file", "/app/.env"));
    assert_true(fires_path("ssh-private-key-file", "/root/.ssh/id_rsa"));
    assert_true(fires_path("ssh-private-key-file", "/app/id_rsa"));
}

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
    /* test_api runs last: every rule must have fired somewhere above */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(secrets_rule_info(i, &x), 0);
        size_t k = 0;
        while (k < n_seen && strcmp(seen_ids[k], x.id) != 0)
            k++;
        if (k == n_seen)
            fail_msg("rule %s never fired in the tests", x.id);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws),
        cmocka_unit_test(test_private_key),
        cmocka_unit_test(test_github_gitlab),
        cmocka_unit_test(test_cloud),
        cmocka_unit_test(test_ai_chat_pay),
        cmocka_unit_test(test_openai_anthropic),
        cmocka_unit_test(test_code_not_secret),
        cmocka_unit_test(test_generic_flag),
        cmocka_unit_test(test_registries),
        cmocka_unit_test(test_misc_formats),
        cmocka_unit_test(test_fixture_env),
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
