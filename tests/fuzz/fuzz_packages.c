/* fuzz_packages.c: the package databases (analysis/packages.c, and the metadata parsing of the
 * analysis sink): dpkg status, status.d/, info/<pkg>.list and .md5sums, apk installed, Python
 * *.dist-info/RECORD and METADATA, npm node_modules/<name>/package.json, through the whole
 * pipeline of `strata --json` so that the files they name are looked up in a real tree.
 *
 * The input is a list of files for a two-layer image, as text:
 *     --- /var/lib/dpkg/status          a file in layer 0; its content is every byte up to the
 *     Package: a                        newline before the next "--- " or "+++ " line
 *     +++ /usr/bin/a                    a file in layer 1 (so later layers shadow and delete:
 *     ...                               ".wh.NAME" files are whiteouts)
 *     --- /usr/lib/x/                   a name ending in "/" is a folder
 *     --- /usr/bin/b -> a               a symlink
 * Bytes before the first header are ignored; at most 256 files. The seeds (make-seeds.sh) are
 * one small database of each kind with the files they list. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_analysis.h"

static int is_header(const uint8_t *p, const uint8_t *end)
{
    return end - p >= 4 && (memcmp(p, "--- ", 4) == 0 || memcmp(p, "+++ ", 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    struct fz_buf lb[2] = {{0}, {0}};
    struct archive *ta[2] = {fz_tar_open(&lb[0]), fz_tar_open(&lb[1])};
    /* the first header */
    while (p < end && !is_header(p, end)) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    for (int files = 0; p < end && files < 256; files++) {
        int layer = p[0] == '+';
        p += 4;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *he = nl ? nl : end;
        char *name = strndup((const char *)p, (size_t)(he - p));   /* stops at a NUL byte */
        const uint8_t *body = nl ? nl + 1 : end, *q = body;
        /* the body ends before "\n--- " / "\n+++ " (or at the end) */
        for (;;) {
            const uint8_t *n2 = memchr(q, '\n', (size_t)(end - q));
            if (!n2) {
                q = end;
                break;
            }
            if (is_header(n2 + 1, end)) {
                q = n2;
                break;
            }
            q = n2 + 1;
        }
        char *arrow = strstr(name, " -> ");
        size_t nlen = strlen(name);
        if (arrow) {
            *arrow = 0;
            fz_tar_add(ta[layer], 'l', name, arrow + 4, NULL, 0);
        } else if (nlen && name[nlen - 1] == '/') {
            fz_tar_add(ta[layer], 'd', name, NULL, NULL, 0);
        } else {
            fz_tar_add(ta[layer], 'f', name, NULL, body, (size_t)(q - body));
        }
        free(name);
        p = q < end ? q + 1 : end;
    }
    fz_tar_close(ta[0]);
    fz_tar_close(ta[1]);
    char *cfg = fz_config(2, "\"PATH=/usr/bin\"", NULL);
    int fd = fuzz_memfd();
    fz_docker_archive(fd, lb, 2, cfg, strlen(cfg));
    fz_analyse_fd(fd, NULL);
    close(fd);
    free(cfg);
    free(lb[0].p);
    free(lb[1].p);
    return 0;
}
