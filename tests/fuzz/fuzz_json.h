/* fuzz_json.h: is this text one JSON document, as jansson's json_loadb(…, 0, …) would take it?
 *
 * The analysis harnesses check that every --json report parses. Parsing it with jansson built
 * a tree of the whole report and freed it again, 12-16% of each input's time under ASan (a perf
 * profile of fuzz_packages and fuzz_strataconf: jansson's allocations, their quarantine); this
 * reads the text once and allocates nothing. It takes what jansson 2.14 takes with flags 0
 * (RFC 8259): an object or array at the top and nothing after it but white space; strings of
 * valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF) with no raw control
 * byte, escapes as the RFC lists them, \u surrogates only in pairs, and no \u0000; numbers
 * without leading zeros, integers within long long, reals that do not overflow a double;
 * nesting at most 2048 deep. One difference, where this is the stricter: jansson 2.14 skips a
 * NUL byte right after a number or a literal (`[1\0,2]` parses; its lexer puts the byte back
 * into a buffer where a NUL marks the end, and reads on), this refuses it.
 *
 * The replay build (build.sh replay: make fuzz-replay, CI) defines FZ_JSON_CROSSCHECK: every
 * report is then also parsed by jansson, and a disagreement traps, so the committed corpora
 * keep this reader honest against the library strata's users parse with. */
#ifndef STRATA_FUZZ_JSON_H
#define STRATA_FUZZ_JSON_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct fzj {
    const unsigned char *p, *end;
    int depth;
    const char *why;            /* the first problem, for the trap's message */
};

static int fzj_fail(struct fzj *j, const char *why)
{
    if (!j->why)
        j->why = why;
    return -1;
}

static void fzj_ws(struct fzj *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int fzj_hex4(struct fzj *j, unsigned *out)
{
    unsigned v = 0;
    if (j->end - j->p < 4)
        return fzj_fail(j, "short \\u escape");
    for (int i = 0; i < 4; i++) {
        unsigned c = j->p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return fzj_fail(j, "bad \\u escape");
        v = v << 4 | d;
    }
    j->p += 4;
    *out = v;
    return 0;
}

/* One UTF-8 sequence at j->p whose first byte is >= 0x80. */
static int fzj_utf8(struct fzj *j)
{
    unsigned c = *j->p, n, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return fzj_fail(j, "invalid UTF-8 lead byte");
    }
    if ((size_t)(j->end - j->p) <= n)
        return fzj_fail(j, "truncated UTF-8");
    for (unsigned i = 1; i <= n; i++) {
        if ((j->p[i] & 0xc0) != 0x80)
            return fzj_fail(j, "invalid UTF-8 continuation");
        cp = cp << 6 | (j->p[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return fzj_fail(j, "overlong or out-of-range UTF-8");
    j->p += n + 1;
    return 0;
}

static int fzj_string(struct fzj *j)
{
    j->p++;                     /* the opening quote */
    while (j->p < j->end) {
        unsigned c = *j->p;
        if (c == '"') {
            j->p++;
            return 0;
        }
        if (c < 0x20)
            return fzj_fail(j, "control byte in a string");
        if (c >= 0x80) {
            if (fzj_utf8(j) < 0)
                return -1;
            continue;
        }
        if (c != '\\') {
            j->p++;
            continue;
        }
        if (++j->p >= j->end)
            return fzj_fail(j, "escape at the end");
        c = *j->p++;
        if (strchr("\"\\/bfnrt", (int)c) && c)
            continue;
        if (c != 'u')
            return fzj_fail(j, "unknown escape");
        unsigned u, lo;
        if (fzj_hex4(j, &u) < 0)
            return -1;
        if (u == 0)
            return fzj_fail(j, "\\u0000 in a string");
        if (u >= 0xdc00 && u <= 0xdfff)
            return fzj_fail(j, "lone low surrogate");
        if (u >= 0xd800 && u <= 0xdbff) {
            if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
                return fzj_fail(j, "high surrogate without its pair");
            j->p += 2;
            if (fzj_hex4(j, &lo) < 0)
                return -1;
            if (lo < 0xdc00 || lo > 0xdfff)
                return fzj_fail(j, "high surrogate without its pair");
        }
    }
    return fzj_fail(j, "unterminated string");
}

static int fzj_number(struct fzj *j)
{
    const unsigned char *s = j->p;
    int real = 0;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return fzj_fail(j, "bad number");
    if (*j->p == '0') {
        j->p++;
        if (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            return fzj_fail(j, "leading zero");
    } else {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && *j->p == '.') {
        real = 1;
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fzj_fail(j, "bad fraction");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        real = 1;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fzj_fail(j, "bad exponent");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    char buf[512];
    size_t n = (size_t)(j->p - s);
    if (n >= sizeof buf)        /* a report writes no such number; say so rather than guess */
        return fzj_fail(j, "number over 511 characters");
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    if (!real) {
        (void)strtoll(buf, NULL, 10);
        if (errno == ERANGE)
            return fzj_fail(j, "integer out of range");
    } else {
        double d = strtod(buf, NULL);
        if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
            return fzj_fail(j, "real number overflow");
    }
    return 0;
}

static int fzj_value(struct fzj *j);

static int fzj_container(struct fzj *j, unsigned char close)
{
    if (++j->depth > 2048)
        return fzj_fail(j, "nested over 2048 deep");
    j->p++;
    fzj_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            if (j->p >= j->end || *j->p != '"')
                return fzj_fail(j, "object key is not a string");
            if (fzj_string(j) < 0)
                return -1;
            fzj_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return fzj_fail(j, "':' expected");
            j->p++;
            fzj_ws(j);
        }
        if (fzj_value(j) < 0)
            return -1;
        fzj_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            fzj_ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            j->depth--;
            return 0;
        }
        return fzj_fail(j, "',' or a closing bracket expected");
    }
}

static int fzj_literal(struct fzj *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return fzj_fail(j, "unknown literal");
    j->p += n;
    return 0;
}

static int fzj_value(struct fzj *j)
{
    if (j->p >= j->end)
        return fzj_fail(j, "value expected");
    switch (*j->p) {
    case '{': return fzj_container(j, '}');
    case '[': return fzj_container(j, ']');
    case '"': return fzj_string(j);
    case 't': return fzj_literal(j, "true");
    case 'f': return fzj_literal(j, "false");
    case 'n': return fzj_literal(j, "null");
    default: return fzj_number(j);
    }
}

/* 0 when p[0..n) is one JSON object or array (white space around it); else -1 and *why. */
static inline int fz_json_check(const char *p, size_t n, const char **why)
{
    struct fzj j = {.p = (const unsigned char *)p, .end = (const unsigned char *)p + n};
    fzj_ws(&j);
    int rc;
    if (j.p >= j.end || (*j.p != '{' && *j.p != '['))
        rc = fzj_fail(&j, "'[' or '{' expected");
    else
        rc = fzj_value(&j);
    if (rc == 0) {
        fzj_ws(&j);
        if (j.p != j.end)
            rc = fzj_fail(&j, "text after the document");
    }
    *why = j.why;
    return rc;
}

#endif
