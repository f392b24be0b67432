/* budget.h: one limit on everything strata buffers from its input (issue 8): JSON members kept
 * while streaming, the parsed manifests and config (jansson's objects), what is copied out of
 * them, package databases, and entries copied for a blob that several layers repeat.
 *
 *   budget_set_limit(256 << 20);            // --max-metadata; the default is BUDGET_DEFAULT
 *   if (!budget_take(n)) -> say what was too big, naming the limit (budget_limit_str)
 *   ... budget_give(n) when that memory is freed ...
 *
 *   budget_json_charge(1);                  // this thread's jansson allocations count
 *   json_t *j = json_loadb(...);            // fails, with budget_json_failed() set, past it
 *   budget_json_charge(0);
 *
 * The budget is one counter for the process (both images of `strata diff` share it); it is
 * thread-safe. Memory not counted here is bounded by the input's tar entries (the model, about
 * 200 bytes each) or fixed (buffers). */
#ifndef STRATA_BUDGET_H
#define STRATA_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define BUDGET_DEFAULT (256ull << 20)

void budget_set_limit(uint64_t bytes);
uint64_t budget_limit(void);
uint64_t budget_used(void);
/* "256 MiB" */
const char *budget_limit_str(char *buf, size_t len);

/* Takes n bytes: 1, or 0 (nothing taken) when that would pass the limit. */
int budget_take(uint64_t n);
void budget_give(uint64_t n);

/* Whether this thread's jansson allocations are counted; returns the previous setting. Setting
 * it also clears budget_json_failed(). */
int budget_json_charge(int on);
/* An allocation on this thread was refused since the last budget_json_charge(). */
int budget_json_failed(void);

/* "64M", "1G", "512K", "300000", "2GiB" (binary units): 1 and *out, or 0 when not a size > 0. */
int budget_parse_size(const char *s, uint64_t *out);

#endif
