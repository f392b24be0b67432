/* secret_rules.c: every secret rule strata knows, as one table, plus the path allowlist.
 *
 * Sources (the "source" column of docs rules-catalogue.md, "Secrets"): each row's comment
 * names its catalogue row. Token shapes are facts about the tokens; the regexes are written
 * here in PCRE2 syntax. Order matters twice: where two rules match the same bytes the more
 * severe wins and ties go to the earlier row (specific formats come before generic ones), and
 * secrets_check_path reports the first file rule that matches.
 *
 * SRF_GENERIC marks the heuristics (assignment shapes, URL and command-line passwords,
 * credential file names): the analysis drops their hits in files a package installed unchanged
 * (analysis/packages.c, packages_file_pristine). Token formats (AKIA…, ghp_, PEM keys, …) have
 * no such flag and are reported wherever they are.
 *
 * Adding a content rule: give it keywords (literals of >= 3 bytes, one of which every match
 * contains: the scanner only runs the regex on the lines where a keyword occurs), a regex whose
 * group `group` is the secret, and a test in tests/unit/test_secrets.c that fires and one
 * that must not. */
#include "analysis/secrets.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* ---- per-rule validators ---- */

static double entropy(const char *v, size_t n)
{
    unsigned cnt[256] = {0};
    double h = 0;
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)v[i]]++;
    for (size_t c = 0; c < 256; c++) {
        if (cnt[c]) {
            double p = (double)cnt[c] / (double)n;
            h -= p * log2(p);
        }
    }
    return h;
}

static int ci_contains(const char *v, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++)
        if (strncasecmp(v + i, w, wl) == 0)
            return 1;
    return 0;
}

/* Values people write instead of a secret: variables, templates, masks, well-known words. */
static int placeholder(const char *v, size_t n)
{
    static const char *const words[] = {
        "changeme", "changeit", "redacted", "placeholder",
        "your_", "your-", "yourpass", "dummy", "xxxx", "****", "....", "<", ">", "${", "{{",
        "$(", "%(", "%s", NULL,
    };
    static const char *const whole[] = {
        "true", "false", "null", "none", "nil", "yes", "no", "test", "pass", "admin",
        "root", "default", "empty", "undefined", "password", "passwd", "secret", NULL,
    };
    if (!n)
        return 1;
    if (strchr("$%{<*[", v[0]))
        return 1;
    for (size_t i = 0; whole[i]; i++)
        if (strlen(whole[i]) == n && strncasecmp(v, whole[i], n) == 0)
            return 1;
    for (size_t i = 0; words[i]; i++)
        if (ci_contains(v, n, words[i]))
            return 1;
    size_t same = 1;                    /* "xxxxxxxx"; a one-letter value is still a value */
    for (size_t i = 1; i < n; i++)
        same += v[i] == v[0];
    return n >= 4 && same == n;
}

#define VAL(ov, g) (subj + (ov)[2 * (g)]), ((ov)[2 * (g) + 1] - (ov)[2 * (g)])

static int check_real(const char *subj, const size_t *ov, unsigned g)
{
    return !placeholder(VAL(ov, g));
}

/* Maven: "{…}" is an encrypted password, still a secret with settings-security.xml nearby. */
static int check_maven(const char *subj, const size_t *ov, unsigned g)
{
    const char *v = subj + ov[2 * g];
    size_t n = ov[2 * g + 1] - ov[2 * g];
    if (n > 2 && v[0] == '{' && v[1] != '{' && v[n - 1] == '}')
        return 1;
    return !placeholder(v, n);
}

static int check_entropy3(const char *subj, const size_t *ov, unsigned g)
{
    return !placeholder(VAL(ov, g)) && entropy(VAL(ov, g)) >= 3.0;
}

static int check_entropy4(const char *subj, const size_t *ov, unsigned g)
{
    return entropy(VAL(ov, g)) >= 4.0;
}

/* Code, not a token: snake_case / CONSTANT_CASE names (sqlite3_version, NL80211_KEY_MAX) and
 * dotted attribute paths (win32api.RegOpenKeyEx). Random tokens mix cases within a segment
 * and rarely contain '.' between letter-led segments. */
static int identifier_like(const char *v, size_t n)
{
    int sep = 0, dot = 0, mixed = 0, up = 0, lo = 0, lead_alpha = 1, at_start = 1;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c == '_' || c == '.') {
            sep = 1;
            dot |= c == '.';
            mixed |= up && lo;
            up = lo = 0;
            at_start = 1;
            continue;
        }
        int u = c >= 'A' && c <= 'Z', l = c >= 'a' && c <= 'z', d = c >= '0' && c <= '9';
        if (!u && !l && !d)
            return 0;
        if (at_start && d)
            lead_alpha = lead_alpha && i > 0 && v[i - 1] == '_';
        at_start = 0;
        up |= u;
        lo |= l;
    }
    mixed |= up && lo;
    if (!sep)
        return 0;
    return !mixed || (dot && lead_alpha);
}

