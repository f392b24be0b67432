/* source.c: transport names, and the child process that streams an engine image. */
#include "src/source.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *prefix;
    enum source_kind kind;
} transports[] = {
    {"docker-archive:", SRC_PATH}, {"oci-archive:", SRC_PATH}, {"oci:", SRC_PATH},
    {"docker-daemon:", SRC_DOCKER}, {"podman:", SRC_PODMAN},   {"docker://", SRC_REGISTRY},
};

void source_parse(const char *arg, struct source_ref *ref)
{
    struct stat st;
    if (strcmp(arg, "-") == 0) {
        ref->kind = SRC_STDIN;
        ref->target = xstrdup(arg);
        return;
    }
    /* An existing path wins over a transport-looking name ("oci:x" may be a file). */
    if (stat(arg, &st) == 0) {
        ref->kind = SRC_PATH;
        ref->target = xstrdup(arg);
        return;
    }
    for (size_t i = 0; i < sizeof transports / sizeof *transports; i++) {
        size_t n = strlen(transports[i].prefix);
        if (strncmp(arg, transports[i].prefix, n) == 0) {
            ref->kind = transports[i].kind;
            ref->target = xstrdup(arg + n);
            /* skopeo allows docker-archive:PATH:REF and oci:DIR:REF; the reference part is
             * not needed to read a single-image archive, so a path that exists without it wins */
            if (ref->kind == SRC_PATH && stat(ref->target, &st) != 0) {
                for (char *c = strchr(ref->target, ':'); c; c = strchr(c + 1, ':')) {
                    *c = 0;
                    if (stat(ref->target, &st) == 0)
                        break;
                    *c = ':';
                }
            }
            return;
        }
    }
    /* Looks like a path the user meant (./x, /x, x.tar): report it missing, not an engine miss. */
    size_t n = strlen(arg);
    if (strchr(arg, '/') == arg || strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0 ||
        (n > 4 && strcmp(arg + n - 4, ".tar") == 0) || (n > 3 && strcmp(arg + n - 3, ".gz") == 0) ||
        (n > 4 && strcmp(arg + n - 4, ".zst") == 0)) {
        ref->kind = SRC_PATH;
        ref->target = xstrdup(arg);
        return;
    }
    ref->kind = SRC_ENGINE;
    ref->target = xstrdup(arg);
}

void source_ref_free(struct source_ref *ref)
{
    free(ref->target);
    ref->target = NULL;
}

int source_is_stream(const struct source_ref *ref)
{
    return ref->kind == SRC_DOCKER || ref->kind == SRC_PODMAN || ref->kind == SRC_ENGINE;
}

const char *source_kind_name(enum source_kind k)
{
    switch (k) {
    case SRC_PATH: return "file";
    case SRC_STDIN: return "stdin";
    case SRC_DOCKER: return "docker-daemon";
    case SRC_PODMAN: return "podman";
    case SRC_ENGINE: return "engine";
    case SRC_REGISTRY: return "docker";
    }
    return "?";
}

int source_stream_open(const struct source_ref *ref, struct source_stream *s, struct errbuf *e)
{
    int data[2], err[2];
    s->fd = s->errfd = -1;
    s->pid = -1;
    if (pipe2(data, O_CLOEXEC) != 0) {
        errbuf_set(e, "%s: cannot make a pipe: %s", ref->target, strerror(errno));
        return RC_FATAL;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        errbuf_set(e, "%s: cannot make a pipe: %s", ref->target, strerror(errno));
        close(data[0]);
        close(data[1]);
        return RC_FATAL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        errbuf_set(e, "%s: cannot start the transfer: %s", ref->target, strerror(errno));
        close(data[0]); close(data[1]); close(err[0]); close(err[1]);
        return RC_FATAL;
    }
    if (pid == 0) {
        /* The producer: the reader going away (EPIPE) ends it quietly. */
        signal(SIGPIPE, SIG_DFL);
        close(data[0]);
        close(err[0]);
        struct errbuf ce = {0};
        int rc = source_engine_write(ref, data[1], &ce);
        if (rc != 0) {
            if (!ce.set)
                errbuf_set(&ce, "%s: the transfer failed", ref->target);
            ssize_t w = write(err[1], ce.msg, strlen(ce.msg));
            (void)w;
        }
        close(data[1]);
        close(err[1]);
        _exit(rc != 0);
    }
    close(data[1]);
    close(err[1]);
    s->fd = data[0];
    s->errfd = err[0];
    s->pid = pid;
    return RC_OK;
}

int source_stream_close(struct source_stream *s, struct errbuf *e)
{
    if (s->pid < 0)
        return RC_OK;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    char msg[sizeof e->msg];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof msg - 1 && ((k = read(s->errfd, msg + got, sizeof msg - 1 - got)) > 0 ||
                                    (k < 0 && errno == EINTR)))
        if (k > 0)
            got += (size_t)k;
    msg[got] = 0;
    close(s->errfd);
    s->errfd = -1;
    int status = 0;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    s->pid = -1;
    if (got) {
        errbuf_clear(e);
        errbuf_set(e, "%s", msg);
        return RC_FATAL;
    }
    /* killed by SIGPIPE: the reader stopped first, and said why */
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
        return RC_OK;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errbuf_set(e, "the image transfer ended abnormally");
        return RC_FATAL;
    }
    return RC_OK;
}

char *source_read_file(const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *b = xmalloc(max + 1);
    size_t n = fread(b, 1, max + 1, f);
    fclose(f);
    if (n > max) {
        free(b);
        return NULL;
    }
    b[n] = 0;
    return b;
}
