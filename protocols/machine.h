/* machine.h — the test state machine: protocol steps, limits, reactions.
 *
 * Pure logic, no I/O (grblHAL's state_machine.c is the model): the runner
 * feeds it one rig sample at a time and executes the command it returns;
 * operator requests (start, pause, stop, acknowledge) come in through
 * machine_request(). Every state change goes through one transition table
 * (machine_transition) and one state-set function that runs the new
 * state's entry action (enter_* in machine.c); tests enumerate the table and
 * drive the real machine through every pair of it.
 *
 * Sign convention: rig samples are raw (+ force = tension, + position = up).
 * Inside, everything is in the test direction d (+1 tensile, -1 compression):
 * F = d (F_raw - F0), x = d (x_raw - x0), so compression force, travel and
 * strain are positive. Commands go back out in rig coordinates.
 *
 * Stage and fracture detection is the streaming detector of analysis/detect.h,
 * the very code `rigor analyze` replays offline.
 */
#ifndef RIGOR_MACHINE_H
#define RIGOR_MACHINE_H

#include "../analysis/detect.h"
#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    MS_IDLE = 0, /* nothing loaded to run */
    MS_ARMED,    /* protocol validated, waiting for start */
    MS_PRELOAD,  /* preload step */
    MS_RUNNING,  /* ramp, cycle, return, zero steps */
    MS_HOLD,     /* hold step */
    MS_UNLOAD,   /* unload step */
    MS_DONE,     /* protocol ended (complete, stop reaction, fracture, limit) */
    MS_PAUSED,   /* operator pause: crosshead held */
    MS_STOPPED,  /* operator stop, or a fault acknowledged */
    MS_FAULT,    /* safety supervisor fault: needs acknowledgement */
    MS_NSTATES
} machine_state;

typedef enum {
    ME_ARM = 0,      /* operator: arm a validated protocol */
    ME_START,        /* operator: start */
    ME_STEP_PRELOAD, /* internal: a preload step begins */
    ME_STEP_MOTION,  /* internal: a ramp/cycle/return/zero step begins */
    ME_STEP_HOLD,    /* internal: a hold step begins */
    ME_STEP_UNLOAD,  /* internal: an unload step begins */
    ME_END,          /* internal: protocol ended */
    ME_PAUSE,        /* operator */
    ME_RESUME,       /* operator */
    ME_STOP,         /* operator (always accepted) */
    ME_FAULT,        /* supervisor */
    ME_ACK,          /* operator acknowledges a fault */
    ME_RESET,        /* back to IDLE from a final state */
    ME_ABORT,        /* session: its own stop with a reason (timeout, signal) */
    ME_NEVENTS
} machine_event;

/* The transition table: the next state, or -1 when the event is not allowed
 * in that state (the machine then ignores it and says so). */
int machine_transition(machine_state s, machine_event e);

const char *machine_state_name(machine_state s);
const char *machine_event_name(machine_event e);

typedef struct {
    double t_s;         /* monotonic time, s */
    double position_m;  /* raw crosshead position (rig-zeroed), + up */
    double force_N;     /* raw force, + tension */
    double extension_m; /* extensometer or NAN */
} machine_sample;

typedef enum {
    MC_NONE = 0,  /* keep doing what the drive does */
    MC_VELOCITY,  /* velocity_m_s in rig coordinates */
    MC_POSITION,  /* move to position_m (raw) at velocity_m_s (magnitude) */
    MC_STOP       /* stop now (highest priority) */
} machine_cmd_kind;

typedef struct {
    machine_cmd_kind kind;
    double velocity_m_s;
    double position_m;
} machine_cmd;

/* Things worth recording in the run file (stage column, trailer). */
typedef enum {
    MN_STEP = 0, /* a step begins: text "N kind" (N = -1 for a reaction's step) */
    MN_STAGE,    /* a detected stage (text: its name) or contact */
    MN_FRACTURE, /* text: the detector's rule */
    MN_MARK,     /* text: the reaction's label */
    MN_LIMIT,    /* text: which limit */
    MN_END,      /* text: the end reason */
    MN_STATE,    /* a state change worth showing (FAULT, STOPPED) */
    MN_NKINDS
} machine_note_kind;

typedef struct {
    machine_note_kind kind;
    char text[96];
} machine_note;

/* "step", "stage", "fracture", "mark", "limit", "end", "state". */
const char *machine_note_name(machine_note_kind k);

/* Why a test ended. The text of machine_end_reason() starts with
 * machine_end_name() and may add details (which limit, the fault). */