/* One name of code, as opposed to a random token: it reads as words. Split into segments at
 * '_', at case changes (camelCase, "PBEWith" -> PBE + With) and around digit runs. A name has
 * segments of 3 characters on average, at least one word of >= 3 letters, few segments of one
 * or two letters, at most half digits, and its words are pronounceable: a segment of >= 4
 * letters with lower case has a vowel among them, an all-caps one of >= 6 letters too
 * (acronyms: SHA, AES, HTTPS). PositionalIndexer2D (Positional Indexer 2 D) and
 * PBEWithHmacSHA256AndAES (PBE With Hmac SHA 256 And AES) pass; a random token of mixed case
 * and digits changes segment every one or two characters (a 20-character base62 token has
 * about 12 segments) and its longer runs rarely have vowels ("Cfpbf"), so it does not. */
static int wordy(const char *v, size_t n)
{
    size_t segs = 0, chars = 0, digits = 0, shorts = 0, words = 0;
    size_t i = 0;
    while (i < n) {
        if (v[i] == '_') {
            i++;
            continue;
        }
        size_t j = i;
        int caps = 0;
        if (v[i] >= '0' && v[i] <= '9') {
            while (j < n && v[j] >= '0' && v[j] <= '9')
                j++;
            digits += j - i;
        } else if (v[i] >= 'A' && v[i] <= 'Z') {
            while (j < n && v[j] >= 'A' && v[j] <= 'Z')
                j++;
            caps = 1;
            if (j < n && v[j] >= 'a' && v[j] <= 'z') {
                if (j - i > 1) {
                    j--;                /* "PBEWith": PBE, then With */
                } else {
                    caps = 0;
                    while (j < n && v[j] >= 'a' && v[j] <= 'z')
                        j++;
                }
            }
        } else if (v[i] >= 'a' && v[i] <= 'z') {
            while (j < n && v[j] >= 'a' && v[j] <= 'z')
                j++;
        } else {
            return 0;
        }
        size_t len = j - i;
        if (!(v[i] >= '0' && v[i] <= '9')) {
            int vowel = 0;
            for (size_t k = i; k < j; k++)
                vowel |= strchr(caps ? "AEIOUY" : "aeiouy", v[k]) != NULL;
            if (!vowel && len >= (caps ? 6u : 4u))
                return 0;
            words += len >= 3;
            shorts += len <= 2;
        }
        segs++;
        chars += len;
        i = j;
    }
    return segs && words && segs * 3 <= chars && digits * 2 <= chars && shorts * 3 <= segs + 1;
}

/* Code rather than a credential: the value is names and numbers joined by '.', '+', '-', '*',
 * '/' (self.tokenizer.pos+50, java.util.Map, /usr/lib/jvm, 1.2.3-beta) or one wordy name
 * (PBEWithHmacSHA256AndAES_256, PositionalIndexer2D). Base64 padding ('=') is never code. */
static int code_like(const char *v, size_t n)
{
    size_t i = 0, names = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !strchr(".+-*/=", v[j]))
            j++;
        if (j < n && v[j] == '=')
            return 0;
        if (j > i) {
            int num = 1;
            for (size_t k = i; k < j; k++)
                num &= v[k] >= '0' && v[k] <= '9';
            if (!num && !wordy(v + i, j - i))
                return 0;
            names += !num;
        }
        i = j + 1;
    }
    return names > 0;
}

/* generic-api-key: entropy >= 3.5 (gitleaks), and the shape of a token rather than of an
 * identifier, an expression or a path: at least one digit and one letter, not code. */
static int check_generic(const char *subj, const size_t *ov, unsigned g)
{
    const char *v = subj + ov[2 * g];
    size_t n = ov[2 * g + 1] - ov[2 * g];
    int digit = 0, alpha = 0;
    for (size_t i = 0; i < n; i++) {
        digit |= v[i] >= '0' && v[i] <= '9';
        alpha |= (v[i] | 0x20) >= 'a' && (v[i] | 0x20) <= 'z';
    }
    return digit && alpha && !placeholder(v, n) && !identifier_like(v, n) && !code_like(v, n) &&
           entropy(v, n) >= 3.5;
}

/* Vendor-prefixed keys (OpenAI, Anthropic): the whole match's tail after the prefix is random:
 * entropy >= 4 and upper, lower and digits all present. A 40-character random base62 tail has
 * entropy about 5; "sk-admin-panel-settings-page-…" is about 3.5 and has no digit. */
static int check_tokentail(const char *subj, const size_t *ov, unsigned g)
{
    const char *t = subj + ov[2], *e = subj + ov[3];     /* group 1: the tail */
    int up = 0, lo = 0, dg = 0;
    (void)g;
    for (const char *c = t; c < e; c++) {
        up |= *c >= 'A' && *c <= 'Z';
        lo |= *c >= 'a' && *c <= 'z';
        dg |= *c >= '0' && *c <= '9';
    }
    return up && lo && dg && entropy(t, (size_t)(e - t)) >= 4.0;
}

