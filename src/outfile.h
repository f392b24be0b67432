/* outfile.h: report files written safely: never over an input, never left half-written.
 *
 *   struct outfile_set s;
 *   outfile_set_init(&s);
 *   outfile_add_input(&s, "app.tar");     // every file or directory the run reads ("-" = stdin)
 *   if (outfile_check(&s, "--json", "out.json", &err) != 0)   // before the (long) load
 *       ... usage error: err.msg is one line naming the output and the input ...
 *   struct outfile o;
 *   FILE *f = outfile_open(&o, "out.json", &err);   // NULL with err set
 *   ... write to f ...
 *   if (outfile_commit(&o, &err) != 0) ...          // or outfile_abort(&o) to drop what was written
 *   outfile_set_free(&s);
 *
 * A regular (or not yet existing) output is written to a temporary file in the directory of the
 * file it lands on (a symlink's target) and renamed over it on commit, so readers never see a
 * partial report and a failed run leaves the old file (or none). An existing output that is not
 * a regular file (a FIFO, /dev/null, /dev/stdout, a process substitution) is written in place.
 * Between open and commit/abort of a temp file, SIGINT, SIGTERM, SIGHUP and SIGPIPE are held
 * (the calling thread's mask) and delivered after the temp file is renamed or removed. */
#ifndef STRATA_OUTFILE_H
#define STRATA_OUTFILE_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "src/util.h"

struct outfile_in {
    dev_t dev;
    ino_t ino;
    int dir;               /* a directory (OCI layout): nothing may be written inside it */
    char *name;            /* as given, for messages */
};

struct outfile_set {
    struct outfile_in *in; size_t n_in, cap_in;
    char **out; char **out_opt; size_t n_out, cap_out, cap_out_opt;   /* outputs checked so far (resolved paths) */
};

void outfile_set_init(struct outfile_set *s);
void outfile_set_free(struct outfile_set *s);
/* Records an input. A path that does not exist is not recorded (nothing to overwrite); "-" is
 * standard input when that is a file. */
void outfile_add_input(struct outfile_set *s, const char *path);
/* 0 when `path` may be written; -1 with err set ("strata: " not included) when it is, or
 * resolves to, an input, lies inside an input directory, is a directory, or names the same file
 * as an output checked before. `opt` names the option in the message ("--json"). */
int outfile_check(struct outfile_set *s, const char *opt, const char *path, struct errbuf *err);
/* The same for an open descriptor (standard output redirected into the image). */
int outfile_check_fd(const struct outfile_set *s, const char *what, int fd, struct errbuf *err);
/* Whether `path` is the file standard output already points at (--json=/dev/stdout). */
int outfile_is_stdout(const char *path);

struct outfile {
    FILE *f;
    char *target;          /* the file renamed over on commit; NULL when written in place */
    char *tmp;             /* the temporary file, NULL when written in place */
    char *name;            /* as given, for messages */
    sigset_t saved;        /* the signal mask before open: SIGINT, SIGTERM, SIGHUP and SIGPIPE wait */
    int masked;            /* while a temp file exists, so Ctrl-C never leaves one behind */
};

FILE *outfile_open(struct outfile *o, const char *path, struct errbuf *err);
/* Flushes, syncs, closes and renames into place. 0, or -1 with err set and nothing left behind. */
int outfile_commit(struct outfile *o, struct errbuf *err);
/* Closes and removes the temporary file; the target is untouched. Safe after a failed open. */
void outfile_abort(struct outfile *o);

#endif
