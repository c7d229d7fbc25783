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
