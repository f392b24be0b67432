/* test_outfile.c: outputs never land on an input (file, symlink, hard link, inside a layout
 * directory, standard input), and are written whole or not at all. Works in a fresh temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/outfile.h"
#include "src/util.h"

static char tmpdir[] = "/tmp/strata-outfile.XXXXXX";

static char *P(const char *rel) { return xasprintf("%s/%s", tmpdir, rel); }

static void put(const char *rel, const char *text)
{
    char *p = P(rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static char *slurp(const char *rel)
{
    char *p = P(rel);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return NULL;
    char *buf = xcalloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* names in tmpdir starting with '.' other than . and .. (left-over temp files) */
static int dotfiles(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(tmpdir));
    put("app.tar", "IMAGE");
    char *a = P("app.tar"), *l = P("link.json"), *h = P("hard.json"), *lay = P("layout"),
         *sub = P("layout/blobs"), *ldir = P("laylink");
    assert_int_equal(symlink(a, l), 0);
    assert_int_equal(link(a, h), 0);
    assert_int_equal(mkdir(lay, 0755), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(symlink(lay, ldir), 0);
    put("layout/index.json", "{}");
    free(a); free(l); free(h); free(lay); free(sub); free(ldir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

static void inputs(struct outfile_set *s)
{
    outfile_set_init(s);
    char *a = P("app.tar"), *lay = P("layout");
    outfile_add_input(s, a);
    outfile_add_input(s, lay);
    outfile_add_input(s, "/nonexistent/strata/input");   /* not recorded, not an error */
    free(a);
    free(lay);
}

static void expect_refused(const char *rel, const char *why)
{
    struct outfile_set s;
    inputs(&s);
    struct errbuf e = {0};
    char *p = P(rel);
    assert_int_equal(outfile_check(&s, "--json", p, &e), -1);
    if (!strstr(e.msg, why))
        fail_msg("%s: message '%s' lacks '%s'", rel, e.msg, why);
    assert_non_null(strstr(e.msg, "--json"));
    assert_null(strchr(e.msg, '\n'));
    free(p);
    outfile_set_free(&s);
}

static void test_refuses_inputs(void **state)
{
    (void)state;
    expect_refused("app.tar", "is an input");
    expect_refused("link.json", "resolves to the input");
    expect_refused("hard.json", "resolves to the input");
    expect_refused("layout/out.json", "inside the input directory");
    expect_refused("layout/blobs/../x.json", "inside the input directory");
    expect_refused("layout/blobs/x.json", "inside the input directory");
    expect_refused("laylink/out.json", "inside the input directory");   /* via a symlinked dir */
    expect_refused("layout", "input");
    expect_refused("layout/index.json", "inside the input directory");
    /* and a relative spelling of the input */
    struct outfile_set s;
    inputs(&s);
    char *cwd = getcwd(NULL, 0);
    assert_int_equal(chdir(tmpdir), 0);
    struct errbuf e = {0};
    assert_int_equal(outfile_check(&s, "--sarif", "./app.tar", &e), -1);
    assert_int_equal(outfile_check(&s, "--sarif", "layout/../layout/x", &(struct errbuf){0}), -1);
    assert_int_equal(chdir(cwd), 0);
    free(cwd);
    outfile_set_free(&s);
}

static void test_allows_other_paths_once(void **state)
{
    (void)state;
    struct outfile_set s;
    inputs(&s);
    struct errbuf e = {0};
    char *a = P("report.json"), *b = P("layout-sibling.json");
    assert_int_equal(outfile_check(&s, "--json", a, &e), 0);
    assert_int_equal(outfile_check(&s, "--sarif", b, &e), 0);
    assert_int_equal(outfile_check(&s, "--json", "/dev/null", &e), 0);
    assert_int_equal(outfile_check(&s, "--json", "/nonexistent/dir/x.json", &e), 0);   /* fails at open */
    /* the same file for two outputs */
    assert_int_equal(outfile_check(&s, "--sarif", a, &e), -1);
    assert_non_null(strstr(e.msg, "also the output of --json"));
    free(a);
    free(b);
    outfile_set_free(&s);
}

static void test_stdin_and_stdout_as_input(void **state)
{
    (void)state;
    char *a = P("app.tar");
    int fd = open(a, O_RDWR);
    assert_true(fd >= 0);
    int saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    struct outfile_set s;
    outfile_set_init(&s);
    outfile_add_input(&s, "-");
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    struct errbuf e = {0};
    assert_int_equal(outfile_check(&s, "--json", a, &e), -1);
    assert_non_null(strstr(e.msg, "standard input"));
    struct errbuf e2 = {0};
    assert_int_equal(outfile_check_fd(&s, "standard output", fd, &e2), -1);
    assert_non_null(strstr(e2.msg, "standard output is the input"));
    outfile_set_free(&s);
    close(fd);
    free(a);
}

static void test_commit_replaces_whole(void **state)
{
    (void)state;
    put("r.json", "OLD");
    char *r = P("r.json");
    chmod(r, 0640);
    struct outfile o;
    struct errbuf e = {0};
    FILE *f = outfile_open(&o, r, &e);
    assert_non_null(f);
    fputs("NEW", f);
    char *mid = slurp("r.json");
    assert_string_equal(mid, "OLD");        /* nothing visible until commit */
    free(mid);
    assert_int_equal(dotfiles(), 1);
    assert_int_equal(outfile_commit(&o, &e), 0);
    char *got = slurp("r.json");
    assert_string_equal(got, "NEW");
    free(got);
    struct stat st;
    assert_int_equal(stat(r, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(dotfiles(), 0);

    /* abort: the old file stays, no temp file is left */
    f = outfile_open(&o, r, &e);
    assert_non_null(f);
    fputs("PARTIAL", f);
    outfile_abort(&o);
    got = slurp("r.json");
    assert_string_equal(got, "NEW");
    free(got);
    assert_int_equal(dotfiles(), 0);
    free(r);

    /* a new file, and a symlink to a regular file is written through (the link stays) */
    put("target.json", "T");
    char *t = P("target.json"), *l = P("tl.json"), *n = P("new.json");
    assert_int_equal(symlink(t, l), 0);
    assert_non_null(outfile_open(&o, l, &e));
    fputs("VIA LINK", o.f);
    assert_int_equal(outfile_commit(&o, &e), 0);
    struct stat ls;
    assert_int_equal(lstat(l, &ls), 0);
    assert_true(S_ISLNK(ls.st_mode));
    got = slurp("target.json");
    assert_string_equal(got, "VIA LINK");
    free(got);
    assert_non_null(outfile_open(&o, n, &e));
    fputs("N", o.f);
    assert_int_equal(outfile_commit(&o, &e), 0);
    got = slurp("new.json");
    assert_string_equal(got, "N");
    free(got);
    assert_int_equal(dotfiles(), 0);
    free(t); free(l); free(n);
}

static int sigint_held(void)
{
    sigset_t cur;
    sigemptyset(&cur);
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, SIGINT);
}

/* While a temp file exists, SIGINT/SIGTERM wait (so Ctrl-C cannot leave one behind); a signal
 * that came meanwhile is delivered once it is gone, and the mask is as before after a failure. */
static void test_signals_held_while_temp_exists(void **state)
{
    (void)state;
    assert_false(sigint_held());
    struct outfile o;
    struct errbuf e = {0};
    char *p = P("sig.json");
    assert_non_null(outfile_open(&o, p, &e));
    assert_true(sigint_held());
    fputs("x", o.f);
    assert_int_equal(outfile_commit(&o, &e), 0);
    assert_false(sigint_held());
    assert_non_null(outfile_open(&o, p, &e));
    assert_true(sigint_held());
    outfile_abort(&o);
    assert_false(sigint_held());
    assert_null(outfile_open(&o, "/nonexistent/strata/x.json", &e));
    assert_false(sigint_held());
    outfile_abort(&o);
    /* A SIGTERM that comes while writing ends the process only after the rename: the file is
     * whole and no temp file is left (a child process takes the signal). */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct outfile c;
        struct errbuf ce = {0};
        if (!outfile_open(&c, p, &ce))
            _exit(3);
        raise(SIGTERM);
        fputs("whole", c.f);
        outfile_commit(&c, &ce);
        _exit(4);   /* not reached: the held SIGTERM ends it when the mask is restored */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGTERM);
    char *got = slurp("sig.json");
    assert_string_equal(got, "whole");
    free(got);
    assert_int_equal(dotfiles(), 0);
    free(p);
}

static void test_failures_reported(void **state)
{
    (void)state;
    struct outfile o;
    struct errbuf e = {0};
    assert_null(outfile_open(&o, "/nonexistent/strata/x.json", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/strata/x.json"));
    outfile_abort(&o);   /* safe after a failed open */
    /* a device is written in place; a full disk is an error at commit */
    if (access("/dev/full", W_OK) == 0) {
        struct errbuf e2 = {0};
        FILE *f = outfile_open(&o, "/dev/full", &e2);
        assert_non_null(f);
        for (int i = 0; i < 10000; i++)
            fputs("0123456789", f);
        assert_int_equal(outfile_commit(&o, &e2), -1);
        assert_non_null(strstr(e2.msg, "/dev/full"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_inputs),
        cmocka_unit_test(test_allows_other_paths_once),
        cmocka_unit_test(test_stdin_and_stdout_as_input),
        cmocka_unit_test(test_commit_replaces_whole),
        cmocka_unit_test(test_signals_held_while_temp_exists),
        cmocka_unit_test(test_failures_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
