/* sha256.h: SHA-256 (FIPS 180-4), to check registry blobs against their digests as they stream.
 *
 *   struct sha256 h; sha256_init(&h); sha256_update(&h, buf, n)...; sha256_hex(&h, hex);
 * hex receives 64 lowercase digits and a NUL. */
#ifndef STRATA_SHA256_H
#define STRATA_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t s[8];
    uint64_t len;          /* bytes hashed */
    unsigned char buf[64];
    size_t fill;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *p, size_t n);
/* Finishes the hash; h must be re-initialised before further use. */
void sha256_hex(struct sha256 *h, char hex[65]);

#endif
