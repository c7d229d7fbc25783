/* bigmem.h — allocation of long sample arrays and whole data files.
 *
 * A 10^7-row run needs hundreds of MiB of channels and text. Linux faults
 * fresh anonymous memory in 4 KiB pages, and each fault is a trap into the
 * kernel (about 8 us per page measured on the benchmark VM, where faults
 * were a third of `rigor analyze` on 10^7 rows). For large blocks these
 * functions ask for transparent huge pages (2 MiB, madvise MADV_HUGEPAGE),
 * which cuts the faults by up to 512 times. Advice only: where the kernel
 * has THP off, or the call fails, the memory is ordinary. Free with free().
 */
#ifndef RIGOR_BIGMEM_H
#define RIGOR_BIGMEM_H

#include <stddef.h>
#include <stdint.h>

/* malloc(n); blocks of BIGMEM_HUGE_MIN bytes or more are advised huge. */
void *bigmem_alloc(size_t n);
/* realloc(p, n) with the same advice for the grown block. */
void *bigmem_realloc(void *p, size_t n);

/* bigmem_alloc(n) whose pages are already faulted in, by `threads` threads
 * at once (one write per 4 KiB page, whatever the page size). The first
 * touch of fresh memory is what costs on a VM: the host backs the page
 * then (measured on the benchmark VM: 400 MiB of huge pages 0.62 s in one
 * thread, 0.36 s in two, 0.12 s when the memory was recently used), and
 * the faults of different vCPUs are served side by side. For arrays that
 * one thread then fills in a loop. Contents are unspecified, as with
 * malloc. */
void *bigmem_alloc_touched(size_t n, int threads);

/* Give back to the OS the memory of [*done, upto) inside a block from
 * bigmem_alloc whose contents there are never read again (they read as
 * zeros afterwards), in whole BIGMEM_BLOCK units only; *done advances past
 * what was given back, so calling it again as upto grows releases the rest.
 * Whole blocks: giving back part of a huge page splits it first, which
 * cost more than the parse itself on the benchmark VM (docs/performance.md). */
void bigmem_release(char **done, const char *upto);

#define BIGMEM_HUGE_MIN ((size_t)4 << 20) /* bytes: two huge pages */
#define BIGMEM_BLOCK ((uintptr_t)2 << 20) /* bytes: one x86-64/arm64 huge page */

#endif