/* url-password: group 1 is the user, group 2 the password. */
static int check_urlpass(const char *subj, const size_t *ov, unsigned g)
{
    const char *u = subj + ov[2], *p = subj + ov[2 * g];
    size_t un = ov[3] - ov[2], pn = ov[2 * g + 1] - ov[2 * g];
    if (placeholder(p, pn) || (un == pn && memcmp(u, p, pn) == 0))
        return 0;
    return 1;
}

/* curl-auth: "user:$PASS" or "$CREDS" take the secret from the environment: no leak. */
static int check_curl(const char *subj, const size_t *ov, unsigned g)
{
    const char *v = subj + ov[2 * g];
    size_t n = ov[2 * g + 1] - ov[2 * g];
    const char *colon = memchr(v, ':', n);
    if (colon && (size_t)(colon - v) + 1 < n && strchr("$%{<", colon[1]))
        return 0;
    return !placeholder(v, n);
}

/* Env / build-arg values: also not a path (DB_PASSWORD=/run/secrets/db is a pointer to one). */
static int check_envval(const char *subj, const size_t *ov, unsigned g)
{
    const char *v = subj + ov[2 * g];
    size_t n = ov[2 * g + 1] - ov[2 * g];
    return n && v[0] != '/' && !placeholder(v, n);
}

/* ---- pre-checks: cheap C tests before a regex runs around a common keyword ---- */

