/* secret_assign.c: finds the assignments a token-like value follows (see secret_assign.h).
 *
 * The cost is one look at every byte for '=' and ':' (16 at a time where SSE2 is there, which
 * is every x86-64) and a few bytes after each one found. In config text an operator is on every
 * line but its value is a placeholder, a number or a path, so it is dropped at its first byte
 * or at the end of its run without a digit. */
#include "analysis/secret_assign.h"

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { C_VAL = 1, C_DIGIT = 2, C_ALPHA = 4, C_BLANK = 8, C_QUOTE = 16, C_NAME = 32 };

/* [A-Za-z0-9_.=+/-] is C_VAL, [A-Za-z0-9_.-] C_NAME; digits and letters are marked apart. */
static const unsigned char cls[256] = {
    ['\t'] = C_BLANK, [' '] = C_BLANK, ['"'] = C_QUOTE, ['\''] = C_QUOTE, ['`'] = C_QUOTE,
    ['_'] = C_VAL | C_NAME, ['.'] = C_VAL | C_NAME, ['-'] = C_VAL | C_NAME,
    ['='] = C_VAL, ['+'] = C_VAL, ['/'] = C_VAL,
#define D(c) [c] = C_VAL | C_DIGIT | C_NAME
    D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'), D('9'),
#undef D
#define A(c) [c] = C_VAL | C_ALPHA | C_NAME, [c - 'a' + 'A'] = C_VAL | C_ALPHA | C_NAME
    A('a'), A('b'), A('c'), A('d'), A('e'), A('f'), A('g'), A('h'), A('i'), A('j'), A('k'),
    A('l'), A('m'), A('n'), A('o'), A('p'), A('q'), A('r'), A('s'), A('t'), A('u'), A('v'),
    A('w'), A('x'), A('y'), A('z'),
#undef A
};

/* Does a value of the kind secret_assign_next wants start at t[i] (after its blanks)? One
 * byte at a time: for the last bytes of the text and where SSE2 is missing. */
static int value_at_slow(const unsigned char *t, size_t len, size_t i)
{
    for (int n = 0; n < 5 && i < len && (cls[t[i]] & C_BLANK); n++)
        i++;
    if (i < len && (cls[t[i]] & C_QUOTE))
        i++;
    unsigned seen = 0;
    for (size_t n = 0; i + n < len && n < 151; n++) {
        unsigned c = cls[t[i + n]];
        if (!(c & C_VAL))
            return 0;
        seen |= c & (C_DIGIT | C_ALPHA);
        if (n >= 9 && seen == (C_DIGIT | C_ALPHA))
            return 1;
    }
    return 0;
}

#if defined(__SSE2__)
/* Bit k set where t[k] (k < 16) is in [A-Za-z0-9_.=+/-]; *digit and *alpha the same for
 * digits and letters. Signed compares only (SSE2): a range test is a shift by 0x80 first. */
static unsigned val_mask16(const unsigned char *t, unsigned *digit, unsigned *alpha)
{
    const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)t);
    const __m128i bias = _mm_set1_epi8((char)0x80);
    __m128i d = _mm_add_epi8(_mm_sub_epi8(x, _mm_set1_epi8('0')), bias);
    __m128i isd = _mm_cmplt_epi8(d, _mm_set1_epi8((char)(0x80 + 10)));
    __m128i l = _mm_add_epi8(_mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
                                          _mm_set1_epi8('a')), bias);
    __m128i isa = _mm_cmplt_epi8(l, _mm_set1_epi8((char)(0x80 + 26)));
    __m128i p = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8('.'))),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8('+'))));
    p = _mm_or_si128(p, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('/')),
                                     _mm_cmpeq_epi8(x, _mm_set1_epi8('-'))));
    *digit = (unsigned)_mm_movemask_epi8(isd);
    *alpha = (unsigned)_mm_movemask_epi8(isa);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(p, _mm_or_si128(isd, isa)));
}

/* value_at_slow's answer, 16 bytes of the run at a time. Most operators are followed by
 * something short (a number, a word, a call) or with no digit (a path, a placeholder): the
 * first byte, the tenth, or the first 16 tell. */
