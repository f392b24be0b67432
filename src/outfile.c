/* outfile.c: the output-file rules of outfile.h. Inputs are compared by device and inode, so a
 * symlink, a hard link or a different spelling of an input's path is caught as the input itself. */
#include "src/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void outfile_set_init(struct outfile_set *s) { memset(s, 0, sizeof *s); }

void outfile_set_free(struct outfile_set *s)
{
    for (size_t i = 0; i < s->n_in; i++)
        free(s->in[i].name);
    for (size_t i = 0; i < s->n_out; i++) {
        free(s->out[i]);
        free(s->out_opt[i]);
    }
    free(s->in);
    free(s->out);
    free(s->out_opt);
    memset(s, 0, sizeof *s);
}

void outfile_add_input(struct outfile_set *s, const char *path)
{
    struct stat st;
    int isstdin = strcmp(path, "-") == 0;
    if (isstdin ? fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode) : stat(path, &st) != 0)
        return;
    ARR_GROW(s->in, s->cap_in, s->n_in, 1);
    s->in[s->n_in++] = (struct outfile_in){st.st_dev, st.st_ino, S_ISDIR(st.st_mode),
                                           xstrdup(isstdin ? "standard input" : path)};
}

/* "dir/name" -> "dir" (new string); "name" -> "." */
static char *dir_of(const char *p)
{
    const char *sl = strrchr(p, '/');
    if (!sl)
        return xstrdup(".");
    if (sl == p)
        return xstrdup("/");
    return xstrndup(p, (size_t)(sl - p));
}

static const char *base_of(const char *p)
{
    const char *sl = strrchr(p, '/');
    return sl ? sl + 1 : p;
}

/* Where the bytes of `path` land, as an absolute path: the symlink's target when it exists,
 * else the real directory plus the name. NULL when the directory cannot be resolved. */
static char *resolve(const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return xstrdup(buf);
    char *d = dir_of(path);
    char *out = NULL;
    if (realpath(d, buf))
        out = xasprintf("%s%s%s", buf, strcmp(buf, "/") ? "/" : "", base_of(path));
    free(d);
    return out;
}

static const char *esc(const char *s, char *buf, size_t n) { return util_escape(s, buf, n); }

int outfile_check(struct outfile_set *s, const char *opt, const char *path, struct errbuf *err)
{
    char e1[600], e2[600];
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists) {
        for (size_t i = 0; i < s->n_in; i++)
            if (st.st_dev == s->in[i].dev && st.st_ino == s->in[i].ino) {
                if (strcmp(path, s->in[i].name) == 0)
                    errbuf_set(err, "%s: %s is an input; refusing to write over it", opt, esc(path, e1, sizeof e1));
                else
                    errbuf_set(err, "%s: %s resolves to the input %s; refusing to write over it", opt,
                               esc(path, e1, sizeof e1), esc(s->in[i].name, e2, sizeof e2));
                return -1;
            }
        if (S_ISDIR(st.st_mode)) {
            errbuf_set(err, "%s: %s is a directory", opt, esc(path, e1, sizeof e1));
            return -1;
        }
        if (!S_ISREG(st.st_mode))
            return 0;   /* a FIFO or a device: written in place, nothing is created beside it */
    }
    char *res = resolve(path);
    if (!res)
        return 0;       /* no such directory: the write fails later and says so */
    /* Every directory from the one the file lands in up to the root: none may be an input. */
    char *d = dir_of(res);
    for (;;) {
        struct stat ds;
        if (stat(d, &ds) == 0)
            for (size_t i = 0; i < s->n_in; i++)
                if (s->in[i].dir && ds.st_dev == s->in[i].dev && ds.st_ino == s->in[i].ino) {
                    errbuf_set(err, "%s: %s is inside the input directory %s; refusing to write there",
                               opt, esc(path, e1, sizeof e1), esc(s->in[i].name, e2, sizeof e2));
                    free(d);
                    free(res);
                    return -1;
                }
        if (strcmp(d, "/") == 0)
            break;
        char *up = dir_of(d);
        free(d);
        d = up;
    }
    free(d);
    for (size_t i = 0; i < s->n_out; i++)
        if (strcmp(s->out[i], res) == 0) {
            errbuf_set(err, "%s: %s is also the output of %s", opt, esc(path, e1, sizeof e1), s->out_opt[i]);
            free(res);
            return -1;
        }
    ARR_GROW(s->out, s->cap_out, s->n_out, 1);
    ARR_GROW(s->out_opt, s->cap_out_opt, s->n_out, 1);
    s->out[s->n_out] = res;
    s->out_opt[s->n_out++] = xstrdup(opt);
    return 0;
}

