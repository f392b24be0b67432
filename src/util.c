#include "src/util.h"

#include <errno.h>
#include <fnmatch.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void (*die_hook)(void);

void util_set_die_hook(void (*hook)(void)) { die_hook = hook; }

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    if (die_hook) {
        void (*h)(void) = die_hook;
        die_hook = NULL;
        h();
    }
    fputs("strata: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        die("allocation overflow (%zu x %zu)", n, size);
    return xrealloc(p, n * size);
}

enum { GROW_DOUBLE = 1, GROW_ZERO = 2, GROW_TRY = 4 };

/* The new capacity, or 0 when n + k elements of size bytes cannot be counted in a size_t. */
static size_t grow_cap(size_t cap, size_t n, size_t k, size_t size, int how)
{
    size_t max = SIZE_MAX / size;
    if (n > max || k > max - n)
        return 0;
    size_t want = n + k;
    if (how & GROW_DOUBLE) {
        size_t dbl = cap <= max / 2 ? cap * 2 : max;
        if (want < dbl)
            want = dbl;
        if (want < UTIL_GROW_MIN)
            want = UTIL_GROW_MIN;
    }
    return want;
}

static void *grow(void *p, size_t *cap, size_t n, size_t k, size_t size, int how)
{
    if (!size)
        die("util_grow: element size 0");
    if (n <= *cap && k <= *cap - n)
        return p;
    size_t nc = grow_cap(*cap, n, k, size, how);
    if (!nc) {
        if (how & GROW_TRY)
            return NULL;
        die("allocation overflow (%zu + %zu x %zu)", n, k, size);
    }
    void *q = realloc(p, nc * size);
    if (!q) {
        if (how & GROW_TRY)
            return NULL;
        die("out of memory (%zu x %zu bytes)", nc, size);
    }
    if (how & GROW_ZERO)
        memset((char *)q + *cap * size, 0, (nc - *cap) * size);
    *cap = nc;
    return q;
}

void *util_grow(void *p, size_t *cap, size_t n, size_t k, size_t size)
{
    return grow(p, cap, n, k, size, GROW_DOUBLE);
}

void *util_grow0(void *p, size_t *cap, size_t n, size_t k, size_t size)
{
    return grow(p, cap, n, k, size, GROW_DOUBLE | GROW_ZERO);
}

void *util_reserve(void *p, size_t *cap, size_t n, size_t k, size_t size)
{
    return grow(p, cap, n, k, size, 0);
}

