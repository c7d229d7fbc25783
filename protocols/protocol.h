/* protocol.h — a parsed, validated test protocol, all quantities in SI.
 *
 * A protocol file (docs/protocols.md) is parsed once into this model; units
 * are checked and converted at parse time, so everything below is SI (N, m,
 * s, Pa, strain as a ratio, rates in m/s, N/s or 1/s). The state machine
 * (protocols/machine.h) executes the model; it never sees text.
 *
 * Ownership: proto_parse_*() allocates a protocol, proto_free() frees it.
 */
#ifndef RIGOR_PROTOCOL_H
#define RIGOR_PROTOCOL_H

#include "../analysis/curve.h"
#include "../common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Quantities a condition or limit can test. */
typedef enum {
    PQ_FORCE = 0,   /* N, magnitude in the test direction (compression positive) */
    PQ_STRESS,      /* Pa, engineering, same sign convention */
    PQ_STRAIN,      /* ratio, engineering (compression: thickness reduction) */
    PQ_POSITION,    /* m, crosshead travel since the protocol's zero, in the test direction */
    PQ_EXTENSION,   /* m, extensometer */
    PQ_STEP_TIME,   /* s since the current step began */
    PQ_TEST_TIME,   /* s since the test began */
    PQ_COUNT
} proto_quantity;

typedef enum { POP_LT = 0, POP_LE, POP_GT, POP_GE } proto_op;

/* Events a condition or a reaction can name (from the stage/fracture detector
 * and the safety supervisor). */
typedef enum {
    PEV_FRACTURE = 0,
    PEV_CONTACT,
    PEV_STAGE,     /* with a stage name: elastic, yield, plastic, plateau, densification */
    PEV_MAX,       /* the detector's running-maximum event */
    PEV_LIMIT      /* a protocol limit was reached */
} proto_event;

/* One atom of a condition: a comparison or an event. */
typedef struct {
    bool is_event;
    proto_quantity q; /* comparison: q op value */
    proto_op op;
    double value;     /* SI */
    proto_event ev;   /* event */
    char stage[24];   /* for PEV_STAGE */
} proto_atom;

/* A condition in disjunctive normal form: OR of clauses, each an AND of atoms.
 * "until stress >= 80 MPa or strain >= 90 %" is two clauses of one atom. */
#define PROTO_MAX_CLAUSES 8
#define PROTO_MAX_ATOMS 4
typedef struct {
    int nclauses;                                  /* 0 = no condition */
    int natoms[PROTO_MAX_CLAUSES];
    proto_atom atom[PROTO_MAX_CLAUSES][PROTO_MAX_ATOMS];
} proto_cond;

typedef enum {
    PSTEP_PRELOAD = 0, /* move at rate until |force| >= target (finds contact) */
    PSTEP_ZERO,        /* zero position / extension / force (mask) */
    PSTEP_RAMP,        /* move at a rate until a condition */
    PSTEP_HOLD,        /* hold position for duration, or hold force at target for duration */
    PSTEP_CYCLE,       /* count cycles between lo and hi of a quantity at a rate */
    PSTEP_UNLOAD,      /* move back at rate until force <= target (default ~0) */
    PSTEP_RETURN       /* move to the start position at rate */
} proto_step_kind;

typedef enum {
    PRATE_VELOCITY = 0, /* m/s crosshead */
    PRATE_STRAIN,       /* 1/s, converted to crosshead velocity with the gauge length/height */
    PRATE_FORCE,        /* N/s, closed loop in software on crosshead velocity */
    PRATE_STRESS        /* Pa/s, the force rate rate x area_m2 (closed loop as PRATE_FORCE) */
} proto_rate_kind;

/* A strain-rate ramp (`ramp at 0.00025 1/s on extensometer`): on the
 * crosshead the rate becomes one crosshead speed, rate x L0; on the
 * extensometer (ISO 6892-1 method A1, closed loop) an outer loop on the
 * crosshead speed holds the extension's rate at rate x L0 (machine.c). */
typedef enum {
    PSTRAIN_ON_CROSSHEAD = 0, /* the default, and `on crosshead` */
    PSTRAIN_ON_EXTENSOMETER
} proto_strain_on;

#define PZERO_POSITION 1u
#define PZERO_EXTENSION 2u
#define PZERO_FORCE 4u

typedef struct {
    proto_step_kind kind;
    int line;                /* source line of the step, for messages */
    proto_rate_kind rate_kind;
    double rate;             /* SI per rate_kind; > 0; direction comes from the test type */
    double target;           /* preload/unload force (N), hold-at force (N) */
    bool hold_at_force;      /* hold: keep force at target instead of position */
    double duration_s;       /* hold duration */
    int count;               /* cycle count */
    proto_quantity level_q;  /* cycle: quantity of lo/hi (force, stress, strain, position) */
    double lo, hi;           /* cycle levels, SI */
    unsigned zero_mask;      /* PZERO_* */
    proto_cond until;        /* ramp/hold/unload end condition (nclauses 0 = none) */
    proto_strain_on strain_on; /* ramp at a strain rate: which channel it is controlled on */
} proto_step;

