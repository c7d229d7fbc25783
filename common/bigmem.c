/* bigmem.c — see bigmem.h. */
#include "bigmem.h"

#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* MADV_HUGEPAGE on the whole pages inside [p, p + n): the kernel then
 * backs every 2 MiB-aligned stretch of them with one huge page. glibc
 * serves blocks this large with their own mmap, so the advice touches no
 * other allocation. */
static void *advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    long pg = sysconf(_SC_PAGESIZE);
    if (p && n >= BIGMEM_HUGE_MIN && pg > 0) {
        char *c = p;
        char *a = c + ((uintptr_t)pg - (uintptr_t)c % (uintptr_t)pg) % (uintptr_t)pg;
        char *b = c + n - ((uintptr_t)c + n) % (uintptr_t)pg;
        if (b > a)
            (void)madvise(a, (size_t)(b - a), MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void bigmem_release(char **done, const char *upto)
{
    char *d = *done;
    char *a = d + (BIGMEM_BLOCK - (uintptr_t)d % BIGMEM_BLOCK) % BIGMEM_BLOCK;
    char *b = d + (upto - d) - (uintptr_t)upto % BIGMEM_BLOCK; /* upto, in d's buffer */
    if (b <= a)
        return;
    /* Advice only: on failure the memory stays resident, nothing else. */
    (void)madvise(a, (size_t)(b - a), MADV_DONTNEED);
    *done = b;
}

void *bigmem_alloc(size_t n)
{
    return advise(malloc(n), n);
}

void *bigmem_realloc(void *p, size_t n)
{
    return advise(realloc(p, n), n);
}

typedef struct {
    volatile char *p; /* volatile: the writes are the point, not their values */
    size_t n, part;
} touch_job;

static void touch_part(void *ctx, size_t k)
{
    touch_job *j = ctx;
    size_t a = k * j->part, b = a + j->part < j->n ? a + j->part : j->n;
    for (size_t i = a; i < b; i += 4096)
        j->p[i] = 0;
}

void *bigmem_alloc_touched(size_t n, int threads)
{
    char *p = bigmem_alloc(n);
    if (!p || threads < 2 || n < BIGMEM_HUGE_MIN)
        return p; /* one thread: its own loop faults the pages as well */
    /* Parts of whole huge pages, a few per thread so that a slow one is
     * helped by the others. */
    size_t nparts = (size_t)threads * 4;
    size_t part = (n / nparts + BIGMEM_BLOCK - 1) / BIGMEM_BLOCK * BIGMEM_BLOCK;
    touch_job j = {.p = p, .n = n, .part = part};
    pool_run((n + part - 1) / part, threads, touch_part, &j);
    return p;
}
