/* sim.h — the simulated load frame: specimen physics behind a real Modbus server.
 *
 * A `sim` is a crosshead drive, a compliant frame, a load-cell transmitter,
 * an extensometer and a specimen, simulated at 1 kHz on their own clock
 * (CLOCK_MONOTONIC), and served over Modbus TCP or RTU (a pseudo-terminal)
 * with the register map of docs/reference-frame.md. It is what `rigor sim`
 * runs as a process and what `rigor run --sim` and the tests embed in-process.
 *
 * Life cycle: sim_new() (no I/O, no threads) → optionally sim_advance() to
 * step the physics synchronously (unit tests) → sim_start_tcp() or
 * sim_start_rtu() (start the physics and server threads) → sim_stop() →
 * sim_free(). The ground truth of what was simulated is available at any
 * time through sim_truth_snapshot() and, when configured, as a CSV log
 * (format in docs/sim.md).
 *
 * Units: SI inside and in this API (m, N, s, Pa); millimetres etc. only on
 * the command line. Sign conventions: crosshead position and velocity are
 * positive upwards (tension); force is positive in tension and NEGATIVE in
 * compression, as the transmitter reports it.
 *
 * Thread safety: after a start, every function here may be called from any
 * thread; the state is guarded by one mutex inside the sim.
 */
#ifndef RIGOR_SIM_H
#define RIGOR_SIM_H

#include "../../common/error.h"
#include "../rt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sim sim;

/* Configuration. Zero/NULL fields mean "the preset's default"; fill with
 * sim_config_init() first. All lengths in metres. */
typedef struct {
    const char *specimen;      /* preset or model name (docs/sim.md); NULL = "e-lpscl-film" */
    const char *const *params; /* n_params strings "key=value[unit]", e.g. "E=2GPa" */
    size_t n_params;           /* number of entries in params */
    double width_m;            /* tensile specimen width; 0 = preset default */
    double thickness_m;        /* tensile specimen thickness; 0 = preset default */
    double gauge_length_m;     /* tensile gauge (grip) length; 0 = preset default */
    double diameter_m;         /* compression specimen diameter; 0 = preset default */
    double height_m;           /* compression specimen height; 0 = preset default */
    uint64_t seed;             /* noise and fault decisions; same seed, same sequence */
    const char *faults;        /* "--faults" list (docs/sim.md), NULL or "" = none */
    long baud;                 /* RTU line rate for pacing; 0 = no pacing (default 115200) */
    const char *log_path;      /* ground-truth CSV file, or NULL */
    FILE *log_file;            /* or an open stream (not closed by the sim), or NULL */
    int log_every;             /* write a sample row every N physics steps (1 ms); 0 = 1 */
    FILE *events;              /* human-readable event lines (e.g. stderr), or NULL */
    rt_mode realtime;          /* RT_AUTO (default): the physics, TCP connection and RTU
                                  threads ask for SCHED_FIFO RT_PRIO_SIM, so the frame answers
                                  like hardware whatever the host's load, and run normally if
                                  refused (an event says so); RT_OFF: never ask.
                                  RT_REQUIRED is refused (RIGOR_EINVAL) */
    double idle_timeout_s;     /* a TCP client that sends nothing this long is
                                  disconnected, so idle clients cannot hold the 16 slots;
                                  0 = SIM_IDLE_TIMEOUT_S, < 0 = never */
} sim_config;

#define SIM_IDLE_TIMEOUT_S 30.0

/* Ground truth at one instant (taken under the sim's lock). */
typedef struct {
    double t_s;                    /* simulated time since sim_new (1 ms steps) */
    double crosshead_m;            /* crosshead position, + up; 0 at start */
    double velocity_m_s;           /* crosshead velocity, + up */
    double deformation_m;          /* specimen: elongation (tensile) or shortening
                                      (compression), + in the loading direction;
                                      compression: 0 before contact, the permanent
                                      set after the platen lifts off */
    double frame_deflection_m;     /* |force| × frame compliance */
    double force_N;                /* true force on the specimen, + tension, - compression */
    double measured_force_N;       /* the transmitter's current FORCE (net, filtered, noisy) */
    double peak_force_N;           /* largest |true force| so far */
    bool compression;              /* the specimen is loaded in compression */
    bool contact;                  /* compression: platens have touched the specimen */
    double contact_t_s;            /* time of first contact, or -1 */
    bool fractured;                /* the specimen has broken */
    double fracture_t_s;           /* time of fracture, or -1 */
    double fracture_force_N;       /* true force when it broke: the model's strength x A0
                                      (signed; also counted in peak_force_N) */
    double fracture_deformation_m; /* deformation when it broke */
    double fracture_wall_s;        /* CLOCK_MONOTONIC (s) when the fracture step ran, or -1 */
    double stop_cmd_wall_s;        /* CLOCK_MONOTONIC (s) when the first stop write (VELOCITY_CMD
                                      0, quick stop or disable) after the fracture was served,
                                      or -1: the stop latency (bench/) */
    double first_read_wall_s;      /* CLOCK_MONOTONIC (s) when the first read of FORCE after
                                      the fracture step was served, or -1 (bench/) */
    bool enabled;                  /* drive enabled and not faulted */
    bool moving;                   /* |velocity| > 1 nm/s */
    int fault_code;                /* FAULT_CODE of the drive: 0 none, 1 watchdog, 2 overtravel,
                                      3 e-stop, 4 frame overload */
    bool watchdog_tripped;         /* watchdog fault latched */
    double watchdog_trip_t_s;      /* time of the last watchdog trip, or -1 */
    bool estop;                    /* e-stop raised */
    bool upper_limit;              /* on the upper limit switch */
    bool lower_limit;              /* on the lower limit switch */
    bool tick_frozen;              /* freeze-tick fault active */
    uint16_t tick;                 /* transmitter TICK */
    unsigned long requests;        /* Modbus requests served (all units, all transports) */
    unsigned long faults_injected; /* faults injected into replies or state so far */
    rt_status rt_physics;          /* scheduling of the physics thread ("" text until it ran) */
    rt_status rt_serving;          /* of the last serving thread started (a TCP connection or
                                      the RTU bus; "" text until one ran) */
} sim_truth;

