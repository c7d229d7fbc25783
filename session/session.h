/* runner.h — run protocols on a rig: the loop between driver and state machine.
 *
 * Two layers. A run_session owns a connected rig for as long as an operator
 * works at it (the console keeps one open between tests to jog, zero and
 * tare): the rig file, optionally an in-process simulated frame on an
 * ephemeral loopback port (reached over real Modbus TCP like any rig), the
 * link and the acquisition thread. Within a session, tests run one at a
 * time: run_session_begin_test() takes a parsed protocol, creates the run
 * file, balances (a short baseline at rest) and starts the state machine;
 * run_session_poll() — non-blocking, called from the UI loop at 10–30 Hz
 * or from a loop of its own — feeds every queued sample to the machine,
 * hands its command straight back to the driver (whose loop sends it before
 * its next read) and appends the sample with its stage/mark text to the run
 * file; run_session_end_test() closes the run file and gives the result.
 *
 * run_protocol() is `rigor run`: one session, one test, blocking.
 *
 * With the simulated frame each test gets a fresh specimen (a new simulator
 * with the protocol's geometry, seed + test number, and a new link), since
 * the last one is broken; the first test reuses the one from open when its
 * geometry matches.
 *
 * Threads: every run_session_* call from one thread (the consumer of the
 * rig's sample queue). rig_cmd_* on run_session_rig() are safe from any.
 */
#ifndef RIGOR_RUNNER_H
#define RIGOR_RUNNER_H

#include "../analysis/curve.h"
#include "../rig/rig.h"
#include "../protocols/machine.h"
#include "../protocols/protocol.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *protocol_path;        /* required */
    const char *rig_path;             /* rig file; with sim_preset, the map to use (default
                                         rigs/reference-tcp.ini) */
    const char *sim_preset;           /* start the simulated frame in-process, or NULL */
    const char *sim_faults;           /* --faults for the simulator, or NULL */
    const char *const *sim_params;    /* "key=value" model/machine overrides (docs/sim.md) */
    size_t n_sim_params;
    const char *sim_log;              /* simulator ground-truth CSV, or NULL */
    uint64_t seed;                    /* simulator seed */
    const char *out_path;             /* run file; NULL = runs/<specimen>-<UTC>.csv */
    const char *specimen_id;          /* NULL = protocol name based */
    const char *note;                 /* operator note for the header */
    curve_geom geom;                  /* overrides (NAN = protocol's) */
    double rate_hz;                   /* acquisition rate; 0 = the link's best (<= 1 kHz) */
    double timeout_s;                 /* give up after this long (0 = 3600 s) */
    FILE *progress;                   /* step/stage lines, or NULL */
    volatile sig_atomic_t *stop_flag; /* set asynchronously to the signal number
                                         (SIGINT, SIGTERM): the test ends with
                                         MEND_SIGNAL */
} run_opts;

void run_opts_init(run_opts *o);

/* The rate one protocol step achieved (run_result.rates). */
typedef struct {
    int step;             /* 1-based protocol step */
    proto_step_kind kind;
    bool force;           /* a force (stress) rate in N/s, else a speed in m/s */
    double requested;     /* N/s or m/s, magnitude */
    double median, p5, p95;
    int n;                /* windows */
    bool on_ext;          /* a strain rate on the extensometer: the extension's rate, m/s */
} run_step_rate;

typedef struct {
    char run_path[1024]; /* the run file written */
    char end_reason[128];
    machine_end end; /* why, as a kind (MEND_NONE when the test never ran) */
    machine_state final_state;
    bool failed; /* limit or early end */
    bool fault;  /* ended in FAULT */
    uint64_t samples;
    double duration_s;
    double achieved_rate_hz;
    /* simulator ground truth (sim runs only): */
    bool sim;
    bool sim_fractured;
    double sim_fracture_t_s;            /* sim clock */
    double sim_travel_after_fracture_m; /* crosshead travel from fracture to rest */
    double stop_latency_samples;    /* samples between fracture note and stop (machine) */
    double sim_stop_latency_s;      /* wall time from the fracture step to the first stop
                                       write served by the simulator (NAN if none) */
    double sim_read_stop_latency_s; /* wall time from the first force read served after the
                                       fracture step to that stop write (NAN if none) */
    rt_status sim_rt_physics;       /* the simulator's physics thread's scheduling */
    rt_status sim_rt_serving;       /* its TCP connection thread's scheduling */
    /* the link over the whole session, taken after acquisition stopped (the
     * run file's trailer covers the test only; the session also balances
     * before it and watches the frame after it) */
    bool have_session_stats;
    rig_stats session_stats;
    /* rate compliance per protocol step with a rate (ISO 6892-1 A1: within
     * +-20 % of the set rate): the achieved rate over 20-sample windows,
     * the first 5 % of the step's windows left out */
#define RUN_MAX_RATES 32
    run_step_rate rates[RUN_MAX_RATES];
    int nrates;
    /* where strain came from: on the first sample, and at the end (the
     * crosshead after a removed extensometer, matched at the switch) */
    machine_strain_src strain_first, strain_last;
    double strain_switch_t_s; /* test time of the switch, NAN when none */
} run_result;

