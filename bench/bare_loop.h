/* bare_loop.h — the baseline of the acquisition benchmark: a bare libmodbus
 * loop doing exactly the Modbus transactions of one Rigor cycle (the
 * heartbeat write, then every block of the read plan regmap_make_plan builds
 * from the same rig file), with nothing else: no decoding, no supervisor, no
 * queue, no thread hand-off. It runs in the caller's thread with the
 * scheduling Rigor's acquisition thread takes at the same rate
 * (rt_for_loop: SCHED_FIFO RT_PRIO_ACQ at a finite rate unless the rig
 * file says realtime = off, the normal scheduler back to back), so that
 * the comparison is one of code, not of priority. */
#ifndef RIGOR_BENCH_BARE_LOOP_H
#define RIGOR_BENCH_BARE_LOOP_H

#include "../rig/rigfile.h"
#include "../rig/rt.h"
#include "bench.h"

typedef struct {
    double rate_hz;                /* complete cycles per second */
    double p50_us, p99_us, max_us; /* period jitter */
    long cycles, errors;
    int transactions; /* Modbus requests per cycle */
    rt_status rt;     /* the scheduling the loop ran with */
} bare_result;

/* Run for secs seconds at rate_hz (paced with clock_nanosleep on absolute
 * deadlines), or back to back when rate_hz <= 0 (jitter then against the
 * mean period). The calling thread is back on the normal scheduler when it
 * returns. Returns 0, or -1 if the link could not be opened. */
int bare_run(const rig_config *cfg, double rate_hz, double secs, bare_result *out);

#endif
