/* dockerfile_words.h: the text pieces of the Dockerfile reader (dockerfile.c), apart so that each
 * file stays small: a growable string, ARG/ENV substitution (dockerfile_expand, declared in
 * dockerfile.h), splitting into words and the JSON (exec) form. Only dockerfile*.c include it. */
#ifndef STRATA_DOCKERFILE_WORDS_H
#define STRATA_DOCKERFILE_WORDS_H

#include <stddef.h>

/* A NUL-terminated string that grows; {0} is empty. */
struct df_text { char *s; size_t len, cap; };

void df_text_addn(struct df_text *b, const char *s, size_t n);
void df_text_addc(struct df_text *b, char c);
/* The string (an empty one when nothing was added), which the caller frees; b is empty again. */
char *df_text_take(struct df_text *b);

/* The value of the n-byte name in vars ("NAME=value", later entries win), or NULL. */
const char *dockerfile_var_lookup(const char *name, size_t n, char *const *vars, size_t n_vars);

/* Whitespace-separated words, quotes grouped and removed, the escape character keeping the next
 * character. *out is an array of *n strings: free with dockerfile_words_free. */
void dockerfile_words_split(const char *s, char escape, char ***out, size_t *n);
void dockerfile_words_free(char **w, size_t n);

/* 1 and the strings when s is a JSON array of strings (the exec form), else 0. */
int dockerfile_exec_parse(const char *s, char ***argv, size_t *argc);

#endif
