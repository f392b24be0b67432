/* fuzz_layer.c: the input is one layer blob inside a minimal docker-archive built in memory
 * (libarchive's write API), so every input reaches layer_read() at once.
 *
 * The first byte picks the path: bit 0 gzips the outer tar (the one-pass streaming reader,
 * bodies through the tar walker's data calls), else a plain outer tar read by seeking (bodies
 * through the content worker's preads); bit 1 turns content off (--no-content). The rest of
 * the input is the layer blob: a tar, or gzip/zstd of one (sniffed by magic as in real use).
 * Build and run: tests/fuzz/run.sh. */
#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"

static const char MANIFEST[] =
    "[{\"Config\":\"c.json\",\"RepoTags\":[\"fuzz:1\"],\"Layers\":[\"l/layer.tar\"]}]";
static const char CONFIG[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000000\"]},"
    "\"history\":[{\"created_by\":\"/bin/sh -c #(nop) ADD file:x in / \"}]}";

static void add(struct archive *a, struct archive_entry *e, const char *name, const void *p, size_t n)
{
    archive_entry_clear(e);
    archive_entry_copy_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    if (archive_write_header(a, e) != ARCHIVE_OK)
        abort();
    if (n && archive_write_data(a, p, n) != (la_ssize_t)n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0];
    int fd = fuzz_memfd();
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    archive_write_set_format_pax_restricted(a);
    if (mode & 1)
        archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
        abort();
    add(a, e, "l/layer.tar", data + 1, size - 1);
    add(a, e, "c.json", CONFIG, sizeof CONFIG - 1);
    add(a, e, "manifest.json", MANIFEST, sizeof MANIFEST - 1);
    if (archive_write_close(a) != ARCHIVE_OK)
        abort();
    archive_write_free(a);
    archive_entry_free(e);
    fuzz_open_fd(fd, (mode & 2) != 0);
    close(fd);
    return 0;
}
