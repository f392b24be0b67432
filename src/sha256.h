/* sha256.h: SHA-256 (FIPS 180-4), to check registry blobs against their digests as they stream.
 *
 *   struct sha256 h; sha256_init(&h); sha256_update(&h, buf, n)...; sha256_hex(&h, hex);
 * hex receives 64 lowercase digits and a NUL.
 *
 * sha256_init picks the fastest compression this CPU runs: the x86-64 SHA extensions (SHA-NI,
 * about 8x the portable code) when the CPU has them, the portable C otherwise. Both give the same
 * digests; sha256_init_impl forces one (the unit test compares them). */
#ifndef STRATA_SHA256_H
#define STRATA_SHA256_H

#include <stddef.h>
#include <stdint.h>

enum sha256_impl { SHA256_AUTO, SHA256_PORTABLE, SHA256_SHANI };

struct sha256 {
    uint32_t s[8];
    uint64_t len;          /* bytes hashed */
    unsigned char buf[64];
    size_t fill;
    void (*blocks)(uint32_t s[8], const unsigned char *p, size_t nblocks);
};

void sha256_init(struct sha256 *h);
/* The same with one implementation: 0, or -1 (h untouched) when this CPU or build lacks it. */
int sha256_init_impl(struct sha256 *h, enum sha256_impl impl);
/* The implementation sha256_init picks here (SHA256_PORTABLE or SHA256_SHANI). */
enum sha256_impl sha256_best(void);
void sha256_update(struct sha256 *h, const void *p, size_t n);
/* Finishes the hash; h must be re-initialised before further use. */
void sha256_hex(struct sha256 *h, char hex[65]);

#endif
