/* blobsrc.h: one blob's bytes as a stream with its size, wherever the blob lives.
 *
 *   a member of a seekable tar       blobsrc_open_range(&s, fd, off, size)
 *   a file of an OCI layout folder   blobsrc_open_file(&s, path, &err)
 *   a blob in a registry             blobsrc_open_registry(&s, ri, file)   (struct reg_image,
 *                                    src/registry.h: fetched on a thread of its own into a
 *                                    bounded ring, its digest checked as it passes)
 *   a member of a tar, found by name blobsrc_open_member(&s, path, name, alt, &err): the tar
 *                                    plain or compressed, walked with libarchive (following links
 *                                    between members), the member read as it streams
 *   layer L of an opened image       blobsrc_open_layer(&s, img, L, &err): whichever of the above
 *                                    the image's source is (the viewer and extract, src/fetch.c)
 * (the streaming reader still reads the members of a stream through its own outer archive,
 * src/layer.h's `outer`: a stream is read once).
 *
 *   struct blob_stream s;
 *   if (blobsrc_open_file(&s, path, &err) == RC_OK) {
 *       if (s.fd >= 0) ... bytes [s.off, s.off + s.size) of s.fd may be pread and skipped ...
 *       else while ((k = blobsrc_read(&s, &p)) > 0) ... p[0..k), valid until the next call ...;
 *       // k < 0: blobsrc_error(&s) says why; a registry blob's digest is known right only at 0
 *       blobsrc_close(&s);
 *   }
 * blobsrc_read works for every kind (a file range is read into a buffer of the stream's own);
 * readers that can seek use fd/off instead when fd >= 0. A stream is used by one thread. */
#ifndef STRATA_BLOBSRC_H
#define STRATA_BLOBSRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/util.h"

struct archive;
struct image;
struct reg_image;
struct reg_blob;

struct blob_stream {
    uint64_t size;             /* the blob's size (as listed: tar header, file, manifest) */
    int fd;                    /* >= 0: the blob is bytes [off, off + size) of this file */
    uint64_t off, pos;         /* pos: bytes blobsrc_read has handed out */
    int own_fd;                /* fd is closed by blobsrc_close */
    struct reg_blob *reg;      /* a registry blob, else NULL */
    struct archive *outer;     /* a tar positioned on the member, else NULL */
    unsigned char *buf;        /* blobsrc_read's buffer for a file range */
    char err[300];
};

/* A byte range of an open file (not closed by blobsrc_close). Never fails. */
void blobsrc_open_range(struct blob_stream *s, int fd, uint64_t off, uint64_t size);
/* A whole file: RC_OK, or RC_FATAL with e set to strerror (the caller names the file). */
int blobsrc_open_file(struct blob_stream *s, const char *path, struct errbuf *e);
/* File `file` of an in-process registry image (a blob left in the registry): its transfer starts
 * now. Never fails here: a failure shows at the first read. */
void blobsrc_open_registry(struct blob_stream *s, struct reg_image *ri, size_t file);
/* Member `name` (or `alt`, may be NULL) of the tar at path: RC_OK, or RC_FAILED with e set. */
int blobsrc_open_member(struct blob_stream *s, const char *path, const char *name, const char *alt,
                        struct errbuf *e);
/* Layer L's blob of an opened image, from where the image was read: an OCI layout folder, a tar
 * (plain or compressed), the registry (img->reg: the blob fetched again). RC_OK, or RC_FAILED
 * with e set ("content not available" for standard input and engine streams). */
int blobsrc_open_layer(struct blob_stream *s, const struct image *img, unsigned L, struct errbuf *e);
/* The next bytes: >0, 0 at the end (a registry blob: its size and digest checked), -1. */
ssize_t blobsrc_read(struct blob_stream *s, const void **p);
/* The next data block of a libarchive reader's current entry, the way blobsrc_read hands out
 * bytes: its length, 0 at the end, -1 with libarchive's reason in err. */
ssize_t blobsrc_archive_block(struct archive *a, const void **p, char *err, size_t errlen);
const char *blobsrc_error(const struct blob_stream *s);
void blobsrc_close(struct blob_stream *s);

#endif
