/* fuzz_strataconf.c: .strata.conf (analysis/config.c, analysis_config_text) on arbitrary text,
 * then the analysis with what it set (user waste rules and their fix templates, allow-path
 * globs, ignores, thresholds) on a small fixed image, and both reports. The image is read once;
 * each input gets a fresh analysis. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_analysis.h"

static struct image img;
static int have_img;

static void open_image(void)
{
    struct fz_buf l[2] = {{0}, {0}};
    struct archive *a = fz_tar_open(&l[0]);
    static const char *paths[] = {
        "var/log/apt/history.log", "var/log/x/y/z.log", "tmp/build/o.o", "root/.cache/pip/a",
        "home/u/.cache/x", "app/node_modules/m/README.md", "app/model.bin", "usr/share/doc/a/c",
        "var/lib/apt/lists/p_Packages", "app/.env", "usr/bin/a",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        fz_tar_add(a, 'f', paths[i], NULL, "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n", 40);
    fz_tar_close(a);
    a = fz_tar_open(&l[1]);
    fz_tar_add(a, 'f', "var/log/apt/.wh.history.log", NULL, NULL, 0);
    fz_tar_add(a, 'f', "tmp/build/o.o", NULL, "again", 5);
    fz_tar_close(a);
    char *cfg = fz_config(2, "\"PASSWORD=hunter2hunter2\"", NULL);
    int fd = fuzz_memfd();
    fz_docker_archive(fd, l, 2, cfg, strlen(cfg));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct image_opts io = {0};
    if (image_open(&img, path, &io) == RC_FATAL) {
        fprintf(stderr, "fuzz_strataconf: the fixed image: %s\n", img.err.msg);
        abort();
    }
    close(fd);
    free(cfg);
    free(l[0].p);
    free(l[1].p);
    have_img = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!have_img)
        open_image();
    char *text = strndup((const char *)data, size);   /* the file is read as a C string */
    struct analysis_opts ao = {.config_path = "/dev/null"};
    struct analysis *an = analysis_new(&ao);
    analysis_config_text(an, text, ".strata.conf");
    analysis_run(an, &img);
    fz_reports(&img, an);
    analysis_free(an);
    free(text);
    return 0;
}
