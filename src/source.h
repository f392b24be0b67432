/* source.h: where an image lives, by the names people already use (skopeo's transports), and a
 * byte stream of it for the reader when it is not a file.
 *
 *   docker-archive:PATH  oci-archive:PATH  oci:DIR   a file or layout directory, read as a path
 *   docker-daemon:NAME[:TAG|@DIGEST]                 the Docker engine's `docker save` stream
 *   podman:NAME                                      the same from Podman (API socket, or `podman save`)
 *   docker://HOST/REPO[:TAG|@DIGEST]                 a registry, over the OCI distribution API
 *   PATH or -                                        a file, directory or standard input, as given
 *   NAME                                             not an existing path: the Docker engine, then Podman
 *
 * An engine image arrives as a tar stream on a pipe (the engine's save output as is) written by a
 * child process, so the reader's one streaming path serves it and nothing is written to disk. A
 * registry image is not a stream: the reader opens it in-process (src/registry.h, src/blobsrc.h)
 * and its pool reads the layer blobs --jobs at once.
 *
 *   struct source_ref ref; source_parse(arg, &ref);
 *   if (source_is_stream(&ref)) { struct source_stream s; source_stream_open(&ref, &s, &err);
 *       ... read s.fd to its end ...; rc = source_stream_close(&s, &err); }
 *   source_ref_free(&ref); */
#ifndef STRATA_SOURCE_H
#define STRATA_SOURCE_H

#include <sys/types.h>

#include "src/util.h"

enum source_kind {
    SRC_PATH,       /* target: a file or directory */
    SRC_STDIN,      /* "-" */
    SRC_DOCKER,     /* docker-daemon: */
    SRC_PODMAN,     /* podman: */
    SRC_ENGINE,     /* a bare name: the Docker engine, then Podman */
    SRC_REGISTRY,   /* docker:// */
};

struct source_ref {
    enum source_kind kind;
    char *target;          /* path, or image reference without the transport */
};

struct source_stream {
    int fd;                /* read end: the image as a tar stream */
    pid_t pid;             /* the producer */
    int errfd;             /* the producer's one-line error, if it fails */
};

/* Never fails: an argument that is no transport and no existing path is an engine name. */
void source_parse(const char *arg, struct source_ref *ref);
void source_ref_free(struct source_ref *ref);
int source_is_stream(const struct source_ref *ref);
const char *source_kind_name(enum source_kind k);

/* Starts the producer. RC_OK, or RC_FATAL with e set. */
int source_stream_open(const struct source_ref *ref, struct source_stream *s, struct errbuf *e);
/* Closes the read end (a producer still writing stops), waits for it, and reports its error:
 * RC_OK when it finished cleanly, RC_FATAL with e set (first message wins) otherwise. */
int source_stream_close(struct source_stream *s, struct errbuf *e);

/* A small file read whole (NULL if absent or larger than max), caller frees. */
char *source_read_file(const char *path, size_t max);

/* Producers, run in the child with the write end of the pipe; each returns 0, or -1 with e set. */
int source_engine_write(const struct source_ref *ref, int out, struct errbuf *e);

#endif
