/* md5.h: MD5 (RFC 1321), only to compare a file's content with the digest dpkg recorded for it
 * in info/<pkg>.md5sums. Not for anything that needs collision resistance.
 *
 *   unsigned char d[16];
 *   md5_digest(buf, len, d);
 */
#ifndef STRATA_MD5_H
#define STRATA_MD5_H

#include <stddef.h>

void md5_digest(const void *data, size_t len, unsigned char out[16]);

#endif
