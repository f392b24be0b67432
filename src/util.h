/* util.h: allocation that never returns NULL, the error buffer, size formatting.
 *
 * Allocation failure is not recoverable in a read-only inspector: x*alloc abort with a message
 * after running the die hook (the UI registers one that restores the terminal). */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Return codes, libarchive's ladder: OK, a warning to record, an entry skipped, the image lost. */
enum { RC_OK = 0, RC_WARN = -20, RC_FAILED = -25, RC_FATAL = -30 };

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
/* Growable arrays, the one place their growth is written: room for n + k elements of `size`
 * bytes in p, whose allocation holds *cap of them. When n + k <= *cap, p comes back untouched;
 * otherwise p is reallocated to max(n + k, 2 * *cap, UTIL_GROW_MIN) elements and *cap updated.
 * p NULL with *cap 0 starts an array. An element count or byte size past SIZE_MAX dies (the
 * x*alloc rule), as does running out of memory. size is never 0.
 *
 *   struct item *v = NULL; size_t n = 0, cap = 0;
 *   ARR_GROW(v, cap, n, 1);          // type-checked: cap must be a size_t, size is sizeof *v
 *   v[n++] = item;
 *
 * util_grow0 zeroes the elements it adds (from the old *cap to the new), util_reserve grows to
 * exactly n + k (no doubling: for a charged one-off reservation), util_grow_try returns NULL
 * instead of dying (p and *cap untouched; it never returns NULL when n + k <= *cap and p is
 * set). An array whose pointer is freed and reset to NULL must have its cap reset to 0. */
#define UTIL_GROW_MIN 16
void *util_grow(void *p, size_t *cap, size_t n, size_t k, size_t size);
void *util_grow0(void *p, size_t *cap, size_t n, size_t k, size_t size);
void *util_reserve(void *p, size_t *cap, size_t n, size_t k, size_t size);
void *util_grow_try(void *p, size_t *cap, size_t n, size_t k, size_t size);
/* XXX: function-like macros, against the house rule, because they are the type check: &(cap)
 * must be a size_t *, and the element size comes from the pointer itself. */
#define ARR_GROW(p, cap, n, k) ((p) = util_grow((p), &(cap), (n), (k), sizeof *(p)))
#define ARR_GROW0(p, cap, n, k) ((p) = util_grow0((p), &(cap), (n), (k), sizeof *(p)))
#define ARR_RESERVE(p, cap, n, k) ((p) = util_reserve((p), &(cap), (n), (k), sizeof *(p)))
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the same from a va_list (the caller's va_start/va_end around it) */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Called once before die() prints; the UI uses it to endwin(). */
void util_set_die_hook(void (*hook)(void));
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One message, the first one set wins: the root cause, not its echoes further up. */
struct errbuf {
    char msg[512];
    int set;
};
void errbuf_set(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errbuf_clear(struct errbuf *e);

/* Writes all n bytes, retrying on EINTR and short writes: 0, or -1 with errno (EPIPE when the
 * reader went away). */
int util_write_all(int fd, const void *p, size_t n);

/* "1.2 MB" style, decimal units as docker and dive print them; buf at least 16 bytes. */
const char *fmt_size(uint64_t bytes, char *buf, size_t len);

/* Copies s into out, replacing control characters and invalid UTF-8 by visible escapes
 * (\n, \x1b, \xff) and C1 controls and bidirectional overrides by their code point (\u009b,
 * \u202e) so that names from an image never drive the terminal nor reorder what is printed
 * around them. Returns out. */
char *util_escape(const char *s, char *out, size_t outsz);
/* 1 for the code points util_escape writes as \uNNNN: C1 controls (U+0080..U+009F) and the
 * bidirectional formatting characters (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069). */
int util_cp_unsafe(unsigned cp);
/* Length (1..4) of the valid UTF-8 sequence at s and its code point in *cp, or 0 if invalid. */
int util_utf8_decode(const char *s, unsigned *cp);

/* "./a//b/../c/" -> "a/c": drops ".", empty and trailing components, resolves ".." without
 * ever climbing above the root. *odd (may be NULL) is set for names that tried to leave the root
 * with "..", absolute names other than "/" itself, and names cut at outsz. Returns the length. */
size_t util_path_clean(const char *in, char *out, size_t outsz, int *odd);
/* The same, into a new string. */
char *util_path_norm(const char *in);

/* fnmatch(3), the same answer, faster for ASCII: strata runs in a UTF-8 locale (main.c), where
 * glibc's fnmatch converts pattern and name to wide characters on every call, most of the cost
 * of the waste rules' walk over a million paths. When both are ASCII a UTF-8 locale and the C
 * locale match alike, so the match runs in the C locale (this thread's, uselocale). With no
 * flags, an ASCII pattern with at most one '*' and no other wildcard ("*.pem", "id_rsa") is
 * answered by comparing the name's ends, without fnmatch. */
int util_fnmatch(const char *pattern, const char *name, int flags);

static inline uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

#endif
