/* runner.h — run one protocol on a rig: the loop between driver and state machine.
 *
 * The runner owns the pieces of a test for its duration: the rig (or an
 * in-process simulated frame on an ephemeral loopback port, reached over
 * real Modbus TCP like any rig), the state machine, and the run file. Each
 * sample from the acquisition queue is fed to the machine; its command goes
 * straight back to the driver, whose loop sends it before its next read; the
 * sample is appended to the run file with the stage/mark column. `rigor run`
 * and the console both use it.
 */
#ifndef RIGOR_RUNNER_H
#define RIGOR_RUNNER_H

#include "../analysis/curve.h"
#include "machine.h"
#include "protocol.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *protocol_path; /* required */
    const char *rig_path;      /* rig file; with sim_preset, the map to use (default
                                  rigs/reference-tcp.ini) */
    const char *sim_preset;    /* start the simulated frame in-process, or NULL */
    const char *sim_faults;    /* --faults for the simulator, or NULL */
    const char *sim_log;       /* simulator ground-truth CSV, or NULL */
    uint64_t seed;             /* simulator seed */
    const char *out_path;      /* run file; NULL = runs/<specimen>-<UTC>.csv */
    const char *specimen_id;   /* NULL = protocol name based */
    const char *note;          /* operator note for the header */
    curve_geom geom;           /* overrides (NAN = protocol's) */
    double rate_hz;            /* acquisition rate; 0 = the link's best (<= 1 kHz) */
    double timeout_s;          /* give up after this long (0 = 3600 s) */
    FILE *progress;            /* step/stage lines, or NULL */
    volatile sig_atomic_t *stop_flag; /* set asynchronously (SIGINT) -> operator stop */
} run_opts;

void run_opts_init(run_opts *o);

typedef struct {
    char run_path[1024];     /* the run file written */
    char end_reason[128];
    machine_state final_state;
    bool failed;             /* limit or early end */
    bool fault;              /* ended in FAULT */
    uint64_t samples;
    double duration_s;
    double achieved_rate_hz;
    /* simulator ground truth (sim runs only): */
    bool sim;
    bool sim_fractured;
    double sim_fracture_t_s;        /* sim clock */
    double sim_travel_after_fracture_m; /* crosshead travel from fracture to rest */
    double stop_latency_samples;    /* samples between fracture note and stop (machine) */
    double sim_stop_latency_s;      /* wall time from the fracture step to the first stop
                                       write served by the simulator (NAN if none) */
} run_result;

/* Run the protocol. Returns RIG_OK when the test ran (whatever its outcome,
 * see res), or a negative rig_err with why filled when it could not start or
 * was aborted by an error; diags from the protocol parser are printed to
 * o->progress (file:line:col). */
int run_protocol(const run_opts *o, run_result *res, char *why, size_t wl);

#endif
