/* machine.c — the test state machine; see machine.h.
 *
 * One feed = one sample: honour a latched operator stop, check limits, run
 * the detector, fire reactions, advance the current step, and return at most
 * one command. A fracture stop is returned in the feed of the sample in which
 * the detector reports the fracture, so it reaches the drive within one
 * sample period.
 *
 * Force-rate control (ramp, cycle, unload at N/s; hold at a force) is the
 * outer loop of ratectl.h on the crosshead speed; its law is stated there.
 *
 * State changes: state_set() is the only assignment of the state. It asks
 * the table, and on a transition runs the new state's entry action
 * (enter_*), grblHAL style. The operator's requests, the steps, the end,
 * faults and the session's aborts all go through it.
 */
#include "machine.h"

#include "../common/error.h"
#include "ratectl.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- table */

/* Steps (S_*) and END happen only in the four active states: the feed runs
 * steps nowhere else, so no other row has them. */
#define X (-1)
#define ACTIVE_ROW                                                                             \
    {X, X, MS_PRELOAD, MS_RUNNING, MS_HOLD, MS_UNLOAD, MS_DONE, MS_PAUSED, X, MS_STOPPED,       \
     MS_FAULT, X, X, MS_STOPPED}
static const signed char table[MS_NSTATES][ME_NEVENTS] = {
    /* ARM, START, S_PRE, S_MOT, S_HOLD, S_UNL, END, PAUSE, RESUME, STOP, FAULT, ACK, RESET, ABORT */
    [MS_IDLE] = {MS_ARMED, X, X, X, X, X, X, X, X, MS_IDLE, MS_FAULT, X, MS_IDLE, X},
    [MS_ARMED] = {MS_ARMED, MS_RUNNING, X, X, X, X, X, X, X, MS_IDLE, MS_FAULT, X, MS_IDLE,
                  MS_STOPPED},
    [MS_PRELOAD] = ACTIVE_ROW,
    [MS_RUNNING] = ACTIVE_ROW,
    [MS_HOLD] = ACTIVE_ROW,
    [MS_UNLOAD] = ACTIVE_ROW,
    [MS_DONE] = {X, X, X, X, X, X, X, X, X, MS_DONE, MS_FAULT, X, MS_IDLE, MS_DONE},
    [MS_PAUSED] = {X, X, X, X, X, X, X, MS_PAUSED, MS_RUNNING, MS_STOPPED, MS_FAULT, X, X,
                   MS_STOPPED},
    [MS_STOPPED] = {X, X, X, X, X, X, X, X, X, MS_STOPPED, MS_FAULT, X, MS_IDLE, MS_STOPPED},
    [MS_FAULT] = {X, X, X, X, X, X, X, X, X, MS_FAULT, MS_FAULT, MS_STOPPED, X, MS_FAULT},
};
#undef ACTIVE_ROW
#undef X

int machine_transition(machine_state s, machine_event e)
{
    if ((int)s < 0 || s >= MS_NSTATES || (int)e < 0 || e >= ME_NEVENTS)
        return -1;
    return table[s][e];
}

const char *machine_state_name(machine_state s)
{
    static const char *n[] = {"IDLE", "ARMED", "PRELOAD", "RUNNING", "HOLD",
                              "UNLOAD", "DONE", "PAUSED", "STOPPED", "FAULT"};
    return (int)s >= 0 && s < MS_NSTATES ? n[s] : "?";
}

const char *machine_event_name(machine_event e)
{
    static const char *n[] = {"arm", "start", "step-preload", "step-motion", "step-hold",
                              "step-unload", "end", "pause", "resume", "stop",
                              "fault", "ack", "reset", "abort"};
    return (int)e >= 0 && e < ME_NEVENTS ? n[e] : "?";
}

const char *machine_note_name(machine_note_kind k)
{
    static const char *n[] = {"step", "stage", "fracture", "mark", "limit", "end", "state"};
    return (int)k >= 0 && k < MN_NKINDS ? n[k] : "?";
}

const char *machine_end_name(machine_end e)
{
    static const char *n[] = {"",
                              "protocol complete",
                              "fracture",
                              "stop reaction",
                              "limit",
                              "operator stop",
                              "timeout",
                              "interrupted",
                              "fault: command refused",
                              "fault",
                              "protocol has no steps"};
    return (int)e >= 0 && e < MEND_NKINDS ? n[e] : "?";
}

bool machine_end_is_fault(machine_end e)
{
    return e == MEND_REFUSED || e == MEND_RIG_FAULT;
}

/* --------------------------------------------------------------- machine */

/* What follows a reaction's injected steps (docs/protocols.md, reactions):
 * a last action unload/return ends the test, next goes on with the next
 * step, mark/hold resume the interrupted step. */
enum { AFTER_NEXT = 0, AFTER_RESUME, AFTER_END };
#define MAX_INJECT 8

