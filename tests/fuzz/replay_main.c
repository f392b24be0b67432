/* replay_main.c: main() for the harnesses without libFuzzer (build.sh replay). Each argument is
 * an input file or a folder of them (not recursive); each input is run once through
 * LLVMFuzzerTestOneInput, in argument order, folders sorted by name. A crash is the sanitizer's
 * report and a non-zero exit, as with libFuzzer. Prints "replay: N inputs". */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t n_run;

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, len = 0, k;
    uint8_t *buf = malloc(cap);
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        exit(2);
    }
    fclose(f);
    /* an exact-size copy, so ASan sees a read past the input as libFuzzer would */
    uint8_t *in = malloc(len ? len : 1);
    memcpy(in, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(in, len);
    free(in);
    n_run++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            run_file(argv[i]);
            continue;
        }
        struct dirent **ents;
        int n = scandir(argv[i], &ents, NULL, by_name);
        if (n < 0) {
            perror(argv[i]);
            return 2;
        }
        for (int k = 0; k < n; k++) {
            if (ents[k]->d_name[0] != '.') {
                char *p = malloc(strlen(argv[i]) + strlen(ents[k]->d_name) + 2);
                sprintf(p, "%s/%s", argv[i], ents[k]->d_name);
                run_file(p);
                free(p);
            }
            free(ents[k]);
        }
        free(ents);
    }
    printf("replay: %zu inputs\n", n_run);
    return 0;
}
