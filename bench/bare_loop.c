/* bare_loop.c — see bare_loop.h. Bench code may include <modbus.h> (the
 * rule that only rig/ does is for the product; docs/ARCHITECTURE.md). */
#include "bare_loop.h"

#include "../rig/regmap.h"

#include <modbus.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static modbus_t *open_ctx(const rig_config *cfg)
{
    modbus_t *ctx;
    if (cfg->transport == RIG_TCP) {
        char port[16];
        snprintf(port, sizeof port, "%d", cfg->port);
        ctx = modbus_new_tcp_pi(cfg->host, port);
    } else {
        ctx =
            modbus_new_rtu(cfg->device, cfg->baud, cfg->parity, cfg->data_bits, cfg->stop_bits);
    }
    if (!ctx)
        return NULL;
    modbus_set_response_timeout(ctx, 0, 200000);
    if (modbus_connect(ctx) != 0) {
        fprintf(stderr, "bare_loop: connect: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return NULL;
    }
    modbus_flush(ctx);
    return ctx;
}

int bare_run(const rig_config *cfg, double rate_hz, double secs, bare_result *out)
{
    memset(out, 0, sizeof *out);
    regmap_plan plan;
    if (regmap_make_plan(cfg, &plan) != RIGOR_OK)
        return -1;
    modbus_t *ctx = open_ctx(cfg);
    if (!ctx)
        return -1;
    const rig_point *hb = &cfg->point[ROLE_HEARTBEAT];
    out->transactions = plan.nblocks + (hb->present ? 1 : 0);
    uint16_t regs[125];
    uint16_t beat = 0;
    bench_vec starts = {0};
    /* The same scheduling as Rigor's acquisition thread at this rate. */
    rt_for_loop(cfg->realtime, rate_hz > 0 ? 1.0 / rate_hz : 0, RT_PRIO_ACQ, &out->rt);
    /* and the same CPUs: kept awake while it samples at a rate (keep_awake) */
    char why[96];
    rt_awake *awake = cfg->keep_awake && rate_hz > 0 ? rt_awake_new(why, sizeof why) : NULL;
    if (cfg->keep_awake && rate_hz > 0 && !awake)
        fprintf(stderr, "bare loop: keep_awake: %s\n", why);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    const long period_ns = rate_hz > 0 ? (long)(1e9 / rate_hz) : 0;
    /* and the same wait: asleep to the deadline, or to the rig file's spin
     * before it and awake from there (at most half the period) */
    const long spin_ns = (long)fmin(cfg->spin_s * 1e9, 0.5 * (double)period_ns);
    double t0 = bench_now(), t = t0;
    while (t - t0 < secs) {
        if (period_ns) {
            struct timespec wake = next;
            wake.tv_nsec -= spin_ns;
            if (wake.tv_nsec < 0) {
                wake.tv_nsec += 1000000000;
                wake.tv_sec--;
            }
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL) == EINTR)
                ;
            double due = (double)next.tv_sec + (double)next.tv_nsec * 1e-9;
            while (bench_now() < due)
                ; /* spin (no-op when spin_ns is 0: already past) */
            next.tv_nsec += period_ns;
            while (next.tv_nsec >= 1000000000) {
                next.tv_nsec -= 1000000000;
                next.tv_sec++;
            }
        }
        t = bench_now();
        bench_vec_push(&starts, t);
        bool ok = true;
        if (hb->present) {
            modbus_set_slave(ctx, cfg->dev[hb->device].slave);
            ok = modbus_write_register(ctx, hb->address, ++beat) == 1;
        }
        for (int i = 0; i < plan.nblocks && ok; i++) {
            const regmap_block *b = &plan.block[i];
            modbus_set_slave(ctx, cfg->dev[b->device].slave);
            int got = b->table == TBL_HR
                          ? modbus_read_registers(ctx, b->start, b->count, regs)
                          : modbus_read_input_registers(ctx, b->start, b->count, regs);
            ok = got == b->count;
        }
        out->cycles++;
        if (!ok) {
            out->errors++;
            modbus_flush(ctx);
        }
    }
    double el = bench_now() - t0;
    rt_awake_free(awake);
    rt_status normal; /* the caller's thread goes on as a normal thread */
    rt_decline("bench: the bare loop is done", &normal);
    out->rate_hz = (double)(out->cycles - out->errors) / el;
    bench_jitter(starts.v, starts.n, rate_hz > 0 ? 1.0 / rate_hz : 0, &out->p50_us,
                 &out->p99_us, &out->max_us);
    bench_vec_free(&starts);
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
