/* machine.c — the test state machine; see machine.h.
 *
 * One feed = one sample: honour a latched operator stop, check limits, run
 * the detector, fire reactions, advance the current step, and return at most
 * one command. A fracture stop is returned in the feed of the sample in which
 * the detector reports the fracture, so it reaches the drive within one
 * sample period.
 *
 * Force-rate control (ramp at N/s): a software loop on crosshead velocity,
 *   v = (r + (F*(t) - F) / tau) / k,
 * with F*(t) = F_start + r t the force trajectory, tau = 0.2 s the loop time
 * constant and k the specimen+frame stiffness dF/dx estimated online from
 * the last samples (least squares over a sliding window). With k exact the
 * force error decays as exp(-t/tau); a k estimate off by a factor q only
 * rescales the loop gain by q, stable for any q < 2 tau / T_sample.
 */
#include "machine.h"

#include "../common/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- table */

#define X (-1)
static const signed char table[MS_NSTATES][ME_NEVENTS] = {
    /*            ARM        START       S_PRE       S_MOT       S_HOLD   S_UNL      END      PAUSE      RESUME      STOP        FAULT     ACK         RESET */
    [MS_IDLE] = {MS_ARMED, X, X, X, X, X, X, X, X, MS_IDLE, MS_FAULT, X, MS_IDLE},
    [MS_ARMED] = {MS_ARMED, MS_RUNNING, X, X, X, X, MS_DONE, X, X, MS_IDLE, MS_FAULT, X, MS_IDLE},
    [MS_PRELOAD] = {X, X, MS_PRELOAD, MS_RUNNING, MS_HOLD, MS_UNLOAD, MS_DONE, MS_PAUSED, X,
                    MS_STOPPED, MS_FAULT, X, X},
    [MS_RUNNING] = {X, X, MS_PRELOAD, MS_RUNNING, MS_HOLD, MS_UNLOAD, MS_DONE, MS_PAUSED, X,
                    MS_STOPPED, MS_FAULT, X, X},
    [MS_HOLD] = {X, X, MS_PRELOAD, MS_RUNNING, MS_HOLD, MS_UNLOAD, MS_DONE, MS_PAUSED, X,
                 MS_STOPPED, MS_FAULT, X, X},
    [MS_UNLOAD] = {X, X, MS_PRELOAD, MS_RUNNING, MS_HOLD, MS_UNLOAD, MS_DONE, MS_PAUSED, X,
                   MS_STOPPED, MS_FAULT, X, X},
    [MS_DONE] = {X, X, X, X, X, X, MS_DONE, X, X, MS_DONE, MS_FAULT, X, MS_IDLE},
    [MS_PAUSED] = {X, X, X, X, X, X, MS_DONE, MS_PAUSED, MS_RUNNING, MS_STOPPED, MS_FAULT, X,
                   X},
    [MS_STOPPED] = {X, X, X, X, X, X, X, X, X, MS_STOPPED, MS_FAULT, X, MS_IDLE},
    [MS_FAULT] = {X, X, X, X, X, X, X, X, X, MS_FAULT, MS_FAULT, MS_STOPPED, X},
};
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
                              "fault", "ack", "reset"};
    return (int)e >= 0 && e < ME_NEVENTS ? n[e] : "?";
}

/* --------------------------------------------------------------- machine */

#define KWIN 64 /* samples in the stiffness estimate */
/* What follows a reaction's injected steps (docs/protocols.md, reactions):
 * a last action unload/return ends the test, next goes on with the next
 * step, mark/hold resume the interrupted step. */
enum { AFTER_NEXT = 0, AFTER_RESUME, AFTER_END };
#define MAX_INJECT 8

struct machine {
    const protocol *p;
    detect *det;
    machine_state state;
    machine_state paused_from;
    atomic_int stop_latch;   /* operator stop requested (any thread) */
    char end_reason[128];
    char fault_reason[128];
    bool failed;
    bool fault_pending;
    double d;                /* test direction: +1 tensile, -1 compression */
    double x0, f0, e0;       /* software zero (raw) */
    double start_pos;        /* raw position at start (for return) */
    double area, length;     /* m^2, m (gauge length or height) */
    double compliance;       /* m/N, frame deflection per newton */

    int step;                /* index into p->steps, -1 before start */
    bool step_begun;
    double step_t0;
    double step_f0;          /* force at step start (force-rate ramps) */
    int cycle_done;
    bool cycle_up;
    bool motion_sent;

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

