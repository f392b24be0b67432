/* secret_assign.h: where a `name = value` assignment with a token-like value can be.
 *
 * For the rules flagged SRF_ASSIGN (generic-api-key): their keywords (key, secret, token, …) are
 * in nearly every line of config text, so finding them first, as the other rules' keywords are
 * found, means work on every line. Their matches are assignments whose value is a run of 10 or
 * more of [A-Za-z0-9_.=+/-] holding a digit and a letter, and such values are rare: this module
 * finds those first, in one pass over the text that looks at each '=' and ':' and at the few
 * bytes after it, and the scanner looks for the rule's keywords only just before them.
 *
 *   for (size_t o = 0; (o = secret_assign_next(text, len, o)) < len; o++) {
 *       size_t lo, hi;
 *       secret_assign_name(text, o, &lo, &hi);
 *       ... the rule's keywords starting in text[lo .. hi) ...
 *   }
 */
#ifndef STRATA_SECRET_ASSIGN_H
#define STRATA_SECRET_ASSIGN_H

#include <stddef.h>

/* generic-api-key's shape before its operator: a keyword alternative of at most
 * SECRET_ASSIGN_KW bytes ("credentials"), [\w.-]{0,SECRET_ASSIGN_TAIL}, an optional quote,
 * [ \t]{0,5}. */
#define SECRET_ASSIGN_KW   11
#define SECRET_ASSIGN_TAIL 20

/* The first o >= from (o < len) where t[o] is '=' or ':' and an assignment value may follow:
 * after o + 1 (or o + 2 when t[o..] is "=>"), at most 5 blanks (space, tab), an optional quote
 * (" ' `), then a run of >= 10 bytes of [A-Za-z0-9_.=+/-] with at least one digit and one
 * letter (looked for in its first 151 bytes, or up to 15 more). len when there is none. Every operator of the forms = := : =>
 * ?= that such a value follows has its '=' or ':' reported, so a match of generic-api-key
 * (whose value is that whole run, and whose check wants a digit and a letter) always has its
 * operator among them. */
size_t secret_assign_next(const char *t, size_t len, size_t from);

/* Where a keyword may start for the operator at o that secret_assign_next reported: the
 * operator starts at o (or at o - 1 for := and ?=); before it come at most 5 blanks, an
 * optional quote and the name, a run of [A-Za-z0-9_.-]; a keyword that starts a match lies in
 * that run and ends at most SECRET_ASSIGN_TAIL bytes before the run does. Sets [*lo, *hi)
 * (empty when no name can be there). */
void secret_assign_name(const char *t, size_t o, size_t *lo, size_t *hi);

#endif
