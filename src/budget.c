/* budget.c: the metadata budget (see budget.h). jansson allocates through json_set_alloc_funcs,
 * which is global: the allocator keeps each block's size in a header, and charges the budget
 * only for blocks made while this thread asked for it (a thread-local flag), so outputs built
 * with jansson after loading, or on other threads, are never refused. */
#include "src/budget.h"

#include <ctype.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static _Atomic uint64_t limit_bytes = BUDGET_DEFAULT;
static _Atomic uint64_t used_bytes;
static _Thread_local int json_charging, json_failed;

void budget_set_limit(uint64_t bytes) { atomic_store(&limit_bytes, bytes); }
uint64_t budget_limit(void) { return atomic_load(&limit_bytes); }
uint64_t budget_used(void) { return atomic_load(&used_bytes); }

const char *budget_limit_str(char *buf, size_t len)
{
    uint64_t b = budget_limit();
    if (b >= (1ull << 30) && b % (1ull << 30) == 0)
        snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
    else if (b >= (1ull << 20) && b % (1ull << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
    else if (b >= (1ull << 10) && b % (1ull << 10) == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)b);
    return buf;
}

int budget_take(uint64_t n)
{
    uint64_t lim = atomic_load(&limit_bytes), cur = atomic_load(&used_bytes);
    do {
        if (n > lim || cur > lim - n)
            return 0;
    } while (!atomic_compare_exchange_weak(&used_bytes, &cur, cur + n));
    return 1;
}

void budget_give(uint64_t n) { atomic_fetch_sub(&used_bytes, n); }

int budget_json_charge(int on)
{
    int was = json_charging;
    json_charging = on;
    json_failed = 0;
    return was;
}

int budget_json_failed(void) { return json_failed; }

/* Block header: the size asked for, and whether it was charged. 16 bytes keep the payload
 * aligned for anything jansson stores. */
struct hdr {
    size_t size;
    size_t charged;
};
#define HDR_COST(n) ((n) + sizeof(struct hdr) + 16)   /* + malloc's own overhead */

static void *json_alloc(size_t n)
{
    int charge = json_charging;
    if (charge && !budget_take(HDR_COST(n))) {
        json_failed = 1;
        return NULL;
    }
    struct hdr *h = malloc(sizeof *h + n);
    if (!h) {
        if (charge)
            budget_give(HDR_COST(n));
        return NULL;
    }
    h->size = n;
    h->charged = (size_t)charge;
    return h + 1;
}

static void json_release(void *p)
{
    if (!p)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    if (h->charged)
        budget_give(HDR_COST(h->size));
    free(h);
}

/* Before main() and before any jansson allocation: a block must be freed by the allocator that
 * made it. This file is linked into every binary that reads images (image.c needs it). */
__attribute__((constructor)) static void budget_install(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

int budget_parse_size(const char *s, uint64_t *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    static const struct { const char *u; unsigned shift; } units[] = {
        {"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20}, {"mb", 20}, {"mib", 20},
        {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40}, {"tb", 40}, {"tib", 40},
    };
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcasecmp(end, units[i].u) == 0) {
            if (v == 0 || v > (UINT64_MAX >> units[i].shift))
                return 0;
            *out = (uint64_t)v << units[i].shift;
            return 1;
        }
    return 0;
}
