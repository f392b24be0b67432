/* sha256.c: SHA-256 as FIPS 180-4 section 6.2 specifies it; constants from section 4.2.2.
 *
 * Two compression functions: the portable one below, and on x86-64 one built on the SHA
 * extensions (sha256rnds2 does two rounds, sha256msg1/msg2 the message schedule; Intel SDM vol. 2,
 * "SHA256RNDS2"), compiled for that target alone and chosen at run time, so the binary still runs
 * on CPUs without them. */
#include "src/sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void blocks_portable(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
    for (; nblocks--; p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                   (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], k = st[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g; g = f; f = e; e = d + t1;
            d = c; c = b; b = a; a = t1 + t2;
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d;
        st[4] += e; st[5] += f; st[6] += g; st[7] += k;
    }
}

#ifdef SHA256_HAVE_SHANI
/* sha256rnds2 wants the state as two vectors, {A,B,E,F} and {C,D,G,H} with A in the top lane,
 * and the message words (plus K) for two rounds in the low two lanes of its third operand. */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&st[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&st[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    for (; nblocks--; p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[16];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        /* w[i] = sigma1 part + w[t-7] + sigma0 part + w[t-16], four words at a time */
        for (int i = 4; i < 16; i++) {
            __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w[i - 4], w[i - 3]),
                                      _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
            w[i] = _mm_sha256msg2_epu32(t, w[i - 1]);
        }
        for (int i = 0; i < 16; i++) {
            __m128i m = _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* CPUID itself, not __builtin_cpu_supports("sha"): clang before 16 does not know "sha" there
 * (the fuzz harnesses build with clang 14). Leaf 7 EBX bit 29: SHA; leaf 1 ECX bits 19 and 9:
 * SSE4.1 and SSSE3. */
static int cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1;
}
#else
static int cpu_has_shani(void) { return 0; }
#endif

enum sha256_impl sha256_best(void)
{
    return cpu_has_shani() ? SHA256_SHANI : SHA256_PORTABLE;
}

int sha256_init_impl(struct sha256 *h, enum sha256_impl impl)
{
    if (impl == SHA256_AUTO)
        impl = sha256_best();
    if (impl == SHA256_SHANI && !cpu_has_shani())
        return -1;
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->s, iv, sizeof iv);
    h->len = 0;
    h->fill = 0;
    h->blocks = blocks_portable;
#ifdef SHA256_HAVE_SHANI
    if (impl == SHA256_SHANI)
        h->blocks = blocks_shani;
#endif
    return 0;
}

void sha256_init(struct sha256 *h)
{
    sha256_init_impl(h, SHA256_AUTO);
}

void sha256_update(struct sha256 *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    h->len += n;
    if (h->fill) {
        size_t k = 64 - h->fill < n ? 64 - h->fill : n;
        memcpy(h->buf + h->fill, p, k);
        h->fill += k; p += k; n -= k;
        if (h->fill < 64)
            return;
        h->blocks(h->s, h->buf, 1);
        h->fill = 0;
    }
    if (n >= 64) {
        h->blocks(h->s, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    memcpy(h->buf, p, n);
    h->fill = n;
}

void sha256_hex(struct sha256 *h, char hex[65])
{
    uint64_t bits = h->len * 8;
    unsigned char pad[72] = {0x80};
    /* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian */
    size_t padlen = (h->fill < 56 ? 56 : 120) - h->fill;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(h, pad, padlen + 8);
    static const char dg[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)(h->s[i] >> (24 - 8 * j));
            hex[8 * i + 2 * j] = dg[c >> 4];
            hex[8 * i + 2 * j + 1] = dg[c & 15];
        }
    hex[64] = 0;
}
