/* fuzz_dockerfile.c: the Dockerfile reader (src/dockerfile*.c) on arbitrary text; a file it
 * refuses must say why (one line, no control byte). A file it reads is matched against a small
 * fixed image (analysis/dfmap.c) whose history holds BuildKit, classic and buildah shapes, and
 * every output that cites it is checked: --json parses, --report and the .dockerignore hold no
 * control byte, SARIF parses. The image is read once; each input gets a fresh analysis. */
#include <stddef.h>
#include <stdint.h>

#include "analysis/dockerignore.h"
#include "analysis/sarif.h"
#include "src/dockerfile.h"
#include "tests/fuzz/fuzz_analysis.h"

static struct image img;
static int have_img;

static void open_image(void)
{
    struct fz_buf l[3] = {{0}, {0}, {0}};
    struct archive *a = fz_tar_open(&l[0]);
    static const char *paths[] = {
        "app/data/train.csv", "app/.env", "app/.git/HEAD", "app/src/__pycache__/m.cpython-311.pyc",
        "app/models/m.safetensors", "app/notebooks/a.ipynb", "app/requirements.txt", "app/src/m.py",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        fz_tar_add(a, 'f', paths[i], NULL, "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n", 40);
    fz_tar_close(a);
    a = fz_tar_open(&l[1]);
    fz_tar_add(a, 'f', "root/.cache/pip/http/a", NULL, "cache", 5);
    fz_tar_close(a);
    a = fz_tar_open(&l[2]);
    fz_tar_add(a, 'f', "srv/.env.local", NULL, "X=1\n", 4);
    fz_tar_close(a);
    static const char cfg[] =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\"]},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" "0000000000000000000000000000000000000000000000000000000000000000\","
        "\"sha256:0000000000000000000000000000000000000000000000000000000000000001\","
        "\"sha256:0000000000000000000000000000000000000000000000000000000000000002\"]},"
        "\"history\":["
        "{\"created_by\":\"/bin/sh -c #(nop) WORKDIR /app\",\"empty_layer\":true},"
        "{\"created_by\":\"COPY . . # buildkit\"},"
        "{\"created_by\":\"RUN |1 TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 /bin/sh -c pip install -r requirements.txt # buildkit\"},"
        "{\"created_by\":\"/bin/sh -c #(nop)  ENV TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\",\"empty_layer\":true},"
        "{\"created_by\":\"/bin/sh -c #(nop) COPY dir:0123abcd in /srv \"},"
        "{\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"python3\\\" \\\"-m\\\" \\\"app\\\"]\",\"empty_layer\":true}]}";
    int fd = fuzz_memfd();
    fz_docker_archive(fd, l, 3, cfg, strlen(cfg));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct image_opts io = {0};
    if (image_open(&img, path, &io) == RC_FATAL) {
        fprintf(stderr, "fuzz_dockerfile: the fixed image: %s\n", img.err.msg);
        abort();
    }
    close(fd);
    for (int i = 0; i < 3; i++)
        free(l[i].p);
    have_img = 1;
}

static void no_control(const char *what, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            fprintf(stderr, "fuzz: %s has control byte 0x%02x at %zu\n", what, c, i);
            __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!have_img)
        open_image();
    struct dockerfile df;
    struct errbuf e = {0};
    if (dockerfile_parse(&df, "Dockerfile", (const char *)data, size, &e) != RC_OK) {
        if (!e.msg[0])
            __builtin_trap();   /* a refusal must say why */
        no_control("the error message", e.msg, strlen(e.msg));
        dockerfile_free(&df);
        return 0;
    }
    struct analysis_opts ao = {.config_path = "/dev/null", .dockerfile = &df};
    struct analysis *an = analysis_new(&ao);
    analysis_run(an, &img);
    fz_reports(&img, an);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct dockerignore *d = dockerignore_build(an, &img);
    if (!f || dockerignore_write(f, d, &img, an) != 0 || fclose(f) != 0)
        abort();
    no_control("--dockerignore", buf, len);
    dockerignore_free(d);
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    if (!f || sarif_write(f, &img, an) != 0 || fclose(f) != 0)
        abort();
    json_error_t je;
    json_t *j = json_loadb(buf, len, 0, &je);
    if (!j)
        __builtin_trap();
    json_decref(j);
    free(buf);
    analysis_free(an);
    dockerfile_free(&df);
    return 0;
}
