/* pool.c — see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct {
    size_t n;
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    atomic_size_t next; /* the next item to take */
} pool;

static void *work(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        p->fn(p->ctx, i);
    }
}

void pool_run(size_t n, int nthreads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    pool p = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&p.next, 0);
    if ((size_t)nthreads > n)
        nthreads = (int)n;
    if (nthreads > POOL_MAX_THREADS)
        nthreads = POOL_MAX_THREADS;
    pthread_t tid[POOL_MAX_THREADS];
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[started], NULL, work, &p) != 0)
            break; /* fewer threads; the work still gets done */
        started++;
    }
    work(&p);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}
