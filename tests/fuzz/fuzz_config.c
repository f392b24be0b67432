/* fuzz_config.c: the image config (c.json of a docker-archive) through image_open and the whole
 * analysis: its JSON, rootfs.diff_ids against the manifest's layers, history (created_by,
 * empty_layer) and the Dockerfile lines made of it (src/history.c), config.Env/User/Cmd, then
 * the env and history secret checks, the waste hints read from RUN lines and both reports.
 * The input is the config's bytes; the two layers are fixed (a few files each). */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_analysis.h"

static struct fz_buf layers[2];

static void make_layers(void)
{
    struct archive *a = fz_tar_open(&layers[0]);
    fz_tar_add(a, 'd', "etc", NULL, NULL, 0);
    fz_tar_add(a, 'f', "etc/hosts", NULL, "127.0.0.1 localhost\n", 20);
    fz_tar_add(a, 'f', "var/lib/apt/lists/x_Packages", NULL, "Package: a\n", 11);
    fz_tar_add(a, 'f', "app/.env", NULL, "TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz\n", 47);
    fz_tar_close(a);
    a = fz_tar_open(&layers[1]);
    fz_tar_add(a, 'f', "app/.wh..env", NULL, NULL, 0);
    fz_tar_add(a, 'f', "root/.cache/pip/http/x", NULL, "cache", 5);
    fz_tar_close(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!layers[0].p)
        make_layers();
    int fd = fuzz_memfd();
    fz_docker_archive(fd, layers, 2, (const char *)data, size);
    fz_analyse_fd(fd, NULL);
    close(fd);
    return 0;
}