typedef enum {
    MEND_NONE = 0,      /* not ended */
    MEND_COMPLETE,      /* every step done */
    MEND_FRACTURE,      /* the specimen broke (the protocol's end) */
    MEND_STOP_REACTION, /* an "on ... stop" reaction */
    MEND_LIMIT,         /* a protocol limit was reached: the test failed */
    MEND_OPERATOR_STOP, /* the operator stopped it */
    MEND_TIMEOUT,       /* the session's time limit: the test failed */
    MEND_SIGNAL,        /* SIGINT / SIGTERM */
    MEND_REFUSED,       /* the rig refused a command: a fault */
    MEND_RIG_FAULT,     /* the safety supervisor or a lost link: a fault */
    MEND_NO_STEPS,      /* nothing to run */
    MEND_NKINDS
} machine_end;

const char *machine_end_name(machine_end e);
/* Fault kinds (MEND_REFUSED, MEND_RIG_FAULT) end in MS_FAULT. */
bool machine_end_is_fault(machine_end e);

typedef struct machine machine;

/* Consecutive samples a step's end condition on a measured quantity (and a
 * preload's or unload's target force) must hold before the step ends. */
#define MACHINE_COND_SAMPLES 3

/* dp may be NULL for the detector defaults of the protocol's test type.
 * The protocol must outlive the machine. No I/O. */
int machine_new(const protocol *p, const detect_params *dp, machine **out);
void machine_free(machine *m);

/* Operator requests. ME_STOP is latched and honoured at the next feed even
 * if it arrives while a step changes; a second stop is never lost or
 * harmful. Returns RIGOR_OK, or RIGOR_ESTATE when the table refuses it. */
int machine_request(machine *m, machine_event e);

/* Supervisor fault: enters FAULT (stop command at the next feed), end
 * reason MEND_RIG_FAULT. */
void machine_fault(machine *m, const char *reason);

/* The session's own end of a test, latched like a stop and taken at the
 * next feed: a fault kind (MEND_REFUSED, MEND_RIG_FAULT) enters FAULT, any
 * other (MEND_TIMEOUT, MEND_SIGNAL, MEND_OPERATOR_STOP) STOPPED, with that
 * end reason and detail (may be NULL) in machine_end_reason(). The first
 * reason wins. */
void machine_abort(machine *m, machine_end why, const char *detail);

/* The delay between a sample and its command reaching the drive, as the
 * caller sees it (s): the force loop slows down to stay stable, and a
 * force-rate cycle reverses that much earlier. */
void machine_set_loop_delay(machine *m, double delay_s);

/* The rig's limits the loops respect (speed_max_m_s clamps the force-rate
 * loop; NAN = unknown). Call before start. */
void machine_set_rig(machine *m, const proto_rig_limits *lim);

/* Feed one sample; fills *cmd and up to maxn notes. Returns the number of
 * notes written. */
int machine_feed(machine *m, const machine_sample *s, machine_cmd *cmd, machine_note *notes,
                 int maxn);

machine_state machine_state_of(const machine *m);
int machine_step(const machine *m);             /* current step index, -1 before start */
const char *machine_end_reason(const machine *m); /* "" while running */
machine_end machine_end_of(const machine *m);     /* MEND_NONE while running */
bool machine_in_reaction(const machine *m);       /* running a reaction's own step */
bool machine_failed(const machine *m);          /* ended by a limit or a timeout */
const char *machine_stage(const machine *m);    /* current detected stage name or "" */
/* True when the detector has a fracture rule pending confirmation on the
 * next sample while the specimen is being loaded: the caller should get that
 * sample now rather than a period later (the stop latency). */
bool machine_wants_sample(const machine *m);

/* Frame compliance C (m/N): strain is then (x - C F) / L0, the specimen's
 * own deformation rather than crosshead travel (ISO 604: the machine's
 * deflection must be removed). Default 0. */
void machine_set_compliance(machine *m, double c_m_per_N);

/* Software zero offsets in raw coordinates (zero steps). */
double machine_zero_position(const machine *m);
double machine_zero_force(const machine *m);

/* Test-direction values of the last sample (for displays and run files). */
typedef struct {
    double t_s, force_N, position_m, stress_Pa, strain;
} machine_values;
machine_values machine_values_of(const machine *m);

/* Where the strain in machine_values comes from: decided on the first
 * sample (an extension reading -> the extensometer), and switched to the
 * crosshead, matched at the switch, when the extension reading goes. */
typedef enum {
    MSTRAIN_UNDECIDED = 0,
    MSTRAIN_CROSSHEAD,           /* eps = (x - C F) / L0 */
    MSTRAIN_EXTENSOMETER,        /* eps = (e - e_s0) / L0 */
    MSTRAIN_CROSSHEAD_AFTER_EXT  /* the crosshead, offset to match at the switch */
} machine_strain_src;
machine_strain_src machine_strain_source(const machine *m);
const char *machine_strain_source_name(machine_strain_src src);

#endif