/* Specimen geometry actually in use (after preset defaults and overrides). */
typedef struct {
    bool compression; /* loaded in compression (platens) rather than tension (grips) */
    double area_m2;   /* initial cross-section */
    double length_m;  /* gauge length (tensile) or height (compression) */
    double width_m, thickness_m, diameter_m; /* the sides it came from; 0 if not used */
    double gap_m;                /* compression: platen gap above the specimen at position 0 */
    double frame_compliance_m_N; /* frame compliance */
    double capacity_N;           /* load-cell capacity */
    double noise_N;              /* SD of the transmitter's force noise (at rest) */
} sim_geometry;

/* Fill *cfg with the defaults (preset e-lpscl-film, seed 1, baud 115200). */
void sim_config_init(sim_config *cfg);

/* Create a simulator from cfg (copied; the strings need not outlive the
 * call). Parses the preset, parameters, geometry and fault list; opens
 * log_path. No threads, no sockets. On error returns RIGOR_EINVAL (bad name,
 * parameter, fault list), RIGOR_EGEOMETRY (missing or non-positive geometry)
 * or RIGOR_EIO (log file), and, if diag is given, a message naming the bad
 * item; *out is then NULL. */
int sim_new(const sim_config *cfg, sim **out);
int sim_new_diag(const sim_config *cfg, sim **out, rigor_diag *diag);

/* Threads (sim_start_*): the physics clock, a TCP accept thread, one thread
 * per TCP connection, one RTU thread. All but the accept thread ask for
 * SCHED_FIFO unless sim_config.realtime is RT_OFF, and log what they got
 * as a `realtime` event (a TCP connection only when it differs from the
 * last one reported). */

/* Start the physics thread (if not running) and a Modbus TCP server on
 * host:port (host NULL = "127.0.0.1"; port 0 = ephemeral). The port actually
 * bound goes to *bound_port (may be NULL). Serves unit ids 1-3; up to 16
 * clients at once, each on its own thread. Returns RIGOR_OK, RIGOR_EINVAL (bad
 * host or port), RIGOR_EIO (bind/listen failed, errno set) or RIGOR_ESTATE
 * (already serving, or stopped). */
int sim_start_tcp(sim *s, const char *host, int port, int *bound_port);

/* Start the physics thread (if not running) and a Modbus RTU server on a new
 * pseudo-terminal (8E1, baud of the config). Its slave path ("/dev/pts/N")
 * is copied to pty_path. Returns RIGOR_OK, RIGOR_EIO or RIGOR_ESTATE. */
int sim_start_rtu(sim *s, char *pty_path, size_t len);

/* Stop the servers and the physics thread; joins every thread. Idempotent.
 * The state stays readable until sim_free(); a stopped sim cannot be
 * started again (the starts return RIGOR_ESTATE). */
void sim_stop(sim *s);

/* Stop (if needed) and free. Flushes and closes the log. NULL is safe. */
void sim_free(sim *s);

/* Copy the ground truth now. */
void sim_truth_snapshot(sim *s, sim_truth *out);

/* The geometry in use. */
void sim_get_geometry(const sim *s, sim_geometry *out);

/* Name of the model behind the specimen ("elastic-plastic", "brittle",
 * "brittle-compression", "cellular", "none"). */
const char *sim_model_name(const sim *s);

/* Advance the physics synchronously by n 1-ms steps, while no physics thread
 * runs (RIGOR_ESTATE between a start and sim_stop). Deterministic. */
int sim_advance(sim *s, long n_steps);

/* Register access in-process, exactly as a Modbus request would do it.
 * unit 1-3; table 3 = holding registers, 4 = input registers. Writes go to
 * holding registers with the semantics of FC16 (fc06 = true: of FC06).
 * Returns 0 or a Modbus exception code (1, 2, 3), or -1 for an unknown unit. */
int sim_read_regs(sim *s, int unit, int table, int addr, int n, uint16_t *out);
int sim_write_regs(sim *s, int unit, int addr, int n, const uint16_t *vals, bool fc06);

/* The model's stress at engineering strain eps on the monotonic loading path
 * (Pa, + in the loading direction), for tests and docs. */
double sim_model_stress(const sim *s, double eps);

/* The list of preset names, NULL-terminated. */
const char *const *sim_preset_names(void);

#endif