/* Run the protocol. Returns RIGOR_OK when the test ran (whatever its outcome,
 * see res), or a negative rigor_err with why filled when it could not start or
 * was aborted by an error; diags from the protocol parser are printed to
 * o->progress (file:line:col). The acquisition thread's scheduling is in
 * res->session_stats.realtime and the run file's `realtime` header line. */
int run_protocol(const run_opts *o, run_result *res, char *why, size_t wl);

/* ---- The session API ------------------------------------------------- */

typedef struct run_session run_session;

typedef struct {
    const char *rig_path;   /* rig file (default rigs/reference-tcp.ini) */
    const char *sim_preset; /* simulated frame in-process, or NULL */
    const char *sim_faults; /* simulator fault list (docs/sim.md), or NULL */
    const char *const *sim_params; /* "key=value" overrides (docs/sim.md), or NULL */
    size_t n_sim_params;
    const char *sim_log;    /* simulator ground-truth CSV, or NULL */
    uint64_t seed;          /* simulator seed (test k uses seed + k) */
    curve_geom sim_geom;    /* simulated specimen at open (NAN = the preset's) */
    double rate_hz;         /* acquisition rate; 0 = the link's best (<= 1 kHz) */
    FILE *progress;         /* messages, or NULL */
    const char *who;        /* message prefix (default "rigor run") */
} run_session_opts;

void run_session_opts_init(run_session_opts *o);

/* Load the rig file, start the simulator if asked, connect and start
 * acquiring. The strings of o must outlive the session. On error returns a
 * negative rigor_err with why filled ("cannot connect to the rig (...): ...";
 * RIGOR_EPERM: the rig file's realtime = required was refused, with the OS's
 * reason) and *out NULL. When real-time scheduling was asked for and
 * refused (realtime = auto), o->progress gets a line saying why. */
int run_session_open(const run_session_opts *o, run_session **out, char *why, size_t wl);

/* Stop any test (its run file is closed as "aborted"), stop acquisition,
 * disconnect, stop the simulator. NULL is safe. */
void run_session_close(run_session *s);
/* Stop acquisition (the frame stays stopped and disabled) and give the
 * link's counters for the whole session; the session can only be closed
 * after this. RIGOR_ESTATE when it has no rig. */
int run_session_stop_link(run_session *s, rig_stats *out);

/* The limits protocols are validated against: the rig file's machine
 * limits, with the simulated load cell's capacity when simulated. */
proto_rig_limits run_session_limits(const run_session *s);

/* Parse and validate a protocol file or text against run_session_limits
 * (proto_parse_*_geom with those limits). */
int run_session_parse_file(const run_session *s, const char *path, const curve_geom *geom,
                           protocol **out, rigor_diag *diags, size_t maxdiag, size_t *ndiag);
int run_session_parse_text(const run_session *s, const char *name, const char *text,
                           const curve_geom *geom, protocol **out, rigor_diag *diags,
                           size_t maxdiag, size_t *ndiag);

/* Where the session is. */
typedef struct {
    const char *rig_path; /* the rig file in use */
    bool sim;             /* simulated frame */
    int sim_port;         /* its loopback port */
    double capacity_N;    /* load-cell capacity (rig file or simulator) */
    double speed_max_m_s; /* machine speed limit, NAN if unknown */
    curve_geom sim_geom;  /* the simulated specimen's geometry (NAN if not simulated) */
    bool sim_compression; /* the simulated specimen is loaded in compression */
    int tests;            /* tests begun so far */
} run_session_info;
void run_session_get_info(const run_session *s, run_session_info *out);

/* The rig, for jog, zero, tare, fault acknowledgement and statistics while
 * no test runs (rig_cmd_* are thread-safe). Changes when a simulated
 * specimen is replaced (begin_test): do not keep it across that call. */
rig *run_session_rig(run_session *s);