void *util_grow_try(void *p, size_t *cap, size_t n, size_t k, size_t size)
{
    return grow(p, cap, n, k, size, GROW_DOUBLE | GROW_TRY);
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        die("bad format");
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void errbuf_set(struct errbuf *e, const char *fmt, ...)
{
    if (e->set)
        return;
    /* Messages quote names from the image: escaped here, so an error stays one line and never
     * drives the terminal whoever prints it. */
    char raw[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    util_escape(raw, e->msg, sizeof e->msg);
    e->set = 1;
}

void errbuf_clear(struct errbuf *e)
{
    e->msg[0] = 0;
    e->set = 0;
}

const char *fmt_size(uint64_t b, char *buf, size_t len)
{
    static const char *unit[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    if (b < 1000) {
        snprintf(buf, len, "%u B", (unsigned)b);
        return buf;
    }
    double v = (double)b;
    int u = 0;
    while (v >= 999.95 && u < 6) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

int util_cp_unsafe(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) ||            /* C1 controls: U+009B is CSI on some terminals */
           cp == 0x061c ||                          /* ARABIC LETTER MARK */
           cp == 0x200e || cp == 0x200f ||          /* LRM, RLM */
           (cp >= 0x202a && cp <= 0x202e) ||        /* LRE RLE PDF LRO RLO */
           (cp >= 0x2066 && cp <= 0x2069);          /* LRI RLI FSI PDI */
}

int util_utf8_decode(const char *in, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)in;
    unsigned c = s[0];
    int n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

char *util_escape(const char *in, char *out, size_t outsz)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    if (!outsz)
        return out;
    while (*s && o + 1 < outsz) {
        unsigned cp = 0;
        int n = util_utf8_decode((const char *)s, &cp);
        if (n == 1 && *s >= 0x20 && *s != 0x7f) {
            out[o++] = (char)*s++;
            continue;
        }
        if (n > 1 && !util_cp_unsafe(cp)) {
            if (o + (size_t)n >= outsz)
                break;
            memcpy(out + o, s, (size_t)n);
            o += (size_t)n;
            s += n;
            continue;
        }
        /* C0 and DEL as \xNN; C1 and direction overrides as \uNNNN (they are valid characters,
         * shown by their code point); invalid UTF-8 byte by byte as \xNN */
        char esc[8];
        int k;
        if (*s == '\n') k = snprintf(esc, sizeof esc, "\\n");
        else if (*s == '\t') k = snprintf(esc, sizeof esc, "\\t");
        else if (n > 1) k = snprintf(esc, sizeof esc, "\\u%04x", cp);
        else k = snprintf(esc, sizeof esc, "\\x%02x", *s);
        if (o + (size_t)k >= outsz)
            break;
        memcpy(out + o, esc, (size_t)k);
        o += (size_t)k;
        s += n > 1 ? n : 1;
    }
    out[o] = 0;
    return out;
}

size_t util_path_clean(const char *in, char *out, size_t outsz, int *odd)
{
    size_t o = 0;
    const char *s = in;
    int bad = 0, absolute = (*s == '/');
    if (!outsz)
        return 0;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, "/");
        if (n == 1 && s[0] == '.') {
            s += n;
            continue;
        }
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            bad = 1;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            s += n;
            continue;
        }
        if (o + n + 2 > outsz) {
            bad = 1;
            break;
        }
        if (o)
            out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    out[o] = 0;
    /* "/" alone is the root entry some builders write (kaniko); "/etc/x" is not a layer name */
    if (absolute && o)
        bad = 1;
    if (odd)
        *odd = bad;
    return o;
}

char *util_path_norm(const char *in)
{
    size_t n = strlen(in) + 2;
    char *out = xmalloc(n);
    util_path_clean(in, out, n, NULL);
    return out;
}

int util_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* Most of strata's patterns ("*.pem", "id_rsa", ".env*") hold no '?', '[' or '\\' and at
 * most one '*': with no flags, on ASCII, such a pattern is a prefix and a suffix of the name, and
 * that costs a fraction of fnmatch (which also switches the thread's locale). Returns the answer
 * fnmatch would give (0 or FNM_NOMATCH), or -1 for a pattern that needs fnmatch. */
static int simple_match(const char *pattern, const char *name)
{
    const char *star = strchr(pattern, '*');
    if (strpbrk(pattern, "?[\\") || (star && strchr(star + 1, '*')))
        return -1;
    if (!star)
        return strcmp(pattern, name) == 0 ? 0 : FNM_NOMATCH;
    size_t pre = (size_t)(star - pattern), suf = strlen(star + 1), n = strlen(name);
    return n >= pre + suf && memcmp(name, pattern, pre) == 0 &&
                   memcmp(name + n - suf, star + 1, suf) == 0
               ? 0
               : FNM_NOMATCH;
}

int util_fnmatch(const char *pattern, const char *name, int flags)
{
    if (!is_ascii(name) || !is_ascii(pattern))
        return fnmatch(pattern, name, flags);
    if (flags == 0) {
        int r = simple_match(pattern, name);
        if (r >= 0)
            return r;
    }
    pthread_once(&c_locale_once, c_locale_make);
    if (!c_locale)
        return fnmatch(pattern, name, flags);
    locale_t was = uselocale(c_locale);
    int r = fnmatch(pattern, name, flags);
    uselocale(was);
    return r;
}