typedef enum {
    PACT_STOP = 0,   /* stop the crosshead, end the test (DONE) */
    PACT_MARK,       /* record a mark with a label in the run file */
    PACT_HOLD,       /* hold position for duration_s */
    PACT_UNLOAD,     /* unload at the last step's rate */
    PACT_RETURN,     /* return to start */
    PACT_NEXT        /* end the current step, go on with the next */
} proto_action_kind;

#define PROTO_MAX_ACTIONS 4
typedef struct {
    int line;
    proto_event ev;          /* trigger */
    char stage[24];          /* for PEV_STAGE */
    int nactions;            /* "hold 10 s then unload" = 2 actions in order */
    proto_action_kind action[PROTO_MAX_ACTIONS];
    double duration_s[PROTO_MAX_ACTIONS];
    char label[64];          /* for PACT_MARK */
} proto_reaction;

typedef struct {
    int line;
    proto_quantity q;
    proto_op op;             /* the limit holds while "q op value" is true */
    double value;            /* SI */
} proto_limit;

#define PROTO_MAX_LIMITS 16
#define PROTO_MAX_REACTIONS 16

typedef enum { PTEST_TENSILE = 0, PTEST_COMPRESSION } proto_test;

typedef struct protocol {
    char path[1024];
    char name[128];
    proto_test test;
    curve_geom geom;         /* SI; NAN when not given */
    char *text;              /* whole source text (for the run-file header) */
    proto_limit limit[PROTO_MAX_LIMITS];
    int nlimits;
    proto_reaction reaction[PROTO_MAX_REACTIONS];
    int nreactions;
    proto_step *steps;
    int nsteps;
    /* Added by the parser (derived once, SI; NAN when the geometry lacks it): */
    double area_m2;          /* cross-section used for stress (see docs/protocols.md) */
    double length0_m;        /* strain reference: gauge length (tensile), height or
                                thickness (compression); strain rates use it */
    double compliance_m_N;   /* 'compliance': machine deflection per newton; strain in
                                conditions/limits is (travel - C force) / length0_m;
                                NAN when not given (no correction) */
#define PROTO_MAX_WARNINGS 8
    rigor_diag warning[PROTO_MAX_WARNINGS]; /* non-fatal remarks (file:line:col) */
    int nwarnings;
} protocol;

/* Machine limits a protocol is checked against (from the rig file); NAN = unknown. */
typedef struct {
    double force_capacity_N;
    double travel_min_m, travel_max_m;
    double speed_max_m_s;
    double force_noise_N; /* SD of the force at rest; NAN or 0 = unknown. A preload
                             target, a hold-at force and an "until force/stress >="
                             below PROTO_NOISE_SD of it are refused */
    int extensometer;     /* 1 the rig has one, 0 it has none (conditions and limits on
                             extension are refused), -1 unknown */
} proto_rig_limits;

#define PROTO_NOISE_SD 5

/* Parse and validate. On failure returns RIGOR_EPARSE and fills up to maxdiag
 * diagnostics (file:line:col: message) in diags, *ndiag the count; *out is
 * NULL. rig may be NULL (then capacity checks are skipped). */
int proto_parse_file(const char *path, const proto_rig_limits *rig, protocol **out,
                     rigor_diag *diags, size_t maxdiag, size_t *ndiag);
int proto_parse_buffer(const char *name, const char *text, size_t len,
                       const proto_rig_limits *rig, protocol **out, rigor_diag *diags,
                       size_t maxdiag, size_t *ndiag);
void proto_free(protocol *p);

/* The same with geometry overrides (command line): every finite field of
 * *geom replaces the file's value before validation; geom may be NULL. */
int proto_parse_file_geom(const char *path, const proto_rig_limits *rig,
                          const curve_geom *geom, protocol **out, rigor_diag *diags,
                          size_t maxdiag, size_t *ndiag);
int proto_parse_buffer_geom(const char *name, const char *text, size_t len,
                            const proto_rig_limits *rig, const curve_geom *geom,
                            protocol **out, rigor_diag *diags, size_t maxdiag,
                            size_t *ndiag);

/* All fields NAN (nothing known about the rig). */
void proto_rig_limits_unknown(proto_rig_limits *r);

/* True when event ev (stage for PEV_STAGE) ends the test, after the actions
 * of its reaction (docs/protocols.md, "Reactions"):
 *   - fracture: always, unless the declared reaction's last action is
 *     PACT_NEXT (no reaction = an implicit "stop");
 *   - limit: always (the reaction may only add mark/unload/return);
 *   - contact, stage: when the declared reaction's last action is stop,
 *     unload or return; never without a reaction.
 * Otherwise a last action PACT_NEXT ends the current step, and mark/hold
 * resume it. If r is not NULL it receives the declared reaction or NULL. */
bool proto_event_ends_test(const protocol *p, proto_event ev, const char *stage,
                           const proto_reaction **r);

/* Names for printing plans and run-file headers. */
const char *proto_quantity_name(proto_quantity q);
const char *proto_step_name(proto_step_kind k);
const char *proto_event_name(proto_event e);
const char *proto_action_name(proto_action_kind a);
const char *proto_op_name(proto_op op);

/* Plan: steps in SI, estimated duration and travel, to out. */
void proto_print_plan(const protocol *p, FILE *out);

#endif
