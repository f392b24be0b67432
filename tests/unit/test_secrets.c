/* test_secrets.c: every secret rule fires on a synthetic token of the right shape and stays
 * quiet on a near miss (wrong length, wrong boundary, placeholder, allowlisted path); code in
 * real packages is no secret. Tokens are generated (secrets_tb.h): no real key is in this file. */
#include "tests/unit/secrets_tb.h"

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

/* Runs last: every token format fired somewhere above. */
static void test_every_token_rule_fired(void **state)
{
    (void)state;
    assert_every_rule_fired(1u << SK_CONTENT);
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
        cmocka_unit_test(test_every_token_rule_fired),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