struct machine {
    const protocol *p;
    detect *det;
    machine_state state;     /* assigned in state_set() only */
    atomic_int stop_latch;   /* operator stop requested (any thread) */
    atomic_int abort_latch;  /* machine_end of a pending abort/fault, 0 = none */
    char abort_detail[128];  /* its detail, written before the latch */
    machine_end end;         /* why the test ended, MEND_NONE while it runs */
    char end_reason[128];
    bool failed;
    bool stop_cmd;           /* an entry action asks for MC_STOP at the next feed */
    double d;                /* test direction: +1 tensile, -1 compression */
    double x0, f0, e0;       /* software zero (raw) */
    double start_pos;        /* raw position at start (for return) */
    double area, length;     /* m^2, m (gauge length or height) */
    double compliance;       /* m/N, frame deflection per newton */
    machine_strain_src strain_src; /* where strain comes from (decided on the first sample) */
    double es0;              /* raw extension at the strain's zero */
    double xh_match;         /* crosshead strain's offset after a switch from the extensometer */
    double eps_last;         /* the last strain, to match the crosshead to it */

    int step;                /* index into p->steps, -1 before start */
    bool step_begun;
    double step_t0;
    int cycle_done;
    bool cycle_up;
    bool motion_sent;        /* the current segment's motion is commanded */

    /* steps injected by reactions ("hold 10 s then unload"), run before the
     * protocol continues with step + 1 */
    proto_step inject[MAX_INJECT];
    int ninject, iinject;
    bool in_inject;
    int after_inject;        /* AFTER_NEXT, AFTER_RESUME or AFTER_END */
    proto_step interrupted;  /* the step a resuming reaction interrupted */
    bool was_loading;        /* the detector was fed on the previous sample */
    bool started_loading;    /* the detector has been fed at least once */
    proto_step cur_copy;     /* the step being executed (protocol or injected) */

    /* events seen so far (for "until fracture", "until stage ...") */
    bool seen[DET_NKINDS];
    bool fractured;
    char stage[24];
    double last_rate;        /* |velocity| of the last motion step, m/s */

    int cond_run;            /* consecutive samples the step's condition has held */
    bool hold_down;          /* a hold at a force below the force it began at: an unload */
    bool limit_reacting;     /* running a limit's unload/return reaction */
    bool contact_seen;       /* compression: the detector saw contact (preload) */
    double contact_x;        /* raw position at that contact */

    ratectl rc;              /* force-rate / force-hold loop */
    ratectl xc;              /* strain rate on the extensometer: the same law on extension */
    bool xc_on;              /* xc is in charge of the present ramp */
    double xc_ef, xc_t;      /* the extension it sees, low-passed (test direction), and when */
    double speed_max;        /* rig's speed limit, m/s (NAN unknown) */

    machine_values v;
    double t_start;
    bool started;
};

int machine_new(const protocol *p, const detect_params *dp, machine **out)
{
    machine *m = calloc(1, sizeof *m);
    if (!m)
        return RIGOR_ENOMEM;
    m->p = p;
    detect_params def;
    if (!dp) {
        detect_params_default(&def, p->test == PTEST_COMPRESSION);
        dp = &def;
    }
    int rc = detect_new(dp, &m->det);
    if (rc) {
        free(m);
        return rc;
    }
    m->state = MS_IDLE;
    m->step = -1;
    m->d = p->test == PTEST_COMPRESSION ? -1.0 : 1.0;
    /* The parser derives the cross-section and the strain reference length
     * (gauge length; height, or thickness of a film, in compression). */
    m->area = p->area_m2;
    m->length = p->length0_m;
    if (isfinite(p->compliance_m_N))
        m->compliance = p->compliance_m_N;
    m->speed_max = NAN;
    ratectl_init(&m->rc, m->speed_max);
    ratectl_init(&m->xc, m->speed_max);
    atomic_init(&m->stop_latch, 0);
    atomic_init(&m->abort_latch, 0);
    *out = m;
    return RIGOR_OK;
}

void machine_free(machine *m)
{
    if (!m)
        return;
    detect_free(m->det);
    free(m);
}

void machine_set_loop_delay(machine *m, double delay_s)
{
    ratectl_set_delay(&m->rc, delay_s);
    ratectl_set_delay(&m->xc, delay_s);
}

void machine_set_rig(machine *m, const proto_rig_limits *lim)
{
    m->speed_max = lim ? lim->speed_max_m_s : NAN;
    ratectl_init(&m->rc, m->speed_max);
    ratectl_init(&m->xc, m->speed_max);
}

