/* pool.h — run the items of one job in a few threads.
 *
 * The one worker pool of Rigor: files of a batch, the curves they hold, the
 * parts of one long table and the checks of its channels are all "items
 * 0..n-1, each done by fn, in any order". Threads take the next item from a
 * shared atomic counter, the calling thread works too, and pool_run returns
 * when every item is done. Where a thread cannot be created, fewer threads
 * do the same work, so the outcome never depends on how many ran. fn must
 * write only what belongs to its item.
 */
#ifndef RIGOR_POOL_H
#define RIGOR_POOL_H

#include <stddef.h>

#define POOL_MAX_THREADS 16

/* fn(ctx, i) for every i in [0, n), in min(nthreads, n, POOL_MAX_THREADS)
 * threads (at least the calling one). */
void pool_run(size_t n, int nthreads, void (*fn)(void *ctx, size_t i), void *ctx);

#endif