static int wordch(char c)
{
    return c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* After an assignment at i: up to 5 blanks, an optional quote, then >= 10 characters of
 * generic-api-key's value class ([A-Za-z0-9_.=+/-]). */
static int value_follows(const char *t, size_t len, size_t i)
{
    for (size_t n = 0; n < 5 && i < len && (t[i] == ' ' || t[i] == '\t'); n++)
        i++;
    if (i < len && (t[i] == '"' || t[i] == '\'' || t[i] == '`'))
        i++;
    size_t n = 0;
    for (; n < 10 && i + n < len; n++) {
        char c = t[i + n];
        if (!(wordch(c) || c == '=' || c == '+' || c == '/'))
            break;
    }
    return n == 10;
}

/* generic-api-key: the keyword's identifier is followed by an assignment (= : =>) within the
 * regex's reach, then a value long enough to be one: "cache_key(", "token.value" and
 * "password: hunter2" stop here, before PCRE2. */
static int pre_assign(const char *t, size_t len, size_t at, size_t kwlen)
{
    size_t i = at + kwlen, end = len - at > 64 ? at + 64 : len;
    while (i < end && wordch(t[i]))
        i++;
    while (i < end && (t[i] == '"' || t[i] == '\'' || t[i] == '`' || t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i >= end)
        return 0;
    /* the operators (= := : => ?=) end at e1, or at e2 when the longer form reads on; a value
     * of >= 10 characters must follow one of them (after <= 5 blanks and a quote) */
    size_t e1, e2;
    if (t[i] == '=')
        e1 = i + 1, e2 = i + 1 < len && t[i + 1] == '>' ? i + 2 : e1;
    else if (t[i] == ':')
        e1 = i + 1, e2 = i + 1 < len && t[i + 1] == '=' ? i + 2 : e1;
    else if (t[i] == '?' && i + 1 < end && t[i + 1] == '=')
        e1 = e2 = i + 2;
    else
        return 0;
    return value_follows(t, len, e1) || (e2 != e1 && value_follows(t, len, e2));
}

/* url-password: "://" followed by userinfo with a ':' before an '@'. */
static int pre_userinfo(const char *t, size_t len, size_t at, size_t kwlen)
{
    int colon = 0;
    size_t end = len - at > 400 ? at + 400 : len;
    for (size_t i = at + kwlen; i < end; i++) {
        char c = t[i];
        if (c == '@')
            return colon;
        if (c == ':')
            colon = 1;
        else if (c == '/' || c == '?' || c == '#' || c == ' ' || c == '\n' || c == '\t' ||
                 c == '"' || c == '\'' || c == '<' || c == '>')
            return 0;
    }
    return 0;
}

/* openai-*, anthropic-*: "sk-" is a common trigram ("disk-", "task-"): the keyword must start
 * a token (no letter, digit, '_' or '-' before it) for the regex to run. */
static int pre_tokenstart(const char *t, size_t len, size_t at, size_t kwlen)
{
    (void)len, (void)kwlen;
    return at == 0 || !(wordch(t[at - 1]) && t[at - 1] != '.');
}

/* ---- fix texts shared by many rows ---- */

#define FIX_TOKEN "revoke and rotate it; never COPY or ENV it: use RUN --mount=type=secret at build and a runtime secret store"
#define FIX_KEY   "rotate the key; mount it at run time (volume or orchestrator secret) or use RUN --mount=type=ssh|secret, never COPY it"
#define FIX_OPENAI "revoke it at platform.openai.com (API keys); " FIX_TOKEN
#define FIX_FILE  "add it to .dockerignore and pass it with RUN --mount=type=secret instead of COPY; deleting it in a later layer does not remove it"

/* Word boundaries used below: (?<![A-Za-z0-9]) before and (?![A-Za-z0-9]) after a token keep
 * "xghp_…" or a 37-character near miss from matching. */
#define NB  "(?<![A-Za-z0-9])"
#define NA  "(?![A-Za-z0-9])"

/* BuildKit's SecretsUsedInArgOrEnv: whole '_'-separated words, so ACCESS_LOG and PWD do not
 * match; PUBLIC, FILE and VERSION words exempt the name (catalogue C-env-name), and GPG/PGP
 * (GPG_KEY, PHP_GPG_KEYS: public key ids in official images). */
#define SECRET_NAME "(?i)(?:^|_)(?:apikey|auth|credentials?|key|password|pword|passwd|secret|token)(?:_|$)"
#define SECRET_NAME_EXEMPT "(?i)(?:^|_)(?:public|file|version|gpg|pgp)(?:_|$)"

const struct secret_rule secret_rules[] = {
    /* ---------- file names (catalogue F-* rows). First match wins: specific first. ---------- */
    /* F-ssh-key (dockle) */
    {"ssh-private-key-file", SEV_CRITICAL, SK_FILE, SRF_KEYMAT, NULL,
     "id_rsa|id_dsa|id_ecdsa|id_ed25519|id_ecdsa_sk|id_ed25519_sk", NULL, NULL, 0, 0, NULL,
     "remove the SSH key from the image: use RUN --mount=type=ssh for git/ssh during the build", NULL},
    /* F-cloud-dir, the credential files themselves (dockle + sugg.). .docker/config.json, .npmrc
     * and .pypirc hold no secret unless they carry an auth: see the path-limited content rules
     * docker-config-auth, npmrc-auth-token, pypirc-password below. */
    {"cloud-credentials-file", SEV_HIGH, SK_FILE, 0, NULL,
     "/.aws/credentials|/.kube/config|/.git-credentials|/.config/gcloud/credentials.db"
     "|/.config/gcloud/access_tokens.db|/.config/gcloud/application_default_credentials.json"
     "|/.config/gcloud/legacy_credentials/|/.azure/accessTokens.json|/.azure/msal_token_cache.json"
     "|/.azure/msal_token_cache.bin|/.azure/service_principal_entries.json",
     NULL, NULL, 0, 0, NULL,
     "do not bake CLI credentials in: mount them with RUN --mount=type=secret and use workload identity at run time", NULL},
    /* F-pkcs12 (gitleaks) */
    {"pkcs12-file", SEV_HIGH, SK_FILE, SRF_KEYMAT, NULL, "*.p12|*.pfx", NULL, NULL, 0, 0, NULL,
     FIX_FILE, NULL},
    /* F-cred-file (dockle), plus .env variants, .netrc and .pgpass (sugg.) */
    {"cred-file", SEV_HIGH, SK_FILE, SRF_NAMES | SRF_GENERIC, NULL,
     "credentials|credentials.json|credentials.xml|credential.json|password.txt|secret_token.rb"
     "|carrierwave.rb|omniauth.rb|settings.py|database.yml|.env|.env.*|.netrc|.pgpass",
     "*.example|*.sample|*.template|*.tmpl|*.tpl|*.dist|*.default|*.defaults|*.schema", NULL,
     0, 0, NULL, FIX_FILE, NULL},
    /* F-ext (dockle) */
    {"secret-file-ext", SEV_HIGH, SK_FILE, SRF_KEYMAT | SRF_NAMES, NULL,
     "*.secret|*.ovpn|*.private_key|*.jks|*.keychain|*.psafe3|*.agilekeychain|*.bek|*.tpm"
     "|*.fve|*.cscfg|*.rdp|*.mdf|*.sdf|*.pcap|*.gnucache",
     NULL, NULL, 0, 0, NULL, FIX_FILE, NULL},
    /* F-cloud-dir, the directories (dockle INFO) */
    {"cloud-config-dir", SEV_INFO, SK_FILE, SRF_NAMES, NULL,
     "/.aws/|/.azure/|/.gcp/|/.config/gcloud/", NULL, NULL, 0, 0, NULL,
     "check that no cloud CLI login was left in the image; keep ~/.aws, ~/.azure, ~/.config/gcloud out of it", NULL},

    /* ---------- token formats (content; also run on Env entries and history) ---------- */
    /* aws-access-key-id (Trivy/gitleaks) */
    {"aws-access-key-id", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR,
     "AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T",
     "(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
     NULL, NULL, 0, 0, NULL, "deactivate the key in IAM; " FIX_TOKEN, NULL},
    /* aws-secret-access-key (Trivy): a key-ish name, a connector, 40 base64 characters */
    {"aws-secret-access-key", SEV_CRITICAL, SK_CONTENT, SRF_KWICASE | SRF_ANCHOR,
     "aws|secretaccess|secret_access|secret-access",
     "(?i)(?:aws[_-]?(?:sec(?:ret)?)?[_-]?(?:access)?[_-]?key|secret[_-]?access[_-]?key)"
     "[\"'`]?\\s{0,20}(?:=|:=|:|=>|,)\\s{0,20}[\"'`]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
     NULL, NULL, 1, 0, check_entropy3, "deactivate the key in IAM; " FIX_TOKEN, NULL},
    /* private-key (Trivy/gitleaks): PEM block with a body of >= 32 characters. Optional
     * RFC 1421 headers (Proc-Type, DEK-Info, Version); "\n" escapes for keys inside JSON. */
    {"private-key", SEV_HIGH, SK_CONTENT, SRF_KEYMAT | SRF_ANCHOR, "-----BEGIN",
     "-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
     "(?:(?:\\s|\\\\n)*[A-Za-z][A-Za-z-]*:[^\\n]*)*(?:\\s|\\\\n)*"
     "([A-Za-z0-9+/=\\s\\\\]{32,}?)(?:\\s|\\\\n)*-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----",
     NULL, NULL, 1, 32768, NULL, FIX_KEY, NULL},
    /* github-* (Trivy) */
    {"github-pat", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "ghp_", NB "ghp_[0-9A-Za-z]{36}" NA,
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"github-oauth", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "gho_", NB "gho_[0-9A-Za-z]{36}" NA,
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"github-app-token", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "ghu_|ghs_", NB "gh[us]_[0-9A-Za-z]{36}" NA,
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"github-refresh-token", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "ghr_", NB "ghr_[0-9A-Za-z]{76}" NA,
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"github-fine-grained-pat", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "github_pat_",
     NB "github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* gitlab-pat (Trivy), also the newer routable form glpat-….01.xxxxxxxxx */
    {"gitlab-pat", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "glpat-",
     NB "glpat-[0-9A-Za-z_-]{20,64}(?:\\.[0-9a-z]{2}\\.[0-9a-z]{7,9})?(?![0-9A-Za-z_-])",
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* gcp-service-account (Trivy) */
    {"gcp-service-account", SEV_CRITICAL, SK_CONTENT, 0, "service_account",
     "\"type\"\\s*:\\s*\"(service_account)\"", NULL, NULL, 1, 0, NULL,
     "delete the service-account key in IAM; use workload identity or mount the key at run time", NULL},
    /* gcp-api-key (gitleaks), entropy >= 4 */
    {"gcp-api-key", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "AIza",
     "(?<![0-9A-Za-z_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", NULL, NULL, 0, 0,
     check_entropy4, FIX_TOKEN, NULL},
    /* azure-storage-account-key (Trivy) */
    {"azure-storage-account-key", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "AccountKey",
     "AccountKey\\s*=\\s*([A-Za-z0-9+/]{86}==)", NULL, NULL, 1, 0, NULL,
     "regenerate the storage key; use a managed identity or a SAS from a runtime secret", NULL},
    /* azure-entra-client-secret (Trivy; gitleaks \dQ~) */
    {"azure-entra-client-secret", SEV_CRITICAL, SK_CONTENT, 0,
     "0Q~|1Q~|2Q~|3Q~|4Q~|5Q~|6Q~|7Q~|8Q~|9Q~",
     "(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* azure-sas-token (Trivy): sv=YYYY-MM-DD and sig= in one URL query, either order */
    {"azure-sas-token", SEV_HIGH, SK_CONTENT, 0, "sv=20",
     "(?|\\bsv=20\\d\\d-\\d\\d-\\d\\d[^\\s\"'<>]{0,512}?[?&]sig=([A-Za-z0-9%+/=]{40,})"
     "|[?&]sig=([A-Za-z0-9%+/=]{40,})[^\\s\"'<>]{0,512}?[?&]sv=20\\d\\d-\\d\\d-\\d\\d)",
     NULL, NULL, 1, 0, NULL, "revoke the SAS (rotate the signing key) and issue short-lived ones at run time", NULL},
    /* openai-* (Trivy, gitleaks): project, service-account and admin keys are
     * sk-proj- / sk-svcacct- / sk-admin- + base64url with "T3BlbkFJ" (base64 of "OpenAI") in
     * the middle; legacy user keys sk- + 20 + T3BlbkFJ + 20 alphanumerics. The marker is not
     * required here: the prefixes alone are OpenAI's (keys copied into docs and .env files with
     * the middle shortened are still keys), so a long random tail after them is enough, and a
     * legacy key is also accepted as sk- + 48 alphanumerics (its length; strata sugg.). Both
     * CRITICAL: a key bills the owner's account. Entropy >= 4 keeps "sk-admin-panel-…" out. */
    {"openai-api-key", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "sk-proj-|sk-svcacct-|sk-admin-",
     "(?<![A-Za-z0-9_-])sk-(?:proj|svcacct|admin)-([A-Za-z0-9_-]{40,250})(?![A-Za-z0-9_-])",
     NULL, NULL, 0, 0, check_tokentail, FIX_OPENAI, pre_tokenstart},
    {"openai-legacy-api-key", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "sk-",
     "(?<![A-Za-z0-9_-])sk-([A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})(?![A-Za-z0-9_-])",
     NULL, NULL, 0, 0, check_tokentail, FIX_OPENAI, pre_tokenstart},
    /* anthropic-api-key (gitleaks: sk-ant-api03- + 93 base64url + "AA"; admin keys
     * sk-ant-admin01- the same). As for OpenAI, the prefix is the vendor's own, so any
     * sk-ant-<kind><2 digits>- with a random tail of >= 32 characters counts (strata sugg.). */
    {"anthropic-api-key", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "sk-ant-",
     "(?<![A-Za-z0-9_-])sk-ant-[a-z]{2,10}[0-9]{2}-([A-Za-z0-9_-]{32,200})(?![A-Za-z0-9_-])",
     NULL, NULL, 0, 0, check_tokentail, "revoke it in the Anthropic console; " FIX_TOKEN,
     pre_tokenstart},
    /* hugging-face-access-token (Trivy) */
    {"hugging-face-access-token", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "hf_",
     "(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,40}" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* slack-access-token / slack-web-hook (Trivy) */
    {"slack-access-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "xoxb-|xoxa-|xoxp-|xoxr-|xoxs-",
     NB "xox[baprs]-[0-9A-Za-z]{10,48}(?:-[0-9A-Za-z]{1,64}){0,4}(?![0-9A-Za-z-])",
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"slack-web-hook", SEV_MEDIUM, SK_CONTENT, 0, "hooks.slack.com",
     "https?://hooks\\.slack\\.com/(?:services|workflows)/[A-Za-z0-9+/]{44,48}(?![A-Za-z0-9+/])",
     NULL, NULL, 0, 0, NULL, "delete the webhook in Slack and create a new one; inject its URL at run time", NULL},
    /* stripe-secret-token (Trivy); publishable keys are LOW */
    {"stripe-secret-token", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "sk_test_|sk_live_|rk_test_|rk_live_",
     NB "[rs]k_(?:test|live)_[0-9A-Za-z]{10,99}" NA, NULL, NULL, 0, 0, NULL,
     "roll the key in the Stripe dashboard; " FIX_TOKEN, NULL},
    {"stripe-publishable-token", SEV_LOW, SK_CONTENT, SRF_ANCHOR, "pk_test_|pk_live_",
     NB "pk_(?:test|live)_[0-9A-Za-z]{10,99}" NA, NULL, NULL, 0, 0, NULL,
     "publishable keys are meant for clients; check that it is not paired with its secret key", NULL},
    /* npm-access-token (Trivy). Quotes not required: .npmrc has _authToken=npm_… bare. */
    {"npm-access-token", SEV_CRITICAL, SK_CONTENT, SRF_ANCHOR, "npm_",
     "(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}" NA, NULL, NULL, 0, 0, NULL,
     "revoke the token; use RUN --mount=type=secret,id=npmrc,target=/root/.npmrc for npm install", NULL},
    /* pypi-upload-token (Trivy); test.pypi.org tokens too */
    {"pypi-upload-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "pypi-AgE",
     "pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBp)[A-Za-z0-9_-]{50,1000}", NULL, NULL, 0, 0, NULL,
     "revoke the token on PyPI; upload from CI with a trusted publisher, not from an image", NULL},
    /* dockerconfig-secret (Trivy) */
    {"dockerconfig-secret", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "dockerconfigjson|dockercfg",
     "(?:dockerconfigjson|dockercfg)[\"']?\\s*:\\s*[\"']?((?:ey|ew)[A-Za-z0-9/+=]{20,})",
     NULL, NULL, 1, 0, NULL, "rotate the registry password; create the pull secret in the cluster, not in the image", NULL},
    /* F-cloud-dir sugg.: .docker/config.json with an "auth" */
    {"docker-config-auth", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "\"auth\"|\"identitytoken\"|\"registrytoken\"",
     "\"(?:auth|identitytoken|registrytoken)\"\\s*:\\s*\"([A-Za-z0-9+/=_.-]{8,})\"",
     NULL, "/.docker/config.json", 1, 0, check_real,
     "docker logout before the layer ends, or log in with RUN --mount=type=secret; rotate the password", NULL},
    /* shopify / pulumi (Trivy) */
    {"shopify-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "shpss_|shpat_|shpca_|shppa_",
     NB "shp(?:ss|at|ca|pa)_[a-fA-F0-9]{32}" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"pulumi-api-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "pul-", NB "pul-[a-f0-9]{40}" NA,
     NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* sendgrid / twilio / databricks (Trivy) */
    {"sendgrid-api-token", SEV_MEDIUM, SK_CONTENT, SRF_ANCHOR, "SG.",
     NB "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", NULL, NULL, 0, 0, NULL,
     FIX_TOKEN, NULL},
    {"twilio-api-key", SEV_MEDIUM, SK_CONTENT, SRF_ANCHOR,
     "SK0|SK1|SK2|SK3|SK4|SK5|SK6|SK7|SK8|SK9|SKa|SKb|SKc|SKd|SKe|SKf|SKA|SKB|SKC|SKD|SKE|SKF",
     NB "SK[0-9a-fA-F]{32}" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"databricks-api-token", SEV_MEDIUM, SK_CONTENT, SRF_ANCHOR, "dapi",
     NB "dapi[a-h0-9]{32}(?:-[0-9])?" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* vault / terraform / digitalocean (gitleaks) */
    {"vault-service-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "hvs.|hvb.",
     NB "hv[sb]\\.[A-Za-z0-9_-]{90,120}(?![A-Za-z0-9_-])", NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    {"terraform-api-token", SEV_HIGH, SK_CONTENT, 0, ".atlasv1.",
     NB "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}(?![A-Za-z0-9_=-])", NULL, NULL, 0, 0,
     NULL, FIX_TOKEN, NULL},
    {"digitalocean-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "dop_v1_|doo_v1_|dor_v1_",
     NB "do[opr]_v1_[a-f0-9]{64}" NA, NULL, NULL, 0, 0, NULL, FIX_TOKEN, NULL},
    /* age-secret-key (Trivy): bech32 alphabet */
    {"age-secret-key", SEV_MEDIUM, SK_CONTENT, SRF_ANCHOR, "AGE-SECRET-KEY-1",
     "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Z0-9])", NULL, NULL, 0, 0,
     NULL, FIX_KEY, NULL},
    /* symfony-default-secret (Trivy) */
    {"symfony-default-secret", SEV_HIGH, SK_CONTENT, SRF_ANCHOR, "ThisTokenIsNotSoSecretChangeIt",
     "ThisTokenIsNotSoSecretChangeIt", NULL, NULL, 0, 0, NULL,
     "set APP_SECRET to a generated value at run time; the default is public", NULL},
    /* F-maven (Trivy): settings.xml <password>/<passphrase>, settings-security.xml <master> */
    {"maven-settings-password", SEV_HIGH, SK_CONTENT, SRF_ANCHOR | SRF_GENERIC, "<password>|<passphrase>|<master>",
     "<(password|passphrase|master)>\\s*([^<\\s$][^<]{0,255}?)\\s*</\\1>", NULL,
     "settings.xml|settings-security.xml", 2, 0, check_maven,
     "use ${env.VAR} in settings.xml and RUN --mount=type=secret for the values", NULL},
    /* F-cloud-dir sugg.: .npmrc / .pypirc with credentials */
    {"npmrc-auth-token", SEV_HIGH, SK_CONTENT, SRF_ANCHOR | SRF_GENERIC, "_auth|_password",
     "(?:_authToken|_auth|_password)\\s*=\\s*[\"']?([^\\s\"'$][^\\s\"']{5,})", NULL,
     ".npmrc|npmrc", 1, 0, check_real,
     "use RUN --mount=type=secret,id=npmrc,target=/root/.npmrc; never COPY .npmrc", NULL},
    {"pypirc-password", SEV_HIGH, SK_CONTENT, SRF_GENERIC, "password",
     "(?m)^[ \\t]*password[ \\t]*[=:][ \\t]*(\\S{4,})", NULL, ".pypirc", 1, 0, check_real,
     "use RUN --mount=type=secret for .pypirc, or TWINE_PASSWORD at run time", NULL},
    /* jwt-token (Trivy): header and payload are base64url JSON ("eyJ") */
    {"jwt-token", SEV_MEDIUM, SK_CONTENT, SRF_ANCHOR, "eyJ",
     "(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{17,}\\.ey[A-Za-z0-9_-]{17,}\\.(?:[A-Za-z0-9_-]{10,}={0,2})?",
     NULL, NULL, 0, 0, NULL, "check whether the token is still valid; do not ship tokens in images", NULL},
    /* url-password (strata): scheme://user:password@host, as in DATABASE_URL */
    {"url-password", SEV_HIGH, SK_CONTENT, SRF_GENERIC, "://",
     "\\b[A-Za-z][A-Za-z0-9+.-]{1,30}://([^\\s:/?#@'\"<>\\\\]{1,128}):([^\\s/?#@'\"<>\\\\]{1,256})@"
     "(?=[A-Za-z0-9_\\[.-])", NULL, NULL, 2, 0, check_urlpass,
     "change the password; pass the URL at run time (orchestrator secret), not in files or ENV", pre_userinfo},
    /* curl-auth (gitleaks): credentials on a command line or in an Authorization header */
    {"curl-auth", SEV_HIGH, SK_CONTENT, SRF_KWICASE | SRF_ANCHOR | SRF_GENERIC, "curl|wget|authorization",
     "(?i)(?|\\bcurl\\b[^\\n;&|]{0,512}?\\s(?:-u\\s*|--user(?:\\s+|=))['\"]?([^\\s'\":]{1,128}:[^\\s'\"]{1,256})"
     "|\\bwget\\b[^\\n;&|]{0,512}?\\s--(?:http-|ftp-)?password(?:\\s+|=)['\"]?([^\\s'\"]{1,256})"
     "|\\bauthorization\\s*:\\s*(?:bearer|basic|token)\\s+([A-Za-z0-9._~+/=-]{8,}))",
     NULL, NULL, 1, 0, check_curl,
     "read the credential from a build secret (RUN --mount=type=secret,id=x curl -u \"$(cat /run/secrets/x)\")", NULL},
    /* generic-api-key (gitleaks, LOW sugg.: noisy): key-ish name, assignment, entropy >= 3.5.
     * SRF_ASSIGN: its keywords are in every line of config text, its values (a digit and a
     * letter, check_generic) are rare, so the scanner finds those first. */
    {"generic-api-key", SEV_LOW, SK_CONTENT,
     SRF_KWICASE | SRF_NOENV | SRF_ANCHOR | SRF_GENERIC | SRF_ASSIGN,
     "key|secret|token|passw|credential",
     "(?i)(?:key|secret|token|passw(?:or)?d|credentials?)[\\w.-]{0,20}[\"'`]?[ \\t]{0,5}"
     "(?:=|:=|:|=>|\\?=)[ \\t]{0,5}([\"'`]?)([A-Za-z0-9_.=+/-]{10,150})\\1(?![A-Za-z0-9_.=+/(-])",
     NULL, NULL, 2, 0, check_generic, FIX_TOKEN, pre_assign},

    /* ---------- names (catalogue C-env-name: BuildKit SecretsUsedInArgOrEnv) ---------- */
    {"env-secret-name", SEV_MEDIUM, SK_ENV, 0, NULL, SECRET_NAME, SECRET_NAME_EXEMPT, NULL, 0, 0,
     check_envval, "do not set secrets with ENV (every layer and `docker inspect` show it): inject at run time", NULL},
    {"build-arg-secret", SEV_HIGH, SK_HISTORY, 0, NULL, SECRET_NAME, SECRET_NAME_EXEMPT, NULL, 0, 0,
     check_envval, "build args are recorded in the image history: use RUN --mount=type=secret instead of ARG/--build-arg", NULL},
};
const size_t secret_rules_n = sizeof secret_rules / sizeof secret_rules[0];

/* Known benign hits (catalogue "Known benign hits"). */
const struct secret_allow secret_allows[] = {
    /* Debian ssl-cert's generated snakeoil key (spilo#996, postgres-containers#513) */
    {"=/etc/ssl/private/ssl-cert-snakeoil.key", NULL, 0},
    /* documentation and packaged data; headers */
    {"^/usr/share/|^/usr/include/", NULL, 0},
    /* test and example folders inside language packages (python-ldap slapdtest/certs,
     * npm tunnel/test/keys, boto3 examples, CPython's Lib/test) */
    {"/test/|/tests/|/testdata/|/testing/|/__tests__/|/spec/|/fixtures/|/fixture/|/examples/"
     "|/example/|/samples/|/slapdtest/",
     "/site-packages/|/dist-packages/|/node_modules/|/gems/|/vendor/|^/usr/lib/python"
     "|^/usr/local/lib/python|^/usr/lib/ruby/|^/usr/lib/node_modules/", 0},
    /* key material anywhere under test/example folders */
    {"/test/|/tests/|/testdata/|/test-data/|/fixtures/|/examples/|/example/|/slapdtest/", NULL,
     SRF_KEYMAT},
    /* name heuristics (settings.py, database.yml, *.jks …) inside third-party packages */
    {"/site-packages/|/dist-packages/|/node_modules/|/gems/|/vendor/|^/usr/lib/|^/usr/local/lib/",
     NULL, SRF_NAMES},
};
const size_t secret_allows_n = sizeof secret_allows / sizeof secret_allows[0];

/* Bodies never worth reading: binary formats, package-manager state, virtual filesystems. */
const char secret_skip_paths[] =
    "*.so|~.so.|*.a|*.o|*.ko|*.png|*.jpg|*.jpeg|*.gif|*.bmp|*.ico|*.webp|*.tif|*.tiff|*.svgz"
    "|*.woff|*.woff2|*.ttf|*.otf|*.eot|*.zip|*.gz|*.tgz|*.bz2|*.xz|*.zst|*.lz4|*.7z|*.rar"
    "|*.jar|*.war|*.ear|*.whl|*.pyc|*.pyo|*.class|*.mo|*.gmo|*.mp3|*.mp4|*.ogg|*.wav|*.flac"
    "|*.avi|*.mov|*.mkv|*.pdf|*.exe|*.dll|*.wasm|*.pt|*.pth|*.ckpt|*.safetensors|*.onnx|*.h5"
    "|*.pb|*.tflite|*.gguf|*.npy|*.npz|*.parquet|*.arrow|*.deb|*.rpm|*.apk|*.sqlite|*.db"
    "|/__pycache__/|^/proc/|^/sys/|^/dev/|^/var/lib/dpkg/|^/var/lib/apt/lists/|^/var/lib/rpm/"
    "|^/var/cache/|^/usr/lib/locale/|^/usr/share/zoneinfo/";