/* Record why the test ends; the first reason wins. */
static void set_end(machine *m, machine_end why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_end(machine *m, machine_end why, const char *fmt, ...)
{
    if (m->end != MEND_NONE)
        return;
    m->end = why;
    m->failed = why == MEND_LIMIT || why == MEND_TIMEOUT;
    const char *name = machine_end_name(why);
    char detail[128] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    snprintf(m->end_reason, sizeof m->end_reason, "%.24s%s%.100s", name, detail[0] ? ": " : "",
             detail);
}

/* ---- entry actions: one per state, run by state_set() on a transition */

static void enter_idle(machine *m, machine_state from, machine_event e)
{
    (void)from;
    if (e != ME_RESET)
        return;
    detect_reset(m->det);
    memset(m->seen, 0, sizeof m->seen);
    m->fractured = m->failed = false;
    m->end = MEND_NONE;
    m->end_reason[0] = m->stage[0] = '\0';
    m->step = -1;
    m->started = false;
    m->ninject = m->iinject = 0;
    m->in_inject = false;
    m->limit_reacting = m->contact_seen = false;
}

static void enter_armed(machine *m, machine_state from, machine_event e)
{
    (void)from;
    (void)e;
    m->step = -1;
    m->step_begun = false;
    m->started = false;
}

static void enter_running(machine *m, machine_state from, machine_event e)
{
    (void)e;
    if (from == MS_PAUSED) {
        m->motion_sent = false; /* re-issue the step's motion; a loop restarts here */
        m->stop_cmd = false;    /* a pause's stop not yet sent is void now */
    }
}

static void enter_step_state(machine *m, machine_state from, machine_event e)
{
    (void)m;
    (void)from;
    (void)e;
}

static void enter_paused(machine *m, machine_state from, machine_event e)
{
    (void)e;
    if (from != MS_PAUSED) {
        m->motion_sent = false;
        m->stop_cmd = true; /* hold the crosshead */
    }
}

static void enter_final(machine *m, machine_state from, machine_event e)
{
    (void)from;
    (void)e;
    m->stop_cmd = true;
}

static void (*const enter[MS_NSTATES])(machine *, machine_state, machine_event) = {
    [MS_IDLE] = enter_idle,        [MS_ARMED] = enter_armed,     [MS_PRELOAD] = enter_step_state,
    [MS_RUNNING] = enter_running,  [MS_HOLD] = enter_step_state, [MS_UNLOAD] = enter_step_state,
    [MS_DONE] = enter_final,       [MS_PAUSED] = enter_paused,   [MS_STOPPED] = enter_final,
    [MS_FAULT] = enter_final,
};

/* The one way the state changes: the table decides, the entry action of the
 * new state runs. Returns false when the table refuses e in this state. */
static bool state_set(machine *m, machine_event e)
{
    int n = machine_transition(m->state, e);
    if (n < 0)
        return false;
    machine_state from = m->state;
    m->state = (machine_state)n;
    enter[n](m, from, e);
    return true;
}

int machine_request(machine *m, machine_event e)
{
    switch (e) {
    case ME_STOP:
        /* Latched: taken at the next feed, whatever the step is doing. */
        atomic_store(&m->stop_latch, 1);
        return RIGOR_OK;
    case ME_ARM:
    case ME_START:
    case ME_PAUSE:
    case ME_RESUME:
    case ME_ACK:
    case ME_RESET:
        return state_set(m, e) ? RIGOR_OK : RIGOR_ESTATE;
    default:
        return RIGOR_EINVAL; /* internal events come from the feed */
    }
}

void machine_abort(machine *m, machine_end why, const char *detail)
{
    if (why <= MEND_NONE || why >= MEND_NKINDS)
        why = MEND_RIG_FAULT;
    int expected = 0;
    snprintf(m->abort_detail, sizeof m->abort_detail, "%s", detail ? detail : "");
    atomic_compare_exchange_strong(&m->abort_latch, &expected, (int)why);
}

void machine_fault(machine *m, const char *reason)
{
    machine_abort(m, MEND_RIG_FAULT, reason && *reason ? reason : "fault");
}

machine_state machine_state_of(const machine *m) { return m->state; }
int machine_step(const machine *m) { return m->step; }
const char *machine_end_reason(const machine *m) { return m->end_reason; }
machine_end machine_end_of(const machine *m) { return m->end; }
bool machine_in_reaction(const machine *m) { return m->in_inject; }
bool machine_failed(const machine *m) { return m->failed; }
bool machine_wants_sample(const machine *m)
{
    return m->was_loading && !m->fractured && detect_fracture_pending(m->det);
}

const char *machine_stage(const machine *m) { return m->stage; }
double machine_zero_position(const machine *m) { return m->x0; }
void machine_set_compliance(machine *m, double c) { m->compliance = isfinite(c) && c > 0 ? c : 0; }
double machine_zero_force(const machine *m) { return m->f0; }
machine_values machine_values_of(const machine *m) { return m->v; }
machine_strain_src machine_strain_source(const machine *m) { return m->strain_src; }
const char *machine_strain_source_name(machine_strain_src src)
{
    switch (src) {
    case MSTRAIN_EXTENSOMETER: return "extensometer";
    case MSTRAIN_CROSSHEAD_AFTER_EXT: return "crosshead (after the extensometer)";
    case MSTRAIN_CROSSHEAD: return "crosshead";
    default: return "undecided";
    }
}

static int note(machine_note *notes, int maxn, int n, machine_note_kind kind, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
static int note(machine_note *notes, int maxn, int n, machine_note_kind kind, const char *fmt,
                ...)
{
    if (n >= maxn)
        return n;
    notes[n].kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes[n].text, sizeof notes[n].text, fmt, ap);
    va_end(ap);
    return n + 1;
}

/* Value of a quantity now, in the test direction. */
static double quantity(const machine *m, proto_quantity q, double ext)
{
    switch (q) {
    case PQ_FORCE: return m->v.force_N;
    case PQ_STRESS: return m->v.stress_Pa;
    case PQ_STRAIN: return m->v.strain;
    case PQ_POSITION: return m->v.position_m;
    case PQ_EXTENSION: return ext;
    case PQ_STEP_TIME: return m->v.t_s - m->step_t0;
    case PQ_TEST_TIME: return m->v.t_s - m->t_start;
    default: return NAN;
    }
}

static bool compare(double a, proto_op op, double b)
{
    switch (op) {
    case POP_LT: return a < b;
    case POP_LE: return a <= b;
    case POP_GT: return a > b;
    case POP_GE: return a >= b;
    }
    return false;
}

static int stage_kind(const char *name)
{
    for (int k = 0; k < DET_NKINDS; k++)
        if (!strcmp(detect_kind_name((detect_kind)k), name))
            return k;
    return -1;
}

static bool event_seen(const machine *m, proto_event ev, const char *stage)
{
    switch (ev) {
    case PEV_FRACTURE: return m->fractured;
    case PEV_CONTACT: return m->seen[DET_CONTACT];
    case PEV_MAX: return m->seen[DET_MAX];
    case PEV_STAGE: {
        int k = stage_kind(stage);
        return k >= 0 && m->seen[k];
    }
    default: return false;
    }
}

static bool cond_true(const machine *m, const proto_cond *c, double ext)
{
    for (int i = 0; i < c->nclauses; i++) {
        bool all = true;
        for (int j = 0; j < c->natoms[i] && all; j++) {
            const proto_atom *a = &c->atom[i][j];
            if (a->is_event)
                all = event_seen(m, a->ev, a->stage);
            else
                all = compare(quantity(m, a->q, ext), a->op, a->value);
        }
        if (all)
            return true;
    }
    return false;
}

/* A step's end condition, debounced: a clause on a measured quantity
 * (force, stress, strain, position, extension) must hold on
 * MACHINE_COND_SAMPLES consecutive samples, so one noise spike never ends a
 * step; events (latched by the detector) and times count at once. */
static bool atom_measured(const proto_atom *a)
{
    return !a->is_event && a->q != PQ_STEP_TIME && a->q != PQ_TEST_TIME;
}

static bool cond_held(machine *m, const proto_cond *c, double ext)
{
    if (c->nclauses == 0)
        return false;
    bool now = cond_true(m, c, ext);
    m->cond_run = now ? m->cond_run + 1 : 0;
    if (!now)
        return false;
    bool measured = false;
    for (int i = 0; i < c->nclauses; i++)
        for (int j = 0; j < c->natoms[i]; j++)
            measured = measured || atom_measured(&c->atom[i][j]);
    return !measured || m->cond_run >= MACHINE_COND_SAMPLES;
}

/* The same for a single comparison (preload target, unload target). */
static bool level_held(machine *m, bool now)
{
    m->cond_run = now ? m->cond_run + 1 : 0;
    return now && m->cond_run >= MACHINE_COND_SAMPLES;
}

/* Crosshead speed (m/s, magnitude) of a speed or strain rate. */
static double step_speed(const machine *m, const proto_step *s)
{
    if (s->rate_kind == PRATE_STRAIN)
        return s->rate * m->length; /* strain rate x gauge length (or height) */
    return s->rate;
}

/* True when the step's rate is a force or stress rate: the loop of
 * ratectl.h sets the speed every sample. */
static bool force_rate(const proto_step *s)
{
    return s->rate_kind == PRATE_FORCE || s->rate_kind == PRATE_STRESS;
}

/* The force rate (N/s) of a force- or stress-rate step: dF/dt = A dS/dt. */
static double force_rate_N_s(const machine *m, const proto_step *s)
{
    return s->rate_kind == PRATE_STRESS ? s->rate * m->area : s->rate;
}

#define XC_FILTER_S 0.05 /* s: the strain-rate loop's low-pass on the extension */

/* True when the step is a strain-rate ramp controlled on the extensometer. */
static bool ext_rate(const proto_step *s)
{
    return s->rate_kind == PRATE_STRAIN && s->strain_on == PSTRAIN_ON_EXTENSOMETER;
}

static const proto_step *current(machine *m)
{
    return &m->cur_copy;
}

static machine_event step_event(proto_step_kind k)
{
    switch (k) {
    case PSTEP_PRELOAD: return ME_STEP_PRELOAD;
    case PSTEP_HOLD: return ME_STEP_HOLD;
    case PSTEP_UNLOAD: return ME_STEP_UNLOAD;
    default: return ME_STEP_MOTION;
    }
}

static machine_state step_state(proto_step_kind k)
{
    switch (k) {
    case PSTEP_PRELOAD: return MS_PRELOAD;
    case PSTEP_HOLD: return MS_HOLD;
    case PSTEP_UNLOAD: return MS_UNLOAD;
    default: return MS_RUNNING;
    }
}

/* End the test through the table: stop the crosshead, record why. */
static void end_test(machine *m, machine_cmd *cmd, machine_end why, const char *detail)
{
    set_end(m, why, detail && *detail ? "%s" : NULL, detail);
    state_set(m, ME_END);
    cmd->kind = MC_STOP;
    m->stop_cmd = false;
}

/* Advance to the next step (injected ones first). Returns false at the end. */
static bool next_step(machine *m)
{
    if (m->in_inject && m->iinject < m->ninject) {
        m->cur_copy = m->inject[m->iinject++];
    } else if (m->in_inject && m->after_inject == AFTER_END) {
        m->in_inject = false;
        return false;
    } else if (m->in_inject && m->after_inject == AFTER_RESUME) {
        m->in_inject = false;
        m->ninject = m->iinject = 0;
        m->cur_copy = m->interrupted; /* the step goes on from where it is */
    } else {
        if (m->in_inject) {
            m->in_inject = false;
            m->ninject = m->iinject = 0;
        }
        m->step++;
        if (m->step >= m->p->nsteps)
            return false;
        m->cur_copy = m->p->steps[m->step];
    }
    m->step_begun = false;
    m->motion_sent = false;
    m->xc_on = false;
    m->cycle_done = 0;
    m->cycle_up = true;
    m->cond_run = 0;
    return true;
}

/* Reactions to a detector event: queue their actions. Sets *stop when an
 * action stops the test. */
static int react(machine *m, proto_event ev, const char *stage, machine_cmd *cmd,
                 machine_note *notes, int maxn, int n, bool *stop)
{
    for (int i = 0; i < m->p->nreactions; i++) {
        const proto_reaction *r = &m->p->reaction[i];
        if (r->ev != ev || (ev == PEV_STAGE && strcmp(r->stage, stage)))
            continue;
        int ni = 0;
        for (int a = 0; a < r->nactions; a++) {
            switch (r->action[a]) {
            case PACT_STOP: *stop = true; break;
            case PACT_MARK: n = note(notes, maxn, n, MN_MARK, "%s", r->label); break;
            case PACT_NEXT: break;
            case PACT_HOLD:
            case PACT_UNLOAD:
            case PACT_RETURN:
                if (ni < MAX_INJECT) {
                    proto_step s;
                    memset(&s, 0, sizeof s);
                    s.line = r->line;
                    s.kind = r->action[a] == PACT_HOLD     ? PSTEP_HOLD
                             : r->action[a] == PACT_UNLOAD ? PSTEP_UNLOAD
                                                           : PSTEP_RETURN;
                    s.duration_s = r->duration_s[a];
                    s.rate_kind = PRATE_VELOCITY;
                    s.rate = m->last_rate > 0 ? m->last_rate : 1e-3 / 60;
                    s.target = 0;
                    m->inject[ni++] = s;
                }
                break;
            }
        }
        proto_action_kind last = r->nactions ? r->action[r->nactions - 1] : PACT_MARK;
        if (ni > 0 || last == PACT_NEXT) {
            /* the current step pauses (hold, mark: resumed afterwards) or
             * ends (next: then step + 1; unload, return: then the end) */
            m->after_inject = last == PACT_NEXT                          ? AFTER_NEXT
                              : last == PACT_UNLOAD || last == PACT_RETURN ? AFTER_END
                                                                         : AFTER_RESUME;
            if (!m->in_inject)
                m->interrupted = m->cur_copy;
            m->ninject = ni;
            m->iinject = 0;
            m->in_inject = true;
            if (!next_step(m)) {
                end_test(m, cmd, MEND_COMPLETE, NULL);
                return n;
            }
            state_set(m, step_event(current(m)->kind));
        }
    }
    return n;
}

/* Test-direction values of a raw sample under the current zero offsets;
 * returns the extension in the test direction (NAN without extensometer). */
static double update_values(machine *m, const machine_sample *s)
{
    m->v.t_s = s->t_s;
    m->v.force_N = m->d * (s->force_N - m->f0);
    m->v.position_m = m->d * (s->position_m - m->x0);
    m->v.stress_Pa = isfinite(m->area) && m->area > 0 ? m->v.force_N / m->area : NAN;
    /* eps = (x - C F) / L0: travel minus the frame's own deflection */
    double eps_xh = isfinite(m->length) && m->length > 0
                        ? (m->v.position_m - m->compliance * m->v.force_N) / m->length
                        : NAN;
    /* With an extensometer on the first sample, strain is its extension
     * over the gauge length, eps = d (e - e_s0) / L0 (ISO 6892-1 clause 3.5
     * and 10: strain on the extensometer's gauge length, no frame or grip
     * in it). When its reading goes (removed, fallen off, invalid) strain
     * goes on from the crosshead, offset so it is continuous at the switch:
     * eps = eps_xh + (eps_last - eps_xh(switch)). */
    if (m->strain_src == MSTRAIN_UNDECIDED)
        m->strain_src = isfinite(s->extension_m) && isfinite(m->length) && m->length > 0
                            ? MSTRAIN_EXTENSOMETER
                            : MSTRAIN_CROSSHEAD;
    if (m->strain_src == MSTRAIN_EXTENSOMETER && !isfinite(s->extension_m)) {
        m->strain_src = MSTRAIN_CROSSHEAD_AFTER_EXT;
        m->xh_match = isfinite(m->eps_last) ? m->eps_last - eps_xh : 0;
    }
    if (m->strain_src == MSTRAIN_EXTENSOMETER)
        m->v.strain = m->d * (s->extension_m - m->es0) / m->length;
    else if (m->strain_src == MSTRAIN_CROSSHEAD_AFTER_EXT)
        m->v.strain = eps_xh + m->xh_match;
    else
        m->v.strain = eps_xh;
    m->eps_last = m->v.strain;
    return isfinite(s->extension_m) ? m->d * (s->extension_m - m->e0) : NAN;
}

/* Aborts, faults and the operator's stop, before anything else of a feed.
 * Returns true when one was taken (the feed then only stops). */
static bool take_latches(machine *m, machine_cmd *cmd, machine_note *notes, int maxn, int *n)
{
    int why = atomic_exchange(&m->abort_latch, 0);
    if (why) {
        machine_end e = (machine_end)why;
        machine_state before = m->state;
        bool fault = machine_end_is_fault(e);
        if (state_set(m, fault ? ME_FAULT : ME_ABORT) && m->state != before) {
            set_end(m, e, m->abort_detail[0] ? "%s" : NULL, m->abort_detail);
            *n = note(notes, maxn, *n, MN_STATE, "%s: %s", machine_state_name(m->state),
                      m->end_reason);
        }
        cmd->kind = MC_STOP;
        m->stop_cmd = false;
        return true;
    }
    if (atomic_exchange(&m->stop_latch, 0)) {
        machine_state before = m->state;
        if (state_set(m, ME_STOP) && before != m->state) {
            if (m->state == MS_STOPPED)
                set_end(m, MEND_OPERATOR_STOP, NULL);
            *n = note(notes, maxn, *n, MN_STATE, "%s", machine_state_name(m->state));
        }
        cmd->kind = MC_STOP;
        m->stop_cmd = false;
        return true;
    }
    return false;
}

int machine_feed(machine *m, const machine_sample *s, machine_cmd *cmd, machine_note *notes,
                 int maxn)
{
    int n = 0;
    cmd->kind = MC_NONE;
    cmd->velocity_m_s = 0;
    cmd->position_m = NAN;

    double ext = update_values(m, s);
    /* Stiffness window of the force loop, raw in the test direction (zero
     * steps shift both axes; a slope does not see that). */
    ratectl_observe(&m->rc, s->t_s, m->d * s->position_m, m->d * s->force_N);
    /* ... and of the strain-rate loop on the extensometer: the extension
     * against the travel, whose slope dE/dx (< 1: the frame's and the
     * grips' share of the travel is not in it) is its "stiffness" */
    if (isfinite(s->extension_m))
        ratectl_observe(&m->xc, s->t_s, m->d * s->position_m, m->d * s->extension_m);

    /* Aborts and faults first, then the operator's stop: they win over
     * everything. */
    if (take_latches(m, cmd, notes, maxn, &n))
        return n;
    if (m->stop_cmd) {
        m->stop_cmd = false; /* an entry action (pause, end) asked for it */
        cmd->kind = MC_STOP;
        return n;
    }
    if (m->state != MS_RUNNING && m->state != MS_PRELOAD && m->state != MS_HOLD &&
        m->state != MS_UNLOAD)
        return n;

    if (!m->started) {
        m->started = true;
        m->t_start = s->t_s;
        m->start_pos = s->position_m;
        if (!next_step(m)) {
            end_test(m, cmd, MEND_NO_STEPS, NULL);
            return n;
        }
    }
    /* The state follows the step through the table (the first step, a
     * resume, which the table takes to RUNNING, a step after another). */
    if (m->state != step_state(current(m)->kind))
        state_set(m, step_event(current(m)->kind));

    /* Limits hold for the whole test, preload included. One exception is
     * physical: in compression the platen travels through air to the
     * specimen during a preload, and strain counts the specimen's
     * deformation, so a strain limit counts from the contact the detector
     * reports (before it there is no strain). A limit's own unload or
     * return reaction, once running, moves away from the limit and is not
     * stopped by it again (the rig's soft limits still apply). */
    bool preloading = current(m)->kind == PSTEP_PRELOAD;
    for (int i = 0; i < m->p->nlimits && !m->limit_reacting; i++) {
        const proto_limit *l = &m->p->limit[i];
        double q = quantity(m, l->q, ext);
        if (preloading && l->q == PQ_STRAIN && m->p->test == PTEST_COMPRESSION)
            q = m->contact_seen && isfinite(m->length) && m->length > 0
                    ? (m->d * (s->position_m - m->contact_x) - m->compliance * m->v.force_N) /
                          m->length
                    : NAN;
        if (isfinite(q) && !compare(q, l->op, l->value)) {
            char why[96];
            snprintf(why, sizeof why, "%s reached (line %d)", proto_quantity_name(l->q),
                     l->line);
            n = note(notes, maxn, n, MN_LIMIT, "limit %s", why);
            set_end(m, MEND_LIMIT, "%s", why);
            /* "on limit [mark ...] then unload | return": the reaction's
             * steps run, then the test ends (with the limit's reason) */
            bool stop = false;
            n = react(m, PEV_LIMIT, "", cmd, notes, maxn, n, &stop);
            if (m->in_inject && !stop && m->state != MS_DONE) {
                m->limit_reacting = true;
                cmd->kind = MC_STOP; /* now; the reaction's motion starts next sample */
                return n;
            }
            end_test(m, cmd, MEND_LIMIT, why);
            return n;
        }
    }

    /* Detector: the same code as offline analysis, fed while the protocol
     * loads the specimen. Unloading, returning and the down half of a cycle
     * drop the force on purpose: that is not a fracture. */
    const proto_step *cs = current(m);
    /* A hold at a force below the present one (after a preload's overshoot,
     * say) brings the force down on purpose, as an unload does. */
    if (!m->step_begun) /* a step begun in this feed: see the steps below */
        m->hold_down = cs->kind == PSTEP_HOLD && cs->hold_at_force && cs->target < m->v.force_N;
    bool loading = cs->kind == PSTEP_PRELOAD || cs->kind == PSTEP_RAMP ||
                   (cs->kind == PSTEP_HOLD && !m->hold_down) || cs->kind == PSTEP_ZERO ||
                   (cs->kind == PSTEP_CYCLE && m->cycle_up);
    /* A new loading phase after an unloading one (the next cycle, a step
     * after an unload) starts a fresh detector: its running peak belongs to
     * the previous load, and a fall from it is not a fracture. */
    if (loading && !m->was_loading && m->started_loading)
        detect_reset(m->det);
    if (loading)
        m->started_loading = true;
    m->was_loading = loading;
    detect_event ev[8];
    int ne = !loading ? 0
                      : detect_feed(m->det, s->t_s,
                                    isfinite(m->v.strain) ? m->v.strain : m->v.position_m,
                                    isfinite(m->v.stress_Pa) ? m->v.stress_Pa : m->v.force_N,
                                    m->v.force_N, ev, 8);
    bool stop = false;
    for (int i = 0; i < ne; i++) {
        detect_kind k = ev[i].kind;
        m->seen[k] = true;
        const char *name = detect_kind_name(k);
        if (k == DET_FRACTURE) {
            m->fractured = true;
            n = note(notes, maxn, n, MN_FRACTURE, "%s", ev[i].rule ? ev[i].rule : "");
            n = react(m, PEV_FRACTURE, "", cmd, notes, maxn, n, &stop);
            /* A broken specimen ends the test unless the protocol says
             * "on fracture ... next"; without a reaction the default is to
             * stop (nothing left to test, fixture at risk). */
            if (proto_event_ends_test(m->p, PEV_FRACTURE, NULL, NULL))
                stop = true;
        } else if (k == DET_CONTACT) {
            if (!m->contact_seen) {
                m->contact_seen = true;
                m->contact_x = s->position_m;
            }
            n = note(notes, maxn, n, MN_STAGE, "%s", name);
            n = react(m, PEV_CONTACT, "", cmd, notes, maxn, n, &stop);
        } else if (k == DET_MAX) {
            n = react(m, PEV_MAX, "", cmd, notes, maxn, n, &stop);
        } else {
            snprintf(m->stage, sizeof m->stage, "%s", name);
            n = note(notes, maxn, n, MN_STAGE, "%s", name);
            n = react(m, PEV_STAGE, name, cmd, notes, maxn, n, &stop);
        }
        if (m->state == MS_DONE)
            return n;
    }
    if (stop) {
        machine_end why = m->fractured ? MEND_FRACTURE : MEND_STOP_REACTION;
        n = note(notes, maxn, n, MN_END, "%s", machine_end_name(why));
        end_test(m, cmd, why, NULL);
        return n;
    }

    /* The current step. Zero steps complete in the sample they start in,
     * so several in a row take one sample each. */
    for (int guard = 0; guard < 4; guard++) {
        const proto_step *st = current(m);
        if (!m->step_begun) {
            m->step_begun = true;
            m->step_t0 = s->t_s;
            m->hold_down =
                st->kind == PSTEP_HOLD && st->hold_at_force && st->target < m->v.force_N;
            n = note(notes, maxn, n, MN_STEP, "%d %s", m->in_inject ? -1 : m->step + 1,
                     proto_step_name(st->kind));
        }
        bool done = false;
        double tstep = s->t_s - m->step_t0;
        double F = m->v.force_N;
        switch (st->kind) {
        case PSTEP_ZERO:
            if (st->zero_mask & PZERO_POSITION)
                m->x0 = s->position_m;
            /* the strain's zero is where position or extension is zeroed */
            if ((st->zero_mask & (PZERO_POSITION | PZERO_EXTENSION)) && isfinite(s->extension_m))
                m->es0 = s->extension_m;
            if (st->zero_mask & PZERO_POSITION)
                m->xh_match = 0;
            if (st->zero_mask & PZERO_FORCE) {
                m->f0 = s->force_N;
                /* The detector's peak and baseline are in the old zero: a
                 * grip weight zeroed at rest would read as a drop from its
                 * peak, a fracture before any contact (issue 21). */
                detect_reset(m->det);
            }
            if ((st->zero_mask & PZERO_EXTENSION) && isfinite(s->extension_m))
                m->e0 = s->extension_m;
            ext = update_values(m, s); /* later steps in this feed see the new zero */
            done = true;
            break;
        case PSTEP_PRELOAD:
            if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * step_speed(m, st);
                m->motion_sent = true;
            }
            done = level_held(m, F >= st->target);
            break;
        case PSTEP_RAMP:
            if (force_rate(st)) {
                if (!m->motion_sent)
                    ratectl_begin_rate(&m->rc, s->t_s, m->d * s->force_N, force_rate_N_s(m, st), +1);
                m->motion_sent = true;
                double v = ratectl_speed(&m->rc, s->t_s, m->d * s->force_N);
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * v;
                m->last_rate = fabs(v);
            } else if (ext_rate(st) && m->strain_src == MSTRAIN_EXTENSOMETER) {
                /* ISO 6892-1 method A1, closed loop: the extension follows
                 * E*(t) = E_a + e' L0 (t - t_a) (ratectl.h's law with the
                 * extension for the force and dE/dx for the stiffness) */
                double e = m->d * s->extension_m;
                if (!m->motion_sent) {
                    m->xc_ef = e;
                    ratectl_begin_rate(&m->xc, s->t_s, e, st->rate * m->length, +1);
                } else {
                    /* An extensometer's noise is of the order of a slow
                     * rate's travel in one loop time constant (0.05 um vs
                     * 5 um/s x 20 ms): fed raw, the loop's speed swings
                     * below zero, is clamped there and the mean rate comes
                     * out high. The loop sees the extension through a
                     * first-order low-pass, e_f += (1 - exp(-dt/T)) (e - e_f),
                     * T = XC_FILTER_S, and counts T as loop delay (tau >= 3 T). */
                    double dt = s->t_s - m->xc_t;
                    m->xc_ef += (dt > 0 ? 1 - exp(-dt / XC_FILTER_S) : 0) * (e - m->xc_ef);
                }
                m->xc_t = s->t_s;
                ratectl_set_delay(&m->xc, XC_FILTER_S);
                m->motion_sent = m->xc_on = true;
                double v = ratectl_speed(&m->xc, s->t_s, m->xc_ef);
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * v;
                m->last_rate = fabs(v);
            } else if (!m->motion_sent || m->xc_on) {
                /* (also when the extensometer went mid-ramp: the rate goes
                 * on as a crosshead speed, e' L0) */
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * step_speed(m, st);
                m->last_rate = step_speed(m, st);
                m->motion_sent = true;
                m->xc_on = false;
            }
            done = cond_held(m, &st->until, ext);
            break;
        case PSTEP_HOLD:
            if (st->hold_at_force) {
                /* the force loop with r = 0 holds the target */
                if (!m->motion_sent)
                    ratectl_begin_hold(&m->rc, s->t_s, m->d * m->f0 + st->target);
                m->motion_sent = true;
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * ratectl_speed(&m->rc, s->t_s, m->d * s->force_N);
            } else if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = 0;
                m->motion_sent = true;
            }
            done = cond_held(m, &st->until, ext) ||
                   (st->duration_s > 0 && tstep >= st->duration_s);
            break;
        case PSTEP_CYCLE: {
            double q = quantity(m, st->level_q, ext);
            /* At a force rate r with a loop delay D the force goes on for
             * r D after the reversal is decided: decide that much earlier
             * (a force or stress level; the delay of a loaded host) */
            double lead = 0;
            if (force_rate(st) && (st->level_q == PQ_FORCE || st->level_q == PQ_STRESS)) {
                lead = force_rate_N_s(m, st) * ratectl_delay(&m->rc);
                if (st->level_q == PQ_STRESS)
                    lead = m->area > 0 ? lead / m->area : 0;
                lead = fmin(lead, 0.25 * (st->hi - st->lo));
            }
            bool reverse = m->motion_sent && ((m->cycle_up && q >= st->hi - lead) ||
                                              (!m->cycle_up && q <= st->lo + lead));
            if (reverse) {
                if (!m->cycle_up)
                    m->cycle_done++;
                m->cycle_up = !m->cycle_up;
            }
            if (m->cycle_done >= st->count) {
                done = true;
                cmd->kind = MC_VELOCITY; /* the last half ends at lo: stand still */
                cmd->velocity_m_s = 0;
                break;
            }
            if (force_rate(st)) {
                if (!m->motion_sent || reverse)
                    ratectl_begin_rate(&m->rc, s->t_s, m->d * s->force_N, force_rate_N_s(m, st),
                                       m->cycle_up ? +1 : -1);
                double v = ratectl_speed(&m->rc, s->t_s, m->d * s->force_N);
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * v;
                m->last_rate = fabs(v);
            } else if (!m->motion_sent || reverse) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * (m->cycle_up ? 1 : -1) * step_speed(m, st);
                m->last_rate = step_speed(m, st);
            }
            m->motion_sent = true;
            break;
        }
        case PSTEP_UNLOAD:
            if (force_rate(st)) {
                if (!m->motion_sent)
                    ratectl_begin_rate(&m->rc, s->t_s, m->d * s->force_N, force_rate_N_s(m, st), -1);
                m->motion_sent = true;
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * ratectl_speed(&m->rc, s->t_s, m->d * s->force_N);
            } else if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = -m->d * step_speed(m, st);
                m->motion_sent = true;
            }
            done = st->until.nclauses > 0 ? cond_held(m, &st->until, ext) || F <= st->target
                                          : level_held(m, F <= st->target);
            break;
        case PSTEP_RETURN:
            if (!m->motion_sent) {
                cmd->kind = MC_POSITION;
                cmd->position_m = m->start_pos;
                cmd->velocity_m_s = step_speed(m, st);
                m->motion_sent = true;
            }
            done = fabs(s->position_m - m->start_pos) < 2e-6;
            break;
        }
        if (!done)
            break;
        if (!next_step(m)) {
            n = note(notes, maxn, n, MN_END, "%s", machine_end_name(MEND_COMPLETE));
            end_test(m, cmd, MEND_COMPLETE, NULL);
            return n;
        }
        state_set(m, step_event(current(m)->kind));
        if (cmd->kind != MC_NONE)
            break; /* one command per sample; the next step starts next feed */
    }
    return n;
}
