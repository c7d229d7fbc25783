/* test_bigmem.c — large-array allocation: contents survive growth, and a
 * release gives back whole BIGMEM_BLOCK blocks inside the asked range only.
 */
#include "../common/bigmem.h"
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Small and large blocks hold what is written; growth keeps the old part. */
static void test_alloc_and_grow(void)
{
    size_t small = 1000, large = 6u << 20;
    unsigned char *a = bigmem_alloc(small);
    unsigned char *b = bigmem_alloc(large);
    CHECK(a && b, "allocations");
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    for (size_t i = 0; i < large; i++)
        b[i] = (unsigned char)(i * 7);
    memset(a, 0x5A, small);
    unsigned char *g = bigmem_realloc(b, 3 * large);
    CHECK(g != NULL, "grow");
    if (g) {
        b = g;
        size_t bad = 0;
        for (size_t i = 0; i < large; i++)
            bad += b[i] != (unsigned char)(i * 7);
        CHECK(bad == 0, "%zu bytes changed by the growth", bad);
        memset(b + large, 1, 2 * large); /* the grown part is writable */
    }
    CHECK(a[0] == 0x5A && a[small - 1] == 0x5A, "small block");
    free(a);
    free(b);
}

/* bigmem_release(&done, upto) gives back [align_up(done), align_down(upto))
 * in whole blocks: those bytes read as zeros afterwards (Linux anonymous
 * memory), every byte outside keeps its value, and done moves to the end of
 * what was given back; a range shorter than a block is left alone. */
static void test_release_whole_blocks(void)
{
    size_t n = 5 * (size_t)BIGMEM_BLOCK;
    unsigned char *p = bigmem_alloc(n);
    CHECK(p != NULL, "allocation");
    if (!p)
        return;
    memset(p, 0xA5, n);
    char *done = (char *)p + 100;
    /* less than one whole block between done and upto: nothing happens */
    bigmem_release(&done, (char *)p + 100 + BIGMEM_BLOCK / 2);
    CHECK(done == (char *)p + 100, "a part of a block was released");
    CHECK(p[200] == 0xA5 && p[100 + BIGMEM_BLOCK / 2 - 1] == 0xA5, "bytes changed");

    const char *upto = (char *)p + 4 * BIGMEM_BLOCK + 12345;
    bigmem_release(&done, upto);
    uintptr_t a = ((uintptr_t)p + 100 + BIGMEM_BLOCK - 1) / BIGMEM_BLOCK * BIGMEM_BLOCK;
    uintptr_t b = (uintptr_t)upto / BIGMEM_BLOCK * BIGMEM_BLOCK;
    CHECK((uintptr_t)done == b, "done at %#lx, want %#lx", (unsigned long)(uintptr_t)done,
          (unsigned long)b);
    size_t kept_bad = 0, zero_bad = 0;
    for (size_t i = 0; i < n; i++) {
        uintptr_t at = (uintptr_t)(p + i);
        if (at >= a && at < b)
            zero_bad += p[i] != 0;
        else
            kept_bad += p[i] != 0xA5;
    }
    CHECK(b > a, "the range holds whole blocks");
    CHECK(zero_bad == 0, "%zu released bytes still hold data", zero_bad);
    CHECK(kept_bad == 0, "%zu bytes outside the released blocks changed", kept_bad);
    /* Calling again with the same end gives nothing more back. */
    char *again = done;
    bigmem_release(&done, upto);
    CHECK(done == again, "a second release moved done");
    free(p);
}

/* pages of [p, p + n) resident now (mincore), as a count of 4 KiB pages */
static size_t resident_pages(const void *p, size_t n, size_t *total)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *a = (char *)p - (uintptr_t)p % (uintptr_t)pg; /* the page p is in */
    size_t len = (size_t)((const char *)p + n - a), np = (len + (size_t)pg - 1) / (size_t)pg;
    unsigned char *v = malloc(np);
    size_t r = 0;
    *total = np;
    if (v && mincore(a, len, v) == 0)
        for (size_t i = 0; i < np; i++)
            r += v[i] & 1;
    free(v);
    return r;
}

/* bigmem_alloc_touched with two or more threads hands back a large block
 * whose every page is already resident (a plain bigmem_alloc of the same
 * size is not: the check can tell them apart), and that holds what is
 * written; one thread, or a small block, is a plain allocation. */
static void test_touched(void)
{
    /* above glibc's largest mmap threshold (32 MiB): always fresh pages */
    size_t n = 20 * (size_t)BIGMEM_BLOCK + 12345, tot = 0;
    char *plain = bigmem_alloc(n);
    CHECK(plain != NULL, "plain allocation");
    size_t rp = plain ? resident_pages(plain, n, &tot) : 0;
    CHECK(rp < tot, "a fresh plain block is already all resident (%zu of %zu pages)", rp, tot);
    free(plain);
    for (int th = 2; th <= 3; th++) {
        unsigned char *p = bigmem_alloc_touched(n, th);
        CHECK(p != NULL, "touched allocation, %d threads", th);
        if (!p)
            continue;
        size_t r = resident_pages(p, n, &tot);
        CHECK(r == tot, "%d threads: %zu of %zu pages resident", th, r, tot);
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)(i * 13);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += p[i] != (unsigned char)(i * 13);
        CHECK(bad == 0, "%d threads: %zu bytes lost", th, bad);
        free(p);
    }
    char *one = bigmem_alloc_touched(1000, 2);
    CHECK(one != NULL, "small touched allocation");
    if (one)
        memset(one, 7, 1000);
    free(one);
}

int main(void)
{
    TEST_RUN(test_alloc_and_grow);
    TEST_RUN(test_release_whole_blocks);
    TEST_RUN(test_touched);
    TEST_END("test_bigmem");
}
