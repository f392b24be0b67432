/* hugemem.h: ask the kernel for transparent huge pages under a large array.
 *
 * The model's arrays (entries, their details, path nodes, the hash slots, the names) grow to
 * tens of MiB each at a million entries and are written once, page by page: with 4 KiB pages
 * that is one page fault per 4 KiB, about 37,000 for the 1M-entry bench image, and a fault is
 * dear in a VM (perf put page-fault handling at 6-10% of a headers-only read there). Where the
 * system leaves THP to madvise (the common default), advising the array lets a fault map 2 MiB.
 *
 *   m->entries = xreallocarray(m->entries, cap, sizeof *m->entries);
 *   hugemem_advise(m->entries, cap * sizeof *m->entries);   // after every growth
 *
 * The advice covers the allocation's pages (a large allocation is a mapping of its own, which
 * stays one mapping that realloc can move); arrays under 4 MiB are left alone. It is a hint:
 * failure is ignored. A huge page is resident whole, so an array holds at most about 2 MiB more
 * than it touched.
 */
#ifndef STRATA_HUGEMEM_H
#define STRATA_HUGEMEM_H

#include <stddef.h>

void hugemem_advise(void *p, size_t n);

#endif