static int value_at(const unsigned char *t, size_t len, size_t i)
{
    size_t j = i;
    for (int n = 0; n < 5 && j < len && (cls[t[j]] & C_BLANK); n++)
        j++;
    if (j < len && (cls[t[j]] & C_QUOTE))
        j++;
    if (len - j < 10 || !(cls[t[j]] & C_VAL) || !(cls[t[j + 9]] & C_VAL))
        return 0;
    unsigned seen = 0;
    size_t n = 0;
    while (len - (j + n) >= 16 && n < 151) {
        unsigned dg, al, v = val_mask16(t + j + n, &dg, &al);
        unsigned run = (unsigned)__builtin_ctz(~v);        /* v < 0x10000: ~v has a zero bit */
        unsigned keep = (1u << run) - 1;
        seen |= (dg & keep ? C_DIGIT : 0) | (al & keep ? C_ALPHA : 0);
        n += run;
        if (n >= 10 && seen == (C_DIGIT | C_ALPHA))
            return 1;
        if (run < 16)
            return 0;
    }
    return value_at_slow(t, len, i);
}
#else
#define value_at value_at_slow
#endif

static int candidate(const unsigned char *t, size_t len, size_t o)
{
    if (value_at(t, len, o + 1))
        return 1;
    return t[o] == '=' && o + 1 < len && t[o + 1] == '>' && value_at(t, len, o + 2);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same search 64 bytes a step with AVX2, on the CPUs that have it (the x86-64 baseline
 * build has SSE2 only): the look for '=' and ':' was half of this pass on config text. Returns
 * the first candidate at or after i, or where the 64-byte steps end (the caller goes on). */
__attribute__((target("avx2"))) static size_t next_avx2(const unsigned char *t, size_t len, size_t *ip)
{
    size_t i = *ip;
    const __m256i eq = _mm256_set1_epi8('='), colon = _mm256_set1_epi8(':');
    while (i + 64 <= len) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(t + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(t + i + 32));
        uint64_t m = (uint32_t)_mm256_movemask_epi8(
                         _mm256_or_si256(_mm256_cmpeq_epi8(a, eq), _mm256_cmpeq_epi8(a, colon))) |
                     (uint64_t)(uint32_t)_mm256_movemask_epi8(
                         _mm256_or_si256(_mm256_cmpeq_epi8(b, eq), _mm256_cmpeq_epi8(b, colon))) << 32;
        for (; m; m &= m - 1) {
            size_t o = i + (size_t)__builtin_ctzll(m);
            if (candidate(t, len, o))
                return o;
        }
        i += 64;
    }
    *ip = i;
    return len;
}
#endif

size_t secret_assign_next(const char *text, size_t len, size_t from)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t i = from;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2")) {
        size_t o = next_avx2(t, len, &i);
        if (o < len)
            return o;
    }
#endif
#if defined(__SSE2__)
    const __m128i eq = _mm_set1_epi8('='), colon = _mm_set1_epi8(':');
    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, colon)));
        for (; m; m &= m - 1) {
            size_t o = i + (size_t)__builtin_ctz(m);
            if (candidate(t, len, o))
                return o;
        }
        i += 16;
    }
#endif
    for (; i < len; i++)
        if ((t[i] == '=' || t[i] == ':') && candidate(t, len, i))
            return i;
    return len;
}

void secret_assign_name(const char *text, size_t o, size_t *lo, size_t *hi)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t j = o;
    if (t[o] == '=' && o > 0 && (t[o - 1] == ':' || t[o - 1] == '?'))
        j = o - 1;
    for (int n = 0; n < 5 && j > 0 && (cls[t[j - 1]] & C_BLANK); n++)
        j--;
    if (j > 0 && (cls[t[j - 1]] & C_QUOTE))
        j--;
    size_t we = j, lim = we > SECRET_ASSIGN_TAIL + SECRET_ASSIGN_KW ?
                             we - (SECRET_ASSIGN_TAIL + SECRET_ASSIGN_KW) : 0;
    while (j > lim && (cls[t[j - 1]] & C_NAME))
        j--;
    *lo = j;
    *hi = we;
}
