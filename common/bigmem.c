/* bigmem.c — see bigmem.h. */
#include "bigmem.h"

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
        uintptr_t a = ((uintptr_t)p + (uintptr_t)pg - 1) / (uintptr_t)pg * (uintptr_t)pg;
        uintptr_t b = ((uintptr_t)p + n) / (uintptr_t)pg * (uintptr_t)pg;
        if (b > a)
            (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void bigmem_release(char **done, const char *upto)
{
    uintptr_t a = ((uintptr_t)*done + BIGMEM_BLOCK - 1) / BIGMEM_BLOCK * BIGMEM_BLOCK;
    uintptr_t b = (uintptr_t)upto / BIGMEM_BLOCK * BIGMEM_BLOCK;
    if (b <= a)
        return;
    /* Advice only: on failure the memory stays resident, nothing else. */
    (void)madvise((void *)a, b - a, MADV_DONTNEED);
    *done = (char *)b;
}

void *bigmem_alloc(size_t n)
{
    return advise(malloc(n), n);
}

void *bigmem_realloc(void *p, size_t n)
{
    return advise(realloc(p, n), n);
}