    /* stiffness estimate ring */
    double kx[KWIN], kf[KWIN];
    int kn, ki;

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
    atomic_init(&m->stop_latch, 0);
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

static bool apply(machine *m, machine_event e)
{
    int n = machine_transition(m->state, e);
    if (n < 0)
        return false;
    m->state = (machine_state)n;
    return true;
}

int machine_request(machine *m, machine_event e)
{
    if (e == ME_STOP) {
        /* Latched: taken at the next feed, whatever the step is doing. */
        atomic_store(&m->stop_latch, 1);
        return RIGOR_OK;
    }
    if (e == ME_PAUSE && machine_transition(m->state, e) >= 0) {
        machine_state from = m->state;
        apply(m, e);
        if (from != MS_PAUSED)
            m->paused_from = from;
        m->motion_sent = false;
        return RIGOR_OK;
    }
    if (e == ME_RESUME && m->state == MS_PAUSED) {
        m->state = m->paused_from;
        m->motion_sent = false; /* re-issue the step's motion */
        return RIGOR_OK;
    }
    if (e == ME_START && m->state == MS_ARMED) {
        apply(m, e);
        m->step = -1;
        m->step_begun = false;
        return RIGOR_OK;
    }
    if (e == ME_ACK && m->state == MS_FAULT) {
        apply(m, e);
        return RIGOR_OK;
    }
    if (e == ME_ARM || e == ME_RESET) {
        if (!apply(m, e))
            return RIGOR_ESTATE;
        if (e == ME_RESET) {
            detect_reset(m->det);
            memset(m->seen, 0, sizeof m->seen);
            m->fractured = m->failed = false;
            m->end_reason[0] = m->stage[0] = '\0';
            m->step = -1;
            m->started = false;
            m->ninject = m->iinject = 0;
            m->in_inject = false;
        }
        return RIGOR_OK;
    }
    return RIGOR_ESTATE;
}

void machine_fault(machine *m, const char *reason)
{
    snprintf(m->fault_reason, sizeof m->fault_reason, "%s", reason ? reason : "fault");
    m->fault_pending = true;
}

machine_state machine_state_of(const machine *m) { return m->state; }
int machine_step(const machine *m) { return m->step; }
const char *machine_end_reason(const machine *m) { return m->end_reason; }
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

static int note(machine_note *notes, int maxn, int n, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int note(machine_note *notes, int maxn, int n, const char *kind, const char *fmt, ...)
{
    if (n >= maxn)
        return n;
    snprintf(notes[n].kind, sizeof notes[n].kind, "%s", kind);
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

/* Crosshead speed (m/s, magnitude) of a step's rate. */
static double step_speed(const machine *m, const proto_step *s)
{
    if (s->rate_kind == PRATE_STRAIN)
        return s->rate * m->length; /* strain rate x gauge length (or height) */
    return s->rate;
}

/* Online stiffness dF/dx (N/m, test direction) by least squares over the
 * last KWIN samples; NAN until the window spans a measurable travel. */
static double stiffness(const machine *m)
{
    if (m->kn < 8)
        return NAN;
    double mx = 0, mf = 0;
    for (int i = 0; i < m->kn; i++) {
        mx += m->kx[i];
        mf += m->kf[i];
    }
    mx /= m->kn;
    mf /= m->kn;
    double sxx = 0, sxf = 0;
    for (int i = 0; i < m->kn; i++) {
        sxx += (m->kx[i] - mx) * (m->kx[i] - mx);
        sxf += (m->kx[i] - mx) * (m->kf[i] - mf);
    }
    if (sxx < 1e-18 * m->kn) /* less than ~1 nm of spread */
        return NAN;
    double k = sxf / sxx;
    return k > 0 ? k : NAN;
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

/* End the test: stop the crosshead, record why. */
static void end_test(machine *m, machine_cmd *cmd, const char *why, bool failed)
{
    if (!m->end_reason[0])
        snprintf(m->end_reason, sizeof m->end_reason, "%s", why);
    m->failed = m->failed || failed;
    apply(m, ME_END);
    cmd->kind = MC_STOP;
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
    m->cycle_done = 0;
    m->cycle_up = true;
    return true;
}

/* Reactions to a detector event: queue their actions. Returns true when an
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
            case PACT_MARK: n = note(notes, maxn, n, "mark", "%s", r->label); break;
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
                end_test(m, cmd, "protocol complete", false);
                return n;
            }
            apply(m, step_event(current(m)->kind));
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
    m->v.strain = isfinite(m->length) && m->length > 0
                      ? (m->v.position_m - m->compliance * m->v.force_N) / m->length
                      : NAN;
    return isfinite(s->extension_m) ? m->d * (s->extension_m - m->e0) : NAN;
}

int machine_feed(machine *m, const machine_sample *s, machine_cmd *cmd, machine_note *notes,
                 int maxn)
{
    int n = 0;
    cmd->kind = MC_NONE;
    cmd->velocity_m_s = 0;
    cmd->position_m = NAN;

    double ext = update_values(m, s);

    /* Faults first, then the operator's stop: both win over everything. */
    if (m->fault_pending) {
        m->fault_pending = false;
        if (apply(m, ME_FAULT)) {
            n = note(notes, maxn, n, "state", "FAULT: %s", m->fault_reason);
            if (!m->end_reason[0])
                snprintf(m->end_reason, sizeof m->end_reason, "fault: %.100s", m->fault_reason);
        }
        cmd->kind = MC_STOP;
        return n;
    }
    if (atomic_exchange(&m->stop_latch, 0)) {
        machine_state before = m->state;
        if (apply(m, ME_STOP) && before != m->state) {
            n = note(notes, maxn, n, "state", "%s", machine_state_name(m->state));
            if (!m->end_reason[0] && m->state == MS_STOPPED)
                snprintf(m->end_reason, sizeof m->end_reason, "operator stop");
        }
        cmd->kind = MC_STOP;
        return n;
    }
    if (m->state == MS_PAUSED) {
        if (!m->motion_sent) {
            cmd->kind = MC_STOP;
            m->motion_sent = true;
        }
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
            end_test(m, cmd, "protocol has no steps", false);
            return n;
        }
        apply(m, step_event(current(m)->kind));
    }

    /* Stiffness window (test direction). */
    m->kx[m->ki] = m->v.position_m;
    m->kf[m->ki] = m->v.force_N;
    m->ki = (m->ki + 1) % KWIN;
    if (m->kn < KWIN)
        m->kn++;

    /* Limits hold for the whole test, except that travel-based limits
     * (strain, position, extension) wait out a preload step: a preload
     * closes the gap to the specimen, is ended by force, and its travel is
     * not specimen deformation (the rig's travel limits still apply). */
    bool preloading = current(m)->kind == PSTEP_PRELOAD;
    for (int i = 0; i < m->p->nlimits; i++) {
        const proto_limit *l = &m->p->limit[i];
        if (preloading && (l->q == PQ_STRAIN || l->q == PQ_POSITION || l->q == PQ_EXTENSION))
            continue;
        double q = quantity(m, l->q, ext);
        if (isfinite(q) && !compare(q, l->op, l->value)) {
            char why[96];
            snprintf(why, sizeof why, "limit %s reached (line %d)", proto_quantity_name(l->q),
                     l->line);
            n = note(notes, maxn, n, "limit", "%s", why);
            end_test(m, cmd, why, true);
            return n;
        }
    }

    /* Detector: the same code as offline analysis, fed while the protocol
     * loads the specimen. Unloading, returning and the down half of a cycle
     * drop the force on purpose: that is not a fracture. */
    const proto_step *cs = current(m);
    bool loading = cs->kind == PSTEP_PRELOAD || cs->kind == PSTEP_RAMP ||
                   cs->kind == PSTEP_HOLD || cs->kind == PSTEP_ZERO ||
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
    int ne = !loading ? 0 : detect_feed(m->det, s->t_s, isfinite(m->v.strain) ? m->v.strain : m->v.position_m,
                         isfinite(m->v.stress_Pa) ? m->v.stress_Pa : m->v.force_N,
                         m->v.force_N, ev, 8);
    bool stop = false;
    for (int i = 0; i < ne; i++) {
        detect_kind k = ev[i].kind;
        m->seen[k] = true;
        const char *name = detect_kind_name(k);
        if (k == DET_FRACTURE) {
            m->fractured = true;
            n = note(notes, maxn, n, "fracture", "%s", ev[i].rule ? ev[i].rule : "");
            n = react(m, PEV_FRACTURE, "", cmd, notes, maxn, n, &stop);
            /* A broken specimen ends the test unless the protocol says
             * "on fracture ... next"; without a reaction the default is to
             * stop (nothing left to test, fixture at risk). */
            if (proto_event_ends_test(m->p, PEV_FRACTURE, NULL, NULL))
                stop = true;
        } else if (k == DET_CONTACT) {
            n = note(notes, maxn, n, "stage", "%s", name);
            n = react(m, PEV_CONTACT, "", cmd, notes, maxn, n, &stop);
        } else if (k == DET_MAX) {
            n = react(m, PEV_MAX, "", cmd, notes, maxn, n, &stop);
        } else {
            snprintf(m->stage, sizeof m->stage, "%s", name);
            n = note(notes, maxn, n, "stage", "%s", name);
            n = react(m, PEV_STAGE, name, cmd, notes, maxn, n, &stop);
        }
        if (m->state == MS_DONE)
            return n;
    }
    if (stop) {
        n = note(notes, maxn, n, "end", "%s", m->fractured ? "fracture" : "stop reaction");
        end_test(m, cmd, m->fractured ? "fracture" : "stop reaction", false);
        return n;
    }

    /* The current step. Zero steps complete in the sample they start in,
     * so several in a row take one sample each. */
    for (int guard = 0; guard < 4; guard++) {
        const proto_step *st = current(m);
        if (!m->step_begun) {
            m->step_begun = true;
            m->step_t0 = s->t_s;
            m->step_f0 = m->v.force_N;
            n = note(notes, maxn, n, "step", "%d %s", m->in_inject ? -1 : m->step + 1,
                     proto_step_name(st->kind));
        }
        bool done = false;
        double tstep = s->t_s - m->step_t0;
        switch (st->kind) {
        case PSTEP_ZERO:
            if (st->zero_mask & PZERO_POSITION)
                m->x0 = s->position_m;
            if (st->zero_mask & PZERO_FORCE) {
                m->f0 = s->force_N;
                /* The detector's peak and baseline are in the old zero: a
                 * grip weight zeroed at rest would read as a drop from its
                 * peak, a fracture before any contact (issue 21). */
                detect_reset(m->det);
            }
            if ((st->zero_mask & PZERO_EXTENSION) && isfinite(s->extension_m))
                m->e0 = s->extension_m;
            m->kn = m->ki = 0;
            ext = update_values(m, s); /* later steps in this feed see the new zero */
            done = true;
            break;
        case PSTEP_PRELOAD:
            if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * step_speed(m, st);
                m->motion_sent = true;
            }
            done = m->v.force_N >= st->target;
            break;
        case PSTEP_RAMP:
            if (st->rate_kind == PRATE_FORCE) {
                double k = stiffness(m);
                double fstar = m->step_f0 + st->rate * tstep;
                double v;
                if (!isfinite(k)) /* probe slowly until the stiffness shows */
                    v = m->last_rate > 0 ? m->last_rate : 1e-6;
                else
                    v = (st->rate + (fstar - m->v.force_N) / 0.2) / k;
                if (v < 0)
                    v = 0; /* ramps never reverse */
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * v;
            } else if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * step_speed(m, st);
                m->last_rate = step_speed(m, st);
                m->motion_sent = true;
            }
            done = st->until.nclauses > 0 && cond_true(m, &st->until, ext);
            break;
        case PSTEP_HOLD:
            if (st->hold_at_force) {
                /* P loop holding the force: v = (F_target - F) / (tau k) */
                double k = stiffness(m);
                double v = isfinite(k) ? (st->target - m->v.force_N) / (0.2 * k) : 0;
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * v;
            } else if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = 0;
                m->motion_sent = true;
            }
            done = (st->duration_s > 0 && tstep >= st->duration_s) ||
                   (st->until.nclauses > 0 && cond_true(m, &st->until, ext));
            break;
        case PSTEP_CYCLE: {
            double q = quantity(m, st->level_q, ext);
            if (!m->motion_sent || (m->cycle_up && q >= st->hi) ||
                (!m->cycle_up && q <= st->lo)) {
                if (m->motion_sent) {
                    if (!m->cycle_up)
                        m->cycle_done++;
                    m->cycle_up = !m->cycle_up;
                }
                m->motion_sent = true;
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = m->d * (m->cycle_up ? 1 : -1) * step_speed(m, st);
                m->last_rate = step_speed(m, st);
            }
            done = m->cycle_done >= st->count;
            break;
        }
        case PSTEP_UNLOAD:
            if (!m->motion_sent) {
                cmd->kind = MC_VELOCITY;
                cmd->velocity_m_s = -m->d * step_speed(m, st);
                m->motion_sent = true;
            }
            done = m->v.force_N <= st->target ||
                   (st->until.nclauses > 0 && cond_true(m, &st->until, ext));
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
            n = note(notes, maxn, n, "end", "protocol complete");
            end_test(m, cmd, "protocol complete", false);
            return n;
        }
        apply(m, step_event(current(m)->kind));
        if (cmd->kind != MC_NONE)
            break; /* one command per sample; the next step starts next feed */
    }
    return n;
}
