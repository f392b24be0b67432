/* fuzz_image.c: image_open() on arbitrary bytes as a whole image file (outer tar, plain or
 * gzip/zstd: a compressed input takes the streaming path), content sinks on.
 * Build and run: tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd();
    write_all(fd, data, size);
    fuzz_open_fd(fd, 0);
    close(fd);
    return 0;
}
