/* finding_groups.h: the findings of one analysis as a tree of groups, for a view that must stay
 * short on an image with thousands of dead files: category -> package, layer or folder -> files.
 *
 *   struct fgroups g;
 *   fgroups_build(&g, an, &img.model, &img);  // after analysis_run(); all read-only; img may be
 *                                             // NULL (then no advice group)
 *   for (uint32_t c = g.v[FG_ROOT].first; c; c = g.v[c].next) ... g.v[c].bytes, .count ...
 *   fgroups_free(&g);
 *
 * Shape (every level largest first, except secrets, which keep the analysis' severity order):
 *   secrets            -> each secret finding
 *   a junk category    -> its top paths ("apt package lists" -> /var/lib/apt/lists)
 *   build-only packages-> each package
 *   Dockerfile advice  -> each piece (layer order, base choice, CUDA), when img is given
 *   overwritten / deleted in a later layer
 *                      -> the layer that hid them ("layer 7", one row for an apt-get upgrade)
 *                         -> folders, single-child chains merged ("usr/lib/x86_64-linux-gnu")
 *                            -> the dead files
 * A folder with a single file is replaced by the file. No curses, no printing: labels are made
 * by the caller from kind and ref (fgroups_label() gives the path part). */
#ifndef STRATA_ANALYSIS_FINDING_GROUPS_H
#define STRATA_ANALYSIS_FINDING_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "src/model.h"

enum fg_kind {
    FG_ROOT,
    FG_SECRETS,     /* category: the secret findings */
    FG_SECRET,      /* ref: index into an->secrets */
    FG_CAT,         /* a junk category; ref: index into an->cats */
    FG_CATPATH,     /* one of its top paths; ref: cat index, ref2: index into cat->paths */
    FG_PKGS,        /* category: build-only packages */
    FG_PACKAGE,     /* ref: index into an->pkgs */
    FG_DEADCAT,     /* category: overwritten (class FK_OVER) or deleted (FK_DEL); ref: cat index */
    FG_LAYER,       /* ref: the layer that overwrote or deleted the files below */
    FG_FOLDER,      /* ref: path node of the folder */
    FG_DEAD,        /* ref: index into an->dead */
    FG_ADVICE,      /* category: Dockerfile advice (advice_items()) */
    FG_ADVICE_ITEM, /* ref: index into advice_items()' list */
};

/* Classes, for hiding kinds of findings (bits). */
enum { FK_SECRET = 1, FK_JUNK = 2, FK_PKG = 4, FK_OVER = 8, FK_DEL = 16, FK_ADVICE = 32, FK_ALL = 63 };

struct fgroup {              /* 36 bytes */
    uint32_t parent, first, next;   /* group indices; 0 = none (0 is the root) */
    uint32_t count;          /* files below (secrets: findings; packages: packages) */
    uint64_t bytes;
    uint32_t ref, ref2;      /* see enum fg_kind */
    uint8_t kind;            /* enum fg_kind */
    uint8_t cls;             /* FK_* of its category */
    uint16_t depth;          /* 0 for the categories */
};

struct fgroups {
    struct fgroup *v; uint32_t n; size_t cap;   /* v[0] is the root */
};

void fgroups_build(struct fgroups *g, const struct analysis *an, const struct model *m, const struct image *img);
void fgroups_free(struct fgroups *g);
/* The path part of a folder or dead-file label, relative to the nearest folder group above it
 * ("usr/lib/x86_64-linux-gnu/", "libc.so.6"), or absolute ("/usr/lib/…/libc.so.6") when there
 * is none. Not escaped (names come from the image). Returns buf. */
const char *fgroups_label(const struct fgroups *g, const struct analysis *an, const struct model *m,
                          uint32_t i, char *buf, size_t n);
/* The package that owns the file at path node (its dpkg list, RECORD, …): index into an->pkgs
 * plus 1, or 0 for none. For showing a package's files. */
uint32_t fgroups_package_of(const struct analysis *an, const struct model *m, uint32_t node);

#endif
