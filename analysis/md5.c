/* md5.c: MD5 as RFC 1321 specifies it (section 3: padding, length, four rounds of 16 steps
 * with the sine-derived constants T[i] = floor(2^32 * |sin(i)|)), written from the RFC. */
#include "analysis/md5.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static uint32_t rol(uint32_t x, unsigned c)
{
    return (x << c) | (x >> (32 - c));
}

static void block(uint32_t st[4], const unsigned char *p, const uint32_t t[64])
{
    static const unsigned s[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
    uint32_t x[16], a = st[0], b = st[1], c = st[2], d = st[3];
    for (int i = 0; i < 16; i++)
        x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned k, r = i / 16;
        switch (r) {
        case 0: f = (b & c) | (~b & d); k = i; break;
        case 1: f = (b & d) | (c & ~d); k = (1 + 5 * i) % 16; break;
        case 2: f = b ^ c ^ d; k = (5 + 3 * i) % 16; break;
        default: f = c ^ (b | ~d); k = (7 * i) % 16; break;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rol(a + f + x[k] + t[i], s[r][i % 4]);
        a = tmp;
    }
    st[0] += a, st[1] += b, st[2] += c, st[3] += d;
}

void md5_digest(const void *data, size_t len, unsigned char out[16])
{
    uint32_t t[64], st[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    for (int i = 0; i < 64; i++)
        t[i] = (uint32_t)(fabs(sin((double)(i + 1))) * 4294967296.0);
    const unsigned char *p = data;
    size_t n = len;
    for (; n >= 64; n -= 64, p += 64)
        block(st, p, t);
    unsigned char tail[128] = {0};
    memcpy(tail, p, n);
    tail[n] = 0x80;
    size_t tl = n < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[tl - 8 + i] = (unsigned char)(bits >> (8 * i));
    block(st, tail, t);
    if (tl == 128)
        block(st, tail + 64, t);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(st[i] >> (8 * j));
}
