/* dockerfile.h: a Dockerfile read into stages and instructions with their line numbers, so that
 * findings about an image can name the line to change (--dockerfile FILE). Pure reading: it knows
 * nothing of images; analysis/dfmap.c matches it against an image's history.
 *
 *   struct dockerfile df;
 *   struct errbuf e = {0};
 *   if (dockerfile_read(&df, "Dockerfile", &e) != RC_OK)
 *       fprintf(stderr, "strata: %s\n", e.msg);     // "Dockerfile:7: unterminated heredoc <<EOF"
 *   ... df.ins[i].line, df.ins[i].keyword, df.stages[df.n_stages - 1] ...
 *   dockerfile_free(&df);                            // always, also after an error
 *
 * What is understood (Dockerfile reference and BuildKit's frontend): parser directives at the top
 * (`# syntax=`, `# escape=`, `# check=`), comments, line continuations with the escape character
 * (comment and blank lines inside a continuation are dropped, as the builders do), heredocs on
 * RUN, COPY and ADD (`<<EOF`, `<<-EOF`, `<<"EOF"`; several on one line), leading `--flag[=value]`
 * options, the JSON (exec) form, stages with `AS name`, and ARG/ENV substitution ($VAR, ${VAR},
 * ${VAR:-word}, ${VAR:+word}, ${VAR-word}, ${VAR+word}) in the instructions the builder expands. */
#ifndef STRATA_DOCKERFILE_H
#define STRATA_DOCKERFILE_H

#include <stddef.h>

#include "src/util.h"

/* Inputs larger than this are refused: a Dockerfile is text a person writes. */
#define DOCKERFILE_MAX_BYTES (4u << 20)
/* One expanded argument never grows past this (ENV A=$A$A… doubles at every line). */
#define DOCKERFILE_MAX_EXPANSION (64u << 10)

struct df_heredoc {
    char *word;            /* "EOF" */
    char *body;            /* the lines between, each ending in '\n' (leading tabs gone with <<-) */
    int line;              /* line of the first body line */
};

struct df_instr {
    int line, end_line;    /* first and last physical line (continuations and heredoc bodies) */
    int stage;             /* index into stages[], -1 for an ARG before the first FROM */
    char keyword[12];      /* upper case: "RUN", "COPY", … */
    char *flags;           /* leading options as written, one space between: "--from=build --link", or "" */
    char *args;            /* the rest, continuations joined as the builders join them, not expanded */
    char *expanded;        /* args with ARG/ENV values substituted for the keywords the builder
                            * expands (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME
                            * WORKDIR ARG); a copy of args for the others (the shell expands RUN) */
    char *from;            /* COPY/ADD --from= value (expanded), else NULL */
    int exec_form;         /* args is a JSON array of strings: argv holds them */
    char **argv; size_t argc;   /* exec form: its strings; else the words of expanded, quotes
                                 * removed (COPY/ADD sources and destination, ENV pairs, …) */
    struct df_heredoc *heredocs; size_t n_heredocs;
};

struct df_stage {
    char *base;            /* image or earlier stage the FROM names, expanded */
    char *name;            /* AS name, lower case, or "" */
    int line;              /* the FROM's line */
    size_t first, count;   /* its instructions: ins[first .. first + count), FROM included */
    int parent;            /* index of the earlier stage named as base, else -1 */
};

struct dockerfile {
    char *name;            /* as given, for messages */
    char *syntax;          /* `# syntax=` value, "" when absent */
    char escape;           /* '\\' or '`' */
    struct df_instr *ins; size_t n_ins;
    struct df_stage *stages; size_t n_stages;
};

/* Parses text (len bytes, need not be NUL-terminated). RC_OK, or RC_FATAL with err set to
 * "NAME:LINE: problem" (an unknown instruction, a RUN before FROM, no FROM, an unterminated
 * heredoc, a bad escape directive, a NUL byte, more than DOCKERFILE_MAX_BYTES). df is always
 * initialised; free it in both cases. */
int dockerfile_parse(struct dockerfile *df, const char *name, const char *text, size_t len,
                     struct errbuf *err);
/* Reads and parses a file ("-" is not accepted: standard input may be the image). */
int dockerfile_read(struct dockerfile *df, const char *path, struct errbuf *err);
void dockerfile_free(struct dockerfile *df);

/* The instructions that make the final image, in build order: the final stage's and, when it is
 * built FROM an earlier stage, that stage's first (recursively). Writes up to max indices into
 * ins[] and returns how many there are in all. */
size_t dockerfile_final_chain(const struct dockerfile *df, size_t *out, size_t max);

/* Expands $VAR, ${VAR}, ${VAR:-w}, ${VAR:+w}, ${VAR-w}, ${VAR+w} in s with the NAME=value list
 * vars (later entries win), as the builder does: unknown names are empty, the escape character
 * before '$' keeps it literal, nothing inside single quotes is expanded. Caller frees. */
char *dockerfile_expand(const char *s, char escape, char *const *vars, size_t n_vars);

#endif