typedef struct {
    const char *out_path;       /* run file; NULL = runs/<specimen>-<UTC>.csv */
    const char *specimen_id;    /* NULL = from the protocol name */
    const char *note;           /* operator note for the header */
    const char *protocol_label; /* header "protocol:" (NULL = name, else path) */
    double timeout_s;           /* stop after this long (0 = 3600 s) */
} run_test_opts;

/* Begin a test with p (the session takes ownership of p, also on error).
 * Creates the run file; the balance and the machine start in the next
 * polls. RIGOR_ESTATE if a test is under way. On error why is filled; a run
 * file already created is closed as "aborted" (res.run_path says where). */
int run_session_begin_test(run_session *s, protocol *p, const run_test_opts *t, char *why,
                           size_t wl);

typedef enum {
    RUN_IDLE = 0, /* no test: samples are drained, only the latest kept */
    RUN_BALANCE,  /* recording the baseline at rest */
    RUN_ACTIVE,   /* the machine is running the protocol */
    RUN_FINISHED  /* the test ended: call run_session_end_test */
} run_phase;

/* Called for every sample consumed while a test runs (balance included),
 * after the machine has taken it. mv: the machine's test-direction values
 * (zeros during balance); stage: the run file's stage text ("" if none). */
typedef void (*run_sample_fn)(void *ctx, const rig_sample *smp, const machine_values *mv,
                              const char *stage);
void run_session_set_sample_fn(run_session *s, run_sample_fn fn, void *ctx);

/* A force a jog left on the specimen before the next test (N, measured by
 * the console): the balance takes the force at rest as its zero and would
 * hide it, so the next run file's header says it (jog_preload_N). 0 = none;
 * the next run_session_begin_test writes it and clears it. */
void run_session_set_jog_preload(run_session *s, double force_N);

/* Consume every queued sample (waiting up to wait_s for the first one):
 * feed the machine, execute its command, write the run file. Returns the
 * phase after the poll, or a negative rigor_err (run file write failed: the
 * crosshead is stopped and the test is FINISHED; why says so). */
int run_session_poll(run_session *s, double wait_s, char *why, size_t wl);

run_phase run_session_phase(const run_session *s);

/* Operator requests during a test (ME_STOP, ME_PAUSE, ME_RESUME, ME_ACK).
 * ME_STOP stops the crosshead at once in any case and is latched for the
 * machine (during the balance the machine then starts already stopped, so
 * nothing moves); it returns RIGOR_OK during a test. RIGOR_ESTATE when there is
 * no test or the machine refuses the request now. */
int run_session_request(run_session *s, machine_event e);

/* The session's own end of the test (MEND_TIMEOUT, MEND_SIGNAL, a fault
 * kind...): the crosshead stops at once and the machine ends with that
 * reason (latched through the balance). RIGOR_ESTATE without a test. */
int run_session_abort(run_session *s, machine_end why, const char *detail);

/* The calling thread (the one that polls) as the force loop's thread: on,
 * it asks for SCHED_FIFO RT_PRIO_ACQ - 1 as the rig file's `realtime` says
 * (auto: ask, run normally if refused; off: never), so a loaded host does
 * not delay the loop's commands; off, it goes back to the normal scheduler
 * (threads it creates later inherit its policy). *st says what it got (may
 * be NULL). Returns rt_request's code (RIGOR_OK when declined). */
int run_session_consumer_rt(run_session *s, bool on, rt_status *st);

/* The run file of the current (or last begun) test, "" before any. */
const char *run_session_run_path(const run_session *s);

/* The machine of the running test (states, step, stage, values), or NULL. */
const machine *run_session_machine(const run_session *s);
/* The protocol of the running test, or NULL. */
const protocol *run_session_protocol(const run_session *s);

/* The rig is in FAULT: reason copied (may be NULL). */
bool run_session_fault(run_session *s, char *reason, size_t len);

/* Acknowledge a fault: the rig's (rig_ack_fault) and the machine's. */
int run_session_ack_fault(run_session *s);

/* End the test: close the run file with its trailer, stop the crosshead
 * and fill res (as run_protocol does). A test not yet FINISHED is stopped
 * first (operator stop) and polled until it is (at most ~2 s). Returns
 * RIGOR_OK or a negative rigor_err with why. */
int run_session_end_test(run_session *s, run_result *res, char *why, size_t wl);

/* The specimen part of a run file name: s with everything but letters,
 * digits, '.', '-', '_' replaced by '-'; "run" when that is empty or starts
 * with '.'. The console uses it to find the run files an id already has. */
void session_safe_name(char *dst, size_t len, const char *s);

#endif
