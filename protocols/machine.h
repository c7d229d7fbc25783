/* machine.h — the test state machine: protocol steps, limits, reactions.
 *
 * Pure logic, no I/O (grblHAL's state_machine.c is the model): the runner
 * feeds it one rig sample at a time and executes the command it returns;
 * operator requests (start, pause, stop, acknowledge) come in through
 * machine_request(). Every state change goes through one transition table
 * (machine_transition), which tests enumerate completely.
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
typedef struct {
    char kind[16];  /* "stage", "fracture", "mark", "step", "limit", "end", "state" */
    char text[96];
} machine_note;

typedef struct machine machine;

/* dp may be NULL for the detector defaults of the protocol's test type.
 * The protocol must outlive the machine. No I/O. */
int machine_new(const protocol *p, const detect_params *dp, machine **out);
void machine_free(machine *m);

/* Operator requests. ME_STOP is latched and honoured at the next feed even
 * if it arrives while a step changes; a second stop is never lost or
 * harmful. Returns RIGOR_OK, or RIGOR_ESTATE when the table refuses it. */
int machine_request(machine *m, machine_event e);

/* Supervisor fault: enters FAULT (stop command at the next feed). */
void machine_fault(machine *m, const char *reason);

/* Feed one sample; fills *cmd and up to maxn notes. Returns the number of
 * notes written. */
int machine_feed(machine *m, const machine_sample *s, machine_cmd *cmd, machine_note *notes,
                 int maxn);

machine_state machine_state_of(const machine *m);
int machine_step(const machine *m);             /* current step index, -1 before start */
const char *machine_end_reason(const machine *m); /* "" while running */
bool machine_failed(const machine *m);          /* ended by a limit or an early fracture */
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

#endif