int outfile_check_fd(const struct outfile_set *s, const char *what, int fd, struct errbuf *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    char e2[600];
    for (size_t i = 0; i < s->n_in; i++)
        if (st.st_dev == s->in[i].dev && st.st_ino == s->in[i].ino) {
            errbuf_set(err, "%s is the input %s; refusing to write over it", what,
                       esc(s->in[i].name, e2, sizeof e2));
            return -1;
        }
    return 0;
}

int outfile_is_stdout(const char *path)
{
    struct stat a, b;
    return stat(path, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void unmask(struct outfile *o);

FILE *outfile_open(struct outfile *o, const char *path, struct errbuf *err)
{
    memset(o, 0, sizeof *o);
    o->name = xstrdup(path);
    char e1[600];
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "w");
        if (!o->f)
            errbuf_set(err, "%s: %s", esc(path, e1, sizeof e1), strerror(errno));
        return o->f;
    }
    /* signals that end the process wait until the temp file is renamed or removed */
    sigset_t hold;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigaddset(&hold, SIGPIPE);
    o->masked = pthread_sigmask(SIG_BLOCK, &hold, &o->saved) == 0;
    char buf[PATH_MAX];
    o->target = exists && realpath(path, buf) ? xstrdup(buf) : xstrdup(path);
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 0777;   /* the file it replaces keeps its permissions */
    } else {
        mode_t um = umask(0);       /* XXX: process-wide; outputs are written after the readers end */
        umask(um);
        mode = 0666 & ~um;
    }
    char *d = dir_of(o->target);
    /* ".name.XXXXXX" beside the target; a long name is cut so the temp name stays under NAME_MAX */
    o->tmp = xasprintf("%s/.%.200s.XXXXXX", d, base_of(o->target));
    free(d);
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        errbuf_set(err, "%s: %s", esc(path, e1, sizeof e1), strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        unmask(o);
        return NULL;
    }
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "w"))) {
        errbuf_set(err, "%s: %s", esc(path, e1, sizeof e1), strerror(errno));
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        unmask(o);
        return NULL;
    }
    return o->f;
}

static void unmask(struct outfile *o)
{
    if (o->masked)
        pthread_sigmask(SIG_SETMASK, &o->saved, NULL);   /* a held Ctrl-C ends the process here */
    o->masked = 0;
}

static void outfile_release(struct outfile *o)
{
    unmask(o);
    free(o->target);
    free(o->tmp);
    free(o->name);
    memset(o, 0, sizeof *o);
}

int outfile_commit(struct outfile *o, struct errbuf *err)
{
    char e1[600];
    int bad = 0, en = 0;
    if (!o->f) {
        outfile_release(o);
        return -1;
    }
    if (fflush(o->f) != 0 || ferror(o->f)) {
        bad = 1;
        en = errno ? errno : EIO;
    }
    /* the bytes reach the disk before the name does, so a crash leaves old or new, not empty */
    if (!bad && o->tmp && fsync(fileno(o->f)) != 0 && errno != EINVAL) {
        bad = 1;
        en = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        en = errno;
    }
    o->f = NULL;
    if (!bad && o->tmp && rename(o->tmp, o->target) != 0) {
        bad = 1;
        en = errno;
    }
    if (bad) {
        errbuf_set(err, "%s: %s", esc(o->name, e1, sizeof e1), strerror(en));
        if (o->tmp)
            unlink(o->tmp);
    }
    outfile_release(o);
    return bad ? -1 : 0;
}

void outfile_abort(struct outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    outfile_release(o);
}
