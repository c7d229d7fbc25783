/* test_machine.c — the test state machine on a plant model written here.
 *
 * 1. The transition table, every state x event pair, against an expected
 *    table written independently below as allowed transitions.
 * 2. Closed loop with a tiny plant (crosshead integrates the velocity
 *    command at 1 kHz; force = k x until a break strain, then 0; Gaussian
 *    noise): fracture stop latency, limits, pause/resume, stop races,
 *    faults, reactions, zero steps and force-rate control stability.
 */
#include "../analysis/numeric.h"
#include "../common/error.h"
#include "../protocols/machine.h"
#include "harness.h"

#include <stdint.h>

/* ------------------------------------------------ 1. the table, exhaustively */

typedef struct {
    machine_state s;
    machine_event e;
    machine_state to;
} allowed;

static const allowed expected[] = {
    {MS_IDLE, ME_ARM, MS_ARMED},        {MS_IDLE, ME_STOP, MS_IDLE},
    {MS_IDLE, ME_FAULT, MS_FAULT},      {MS_IDLE, ME_RESET, MS_IDLE},
    {MS_ARMED, ME_ARM, MS_ARMED},       {MS_ARMED, ME_START, MS_RUNNING},
    {MS_ARMED, ME_STOP, MS_IDLE},
    {MS_ARMED, ME_FAULT, MS_FAULT},     {MS_ARMED, ME_RESET, MS_IDLE},
    /* the four active states share one row */
    {MS_DONE, ME_STOP, MS_DONE},
    {MS_DONE, ME_FAULT, MS_FAULT},      {MS_DONE, ME_RESET, MS_IDLE},
    {MS_PAUSED, ME_PAUSE, MS_PAUSED},
    {MS_PAUSED, ME_RESUME, MS_RUNNING}, {MS_PAUSED, ME_STOP, MS_STOPPED},
    {MS_PAUSED, ME_FAULT, MS_FAULT},    {MS_STOPPED, ME_STOP, MS_STOPPED},
    {MS_STOPPED, ME_FAULT, MS_FAULT},   {MS_STOPPED, ME_RESET, MS_IDLE},
    {MS_FAULT, ME_STOP, MS_FAULT},      {MS_FAULT, ME_FAULT, MS_FAULT},
    {MS_FAULT, ME_ACK, MS_STOPPED},
    /* the session's own end (timeout, signal): a final state with its reason */
    {MS_ARMED, ME_ABORT, MS_STOPPED},   {MS_DONE, ME_ABORT, MS_DONE},
    {MS_PAUSED, ME_ABORT, MS_STOPPED},  {MS_STOPPED, ME_ABORT, MS_STOPPED},
    {MS_FAULT, ME_ABORT, MS_FAULT},
};

static int expected_next(machine_state s, machine_event e)
{
    if (s == MS_PRELOAD || s == MS_RUNNING || s == MS_HOLD || s == MS_UNLOAD) {
        switch (e) {
        case ME_STEP_PRELOAD: return MS_PRELOAD;
        case ME_STEP_MOTION: return MS_RUNNING;
        case ME_STEP_HOLD: return MS_HOLD;
        case ME_STEP_UNLOAD: return MS_UNLOAD;
        case ME_END: return MS_DONE;
        case ME_PAUSE: return MS_PAUSED;
        case ME_STOP: return MS_STOPPED;
        case ME_FAULT: return MS_FAULT;
        case ME_ABORT: return MS_STOPPED;
        default: return -1;
        }
    }
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (expected[i].s == s && expected[i].e == e)
            return expected[i].to;
    return -1;
}

static void test_table_complete(void)
{
    int pairs = 0;
    for (int s = 0; s < MS_NSTATES; s++)
        for (int e = 0; e < ME_NEVENTS; e++) {
            int got = machine_transition((machine_state)s, (machine_event)e);
            int want = expected_next((machine_state)s, (machine_event)e);
            CHECK(got == want, "%s x %s -> %d, want %d", machine_state_name((machine_state)s),
                  machine_event_name((machine_event)e), got, want);
            pairs++;
        }
    CHECK(pairs == MS_NSTATES * ME_NEVENTS, "pairs %d", pairs);
    /* Safety properties of the table itself. */
    for (int s = 0; s < MS_NSTATES; s++) {
        CHECK(machine_transition((machine_state)s, ME_STOP) >= 0, "STOP refused in %s",
              machine_state_name((machine_state)s));
        CHECK(machine_transition((machine_state)s, ME_FAULT) == MS_FAULT,
              "FAULT not honoured in %s", machine_state_name((machine_state)s));
    }
    /* Only ACK leaves FAULT, and never back into motion. */
    for (int e = 0; e < ME_NEVENTS; e++) {
        int n = machine_transition(MS_FAULT, (machine_event)e);
        CHECK(n < 0 || n == MS_FAULT || (e == ME_ACK && n == MS_STOPPED),
              "FAULT x %s -> %d", machine_event_name((machine_event)e), n);
    }
}

/* ------------------------------------------------------------ 2. the plant */


static uint64_t rs = 0x2545F4914F6CDD1Dull;
static double gauss(void)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        rs ^= rs >> 12;
        rs ^= rs << 25;
        rs ^= rs >> 27;
        u[i] = ((rs * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
    }
    return sqrt(-2 * log(u[0] + 1e-300)) * cos(2 * M_PI * u[1]);
}

typedef struct {
    double t, x, v;   /* s, m, m/s (raw, + up) */
    double k;         /* N/m */
    double x_break;   /* m of specimen extension at fracture (tension); 0 = never */
    double gap;       /* compression: travel before contact, m */
    bool compression, broken;
    double noise;     /* N */
    double target_x;  /* position mode target */
    bool pos_mode;
    int stop_at;      /* sample index of the first MC_STOP, -1 */
} plant;

static double plant_force(plant *p)
{
    if (p->compression) {
        double d = -p->x - p->gap; /* downward travel past contact */
        return d > 0 ? -p->k * d : 0;
    }
    if (p->x_break > 0 && p->x >= p->x_break)
        p->broken = true;
    return p->broken ? 0 : p->k * (p->x > 0 ? p->x : 0);
}

static void plant_apply(plant *p, const machine_cmd *c, int i)
{
    if (c->kind == MC_VELOCITY) {
        p->v = c->velocity_m_s;
        p->pos_mode = false;
    } else if (c->kind == MC_STOP) {
        p->v = 0;
        p->pos_mode = false;
        if (p->stop_at < 0)
            p->stop_at = i;
    } else if (c->kind == MC_POSITION) {
        p->pos_mode = true;
        p->target_x = c->position_m;
        p->v = c->velocity_m_s;
    }
}

static void plant_step(plant *p, double dt)
{
    if (p->pos_mode) {
        double d = p->target_x - p->x, step = fabs(p->v) * dt;
        p->x = fabs(d) <= step ? p->target_x : p->x + (d > 0 ? step : -step);
    } else {
        p->x += p->v * dt;
    }
    p->t += dt;
}

static protocol *proto_new(proto_test test)
{
    protocol *p = calloc(1, sizeof *p);
    p->test = test;
    curve_geom_clear(&p->geom);
    p->geom.width_m = 10e-3;
    p->geom.thickness_m = 40e-6;
    p->geom.gauge_m = 20e-3;
    p->geom.height_m = 0.6e-3;
    p->area_m2 = curve_geom_area(&p->geom);
    p->length0_m = test == PTEST_COMPRESSION ? p->geom.height_m : p->geom.gauge_m;
    p->steps = calloc(16, sizeof *p->steps);
    return p;
}

static proto_step *add_step(protocol *p, proto_step_kind k, double rate)
{
    proto_step *s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    s->kind = k;
    s->rate = rate;
    s->rate_kind = PRATE_VELOCITY;
    s->line = p->nsteps;
    return s;
}

static void until_event(proto_step *s, proto_event ev, const char *stage)
{
    int c = s->until.nclauses++;
    s->until.natoms[c] = 1;
    s->until.atom[c][0].is_event = true;
    s->until.atom[c][0].ev = ev;
    if (stage)
        snprintf(s->until.atom[c][0].stage, sizeof s->until.atom[c][0].stage, "%s", stage);
}

static void until_cmp(proto_step *s, proto_quantity q, proto_op op, double v)
{
    int c = s->until.nclauses++;
    s->until.natoms[c] = 1;
    s->until.atom[c][0].q = q;
    s->until.atom[c][0].op = op;
    s->until.atom[c][0].value = v;
}

static void proto_release(protocol *p)
{
    free(p->steps);
    free(p);
}

/* ---------------------------------- 1b. the real machine through the table
 *
 * For every (state, event) pair: bring a real machine into the state through
 * its public calls, cause the event the way it happens in a run (an operator
 * request, a latched stop, a fault, a session abort, or a step that ends and
 * the next step's kind), and check the state it lands in is the table's (or
 * unchanged where the table refuses). */

/* A one- or two-step protocol: the first step puts the machine in state s
 * and, with `finish`, ends at once; the second (kind of event e) never
 * ends. */
static void first_step(proto_step *st, machine_state s, bool finish)
{
    memset(st, 0, sizeof *st);
    st->rate_kind = PRATE_VELOCITY;
    st->rate = 1e-5;
    switch (s) {
    case MS_PRELOAD:
        st->kind = PSTEP_PRELOAD;
        st->target = finish ? -1e9 : 1e9;
        break;
    case MS_HOLD:
        st->kind = PSTEP_HOLD;
        st->duration_s = finish ? 1e-9 : 1e9;
        break;
    case MS_UNLOAD:
        st->kind = PSTEP_UNLOAD;
        st->target = finish ? 1e9 : -1e9;
        break;
    default:
        st->kind = PSTEP_RAMP;
        if (finish) {
            st->until.nclauses = 1;
            st->until.natoms[0] = 1;
            st->until.atom[0][0].q = PQ_STEP_TIME;
            st->until.atom[0][0].op = POP_GE;
            st->until.atom[0][0].value = 0;
        }
        break;
    }
}

static machine_state state_of_step_event(machine_event e)
{
    return e == ME_STEP_PRELOAD ? MS_PRELOAD
           : e == ME_STEP_HOLD  ? MS_HOLD
           : e == ME_STEP_UNLOAD ? MS_UNLOAD
                                 : MS_RUNNING;
}

static int feed_n(machine *m, int n, double *t)
{
    machine_note notes[16];
    machine_cmd c;
    int k = 0;
    for (int i = 0; i < n; i++, *t += 1e-3)
        k += machine_feed(m, &(machine_sample){*t, 0, 0, NAN}, &c, notes, 16) >= 0;
    return k;
}

/* Bring m into s; the protocol's first step is the one for s (pass finish
 * to let it end at the next samples). */
static bool reach(machine *m, machine_state s, double *t)
{
    bool active = s == MS_PRELOAD || s == MS_RUNNING || s == MS_HOLD || s == MS_UNLOAD;
    if (s == MS_IDLE)
        return true;
    machine_request(m, ME_ARM);
    if (s == MS_ARMED)
        return machine_state_of(m) == MS_ARMED;
    machine_request(m, ME_START);
    if (s == MS_RUNNING) /* START lands in RUNNING; the ramp step keeps it there */
        return machine_state_of(m) == MS_RUNNING;
    feed_n(m, 1, t); /* the first step's state, through the table */
    if (active || s == MS_DONE)
        return machine_state_of(m) == s;
    if (s == MS_PAUSED)
        machine_request(m, ME_PAUSE);
    else if (s == MS_STOPPED)
        machine_request(m, ME_STOP);
    else if (s == MS_FAULT)
        machine_fault(m, "test");
    feed_n(m, 1, t);
    return machine_state_of(m) == s;
}

static void test_table_real(void)
{
    int pairs = 0;
    for (int si = 0; si < MS_NSTATES; si++)
        for (int ei = 0; ei < ME_NEVENTS; ei++) {
            machine_state s = (machine_state)si;
            machine_event e = (machine_event)ei;
            bool step_ev = e == ME_STEP_PRELOAD || e == ME_STEP_MOTION || e == ME_STEP_HOLD ||
                           e == ME_STEP_UNLOAD || e == ME_END;
            bool active = s == MS_PRELOAD || s == MS_RUNNING || s == MS_HOLD || s == MS_UNLOAD;
            protocol *p = proto_new(PTEST_TENSILE);
            /* DONE: one step that ends at once. An active state with a step
             * event: its step ends at once, then the event's step (none for
             * END). Else one ramp that never ends. */
            first_step(&p->steps[p->nsteps++], active ? s : MS_RUNNING,
                       s == MS_DONE || (step_ev && active));
            if (step_ev && active && e != ME_END) {
                first_step(&p->steps[p->nsteps++], state_of_step_event(e), false);
                p->steps[1].kind = e == ME_STEP_PRELOAD  ? PSTEP_PRELOAD
                                   : e == ME_STEP_HOLD   ? PSTEP_HOLD
                                   : e == ME_STEP_UNLOAD ? PSTEP_UNLOAD
                                                         : PSTEP_RAMP;
            }
            machine *m;
            machine_new(p, NULL, &m);
            double t = 0;
            /* the step pairs are checked through the notes below */
            bool there = step_ev && active ? true : reach(m, s, &t);
            CHECK(there, "reached %s (in %s)", machine_state_name(s),
                  machine_state_name(machine_state_of(m)));
            int want = machine_transition(s, e);
            int rc = RIGOR_OK;
            switch (e) {
            case ME_ARM:
            case ME_START:
            case ME_PAUSE:
            case ME_RESUME:
            case ME_ACK:
            case ME_RESET:
                rc = machine_request(m, e);
                CHECK((rc == RIGOR_OK) == (want >= 0), "%s x %s: request rc %d, table %d",
                      machine_state_name(s), machine_event_name(e), rc, want);
                break;
            case ME_STOP:
                machine_request(m, ME_STOP);
                feed_n(m, 1, &t);
                break;
            case ME_FAULT:
                machine_fault(m, "test");
                feed_n(m, 1, &t);
                break;
            case ME_ABORT:
                machine_abort(m, MEND_TIMEOUT, "test");
                feed_n(m, 1, &t);
                break;
            default: /* a step ends and the next (or the end) follows */
                if (s == MS_PRELOAD || s == MS_RUNNING || s == MS_HOLD || s == MS_UNLOAD) {
                    machine_request(m, ME_ARM);
                    machine_request(m, ME_START);
                    /* feed until the first step has ended: its note says it
                     * began (so the machine was in s), the state shows where
                     * the table took it */
                    machine_note notes[16];
                    machine_cmd c;
                    bool began = false;
                    for (int i = 0; i < 5 && machine_step(m) < 1 &&
                                    machine_state_of(m) != MS_DONE;
                         i++, t += 1e-3) {
                        int nn = machine_feed(m, &(machine_sample){t, 0, 0, NAN}, &c, notes, 16);
                        for (int k = 0; k < nn; k++)
                            began = began || (notes[k].kind == MN_STEP &&
                                              !strncmp(notes[k].text, "1 ", 2));
                    }
                    CHECK(began, "%s x %s: the first step ran", machine_state_name(s),
                          machine_event_name(e));
                    CHECK(e == ME_END || machine_step(m) == 1, "%s x %s: on to step 2",
                          machine_state_name(s), machine_event_name(e));
                } else {
                    feed_n(m, 3, &t); /* the feed runs no steps here */
                }
                break;
            }
            machine_state got = machine_state_of(m);
            machine_state exp = want >= 0 ? (machine_state)want : s;
            CHECK(got == exp, "%s x %s: real machine in %s, table says %s",
                  machine_state_name(s), machine_event_name(e), machine_state_name(got),
                  want >= 0 ? machine_state_name((machine_state)want) : "refused");
            /* the end reason of the final states says why */
            if (got == MS_STOPPED && e == ME_ABORT && s != MS_STOPPED)
                CHECK(machine_end_of(m) == MEND_TIMEOUT, "%s x abort: end %d",
                      machine_state_name(s), machine_end_of(m));
            if (got == MS_STOPPED && e == ME_STOP && s != MS_STOPPED)
                CHECK(machine_end_of(m) == MEND_OPERATOR_STOP, "%s x stop: end %d",
                      machine_state_name(s), machine_end_of(m));
            machine_free(m);
            free(p->steps);
            free(p);
            pairs++;
        }
    CHECK(pairs == MS_NSTATES * ME_NEVENTS, "pairs %d", pairs);
}

/* Resume goes where the table says (RUNNING); the step's own state follows
 * through the table at the next sample. Regression: resume returned to the
 * state it paused from, past the table. */
static void test_resume_through_table(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *h = add_step(p, PSTEP_HOLD, 0);
    h->duration_s = 100;
    machine *m;
    machine_new(p, NULL, &m);
    double t = 0;
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    feed_n(m, 2, &t);
    CHECK(machine_state_of(m) == MS_HOLD, "hold: %s", machine_state_name(machine_state_of(m)));
    CHECK(machine_request(m, ME_PAUSE) == RIGOR_OK && machine_state_of(m) == MS_PAUSED,
          "paused");
    CHECK(machine_request(m, ME_RESUME) == RIGOR_OK && machine_state_of(m) == MS_RUNNING,
          "resume lands in RUNNING as the table says: %s",
          machine_state_name(machine_state_of(m)));
    feed_n(m, 1, &t);
    CHECK(machine_state_of(m) == MS_HOLD, "then the hold step's state: %s",
          machine_state_name(machine_state_of(m)));
    CHECK(machine_request(m, ME_STEP_HOLD) == RIGOR_EINVAL, "internal events are not requests");
    machine_free(m);
    proto_release(p);
}

/* First sample after which machine_wants_sample() was true, or -1. */
static int wants_sample_at;

/* Run the loop for up to nmax samples at 1 kHz; returns samples run. */
static int run_loop(machine *m, plant *pl, int nmax, int *fracture_note_at)
{
    wants_sample_at = -1;
    machine_note notes[16];
    if (fracture_note_at)
        *fracture_note_at = -1;
    int i;
    for (i = 0; i < nmax; i++) {
        machine_sample s = {pl->t, pl->x, plant_force(pl) + pl->noise * gauss(), NAN};
        machine_cmd c;
        int nn = machine_feed(m, &s, &c, notes, 16);
        if (getenv("MACHINE_TRACE"))
            for (int k = 0; k < nn; k++)
                printf("  [%d] %s %s x=%g F=%g\n", i, machine_note_name(notes[k].kind), notes[k].text, pl->x, s.force_N);
        for (int k = 0; k < nn; k++)
            if (notes[k].kind == MN_FRACTURE && fracture_note_at && *fracture_note_at < 0)
                *fracture_note_at = i;
        if (machine_wants_sample(m) && wants_sample_at < 0)
            wants_sample_at = i;
        plant_apply(pl, &c, i);
        plant_step(pl, 1e-3);
        machine_state st = machine_state_of(m);
        if (st == MS_DONE || st == MS_STOPPED || st == MS_FAULT)
            return i + 1;
    }
    return i;
}

/* Regression: strain, position and extension limits were off during a
 * preload, so a soft strip whose preload force came late was pulled to
 * 58 % against a 30 % limit. Tensile: the limit holds during the preload.
 * Compression: the platen's travel through the gap is not strain; the
 * strain limit counts from contact and trips on the specimen's own. */
static void test_limits_hold_in_preload(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *pre = add_step(p, PSTEP_PRELOAD, 1e-3); /* 1 mm/s */
    pre->target = 10;                                    /* never on this strip */
    p->limit[p->nlimits++] = (proto_limit){1, PQ_STRAIN, POP_LT, 0.30};
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 10, .stop_at = -1}; /* 10 N/m: 0.6 N at 30 % of 20 mm */
    run_loop(m, &pl, 20000, NULL);
    machine_values v = machine_values_of(m);
    CHECK(machine_end_of(m) == MEND_LIMIT && machine_failed(m), "tensile: end %s",
          machine_end_reason(m));
    CHECK(v.strain >= 0.30 && v.strain < 0.301, "tensile: stopped at strain %g", v.strain);
    machine_free(m);
    proto_release(p);

    p = proto_new(PTEST_COMPRESSION);
    p->geom.height_m = p->length0_m = 0.6e-3;
    pre = add_step(p, PSTEP_PRELOAD, 0.1e-3); /* 0.1 mm/s through a 0.3 mm gap */
    pre->target = 1e3;                        /* late: the limit must stop it */
    p->limit[p->nlimits++] = (proto_limit){1, PQ_STRAIN, POP_LT, 0.10};
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    pl = (plant){.k = 1e5, .gap = 0.3e-3, .compression = true, .noise = 1e-3, .stop_at = -1};
    run_loop(m, &pl, 20000, NULL);
    double squeeze = -pl.x - pl.gap; /* the specimen's own deformation, m */
    CHECK(machine_end_of(m) == MEND_LIMIT, "compression: end %s", machine_end_reason(m));
    CHECK(squeeze / 0.6e-3 > 0.09 && squeeze / 0.6e-3 < 0.11,
          "compression: stopped at %.4g strain of the specimen (gap not counted)",
          squeeze / 0.6e-3);
    machine_free(m);
    proto_release(p);
}

/* One test per limit reaction kind: unload and return run before the end
 * (they were validated and printed but never run), mark marks, stop stops;
 * each ends with the limit's reason and fails. */
static void test_limit_reactions(void)
{
    const proto_action_kind kinds[] = {PACT_UNLOAD, PACT_RETURN, PACT_MARK, PACT_STOP};
    for (int k = 0; k < 4; k++) {
        protocol *p = proto_new(PTEST_TENSILE);
        add_step(p, PSTEP_RAMP, 0.1e-3); /* until nothing: the limit ends it */
        p->limit[p->nlimits++] = (proto_limit){1, PQ_FORCE, POP_LT, 5.0};
        proto_reaction *re = &p->reaction[p->nreactions++];
        re->ev = PEV_LIMIT;
        re->nactions = 1;
        re->action[0] = kinds[k];
        snprintf(re->label, sizeof re->label, "over");
        machine *m;
        machine_new(p, NULL, &m);
        machine_request(m, ME_ARM);
        machine_request(m, ME_START);
        plant pl = {.k = 1e5, .stop_at = -1, .x = 0};
        machine_note notes[16];
        bool marked = false, unload_step = false, return_step = false;
        double fmax = 0;
        for (int i = 0; i < 20000; i++) {
            machine_sample smp = {pl.t, pl.x, plant_force(&pl), NAN};
            machine_cmd c;
            int nn = machine_feed(m, &smp, &c, notes, 16);
            for (int j = 0; j < nn; j++) {
                marked = marked || (notes[j].kind == MN_MARK && !strcmp(notes[j].text, "over"));
                unload_step = unload_step || (notes[j].kind == MN_STEP &&
                                              strstr(notes[j].text, "unload"));
                return_step = return_step || (notes[j].kind == MN_STEP &&
                                              strstr(notes[j].text, "return"));
            }
            fmax = fmax > smp.force_N ? fmax : smp.force_N;
            plant_apply(&pl, &c, i);
            plant_step(&pl, 1e-3);
            if (machine_state_of(m) == MS_DONE)
                break;
        }
        const char *name = proto_action_name(kinds[k]);
        CHECK(machine_state_of(m) == MS_DONE && machine_end_of(m) == MEND_LIMIT &&
                  machine_failed(m),
              "on limit %s: %s, '%s'", name, machine_state_name(machine_state_of(m)),
              machine_end_reason(m));
        CHECK(fmax < 5.05, "on limit %s: force %.4g N, limit 5 N", name, fmax);
        if (kinds[k] == PACT_UNLOAD)
            CHECK(unload_step && plant_force(&pl) <= 0.01, "on limit unload: unloaded to %.4g N",
                  plant_force(&pl));
        else if (kinds[k] == PACT_RETURN)
            CHECK(return_step && fabs(pl.x) < 3e-6, "on limit return: back at %.3g m", pl.x);
        else if (kinds[k] == PACT_MARK)
            CHECK(marked && pl.v == 0, "on limit mark: marked %d, stopped at %.4g N", marked,
                  plant_force(&pl));
        else
            CHECK(!unload_step && !return_step && pl.v == 0 && plant_force(&pl) > 4.9,
                  "on limit stop: stopped where it was (%.4g N)", plant_force(&pl));
        machine_free(m);
        proto_release(p);
    }
}

/* A preload target is never met by one noise spike: the force must hold
 * MACHINE_COND_SAMPLES samples. */
static void test_condition_debounced(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *pre = add_step(p, PSTEP_PRELOAD, 1e-6);
    pre->target = 0.5;
    add_step(p, PSTEP_HOLD, 0)->duration_s = 1;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    machine_note notes[8];
    machine_cmd c;
    int i;
    for (i = 0; i < 200; i++) {
        /* at rest, 0 N, with a lone spike to 1 N every 10th sample and two
         * in a row at 100 and 101 */
        double f = (i % 10 == 5 || i == 100 || i == 101) ? 1.0 : 0.0;
        machine_feed(m, &(machine_sample){i * 1e-3, 0, f, NAN}, &c, notes, 8);
    }
    CHECK(machine_state_of(m) == MS_PRELOAD && machine_step(m) == 0,
          "spikes do not end the preload: %s, step %d", machine_state_name(machine_state_of(m)),
          machine_step(m));
    for (int k = 0; k < MACHINE_COND_SAMPLES; k++, i++)
        machine_feed(m, &(machine_sample){i * 1e-3, 0, 0.6, NAN}, &c, notes, 8);
    CHECK(machine_step(m) == 1, "held %d samples: preload done (step %d)",
          MACHINE_COND_SAMPLES, machine_step(m));
    machine_free(m);
    proto_release(p);
}

/* Regression (found rehearsing good/all-steps.rigor on the stiff film): a
 * hold at a force below the present one (after a preload's overshoot)
 * brings the force down on purpose; the detector took that for a fracture. */
static void test_hold_down_is_not_fracture(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *r = add_step(p, PSTEP_RAMP, 0.5e-3);
    until_cmp(r, PQ_FORCE, POP_GE, 20.0);
    proto_step *h = add_step(p, PSTEP_HOLD, 0);
    h->hold_at_force = true;
    h->target = 5.0;
    h->duration_s = 1.0;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 1e5, .noise = 0.005, .stop_at = -1};
    int frac = -1;
    run_loop(m, &pl, 5000, &frac);
    CHECK(frac < 0 && machine_end_of(m) == MEND_COMPLETE, "ended '%s', fracture note at %d",
          machine_end_reason(m), frac);
    CHECK(fabs(plant_force(&pl) - 5.0) < 0.1, "held at %.4g N", plant_force(&pl));
    machine_free(m);
    proto_release(p);
}

static void test_tensile_to_fracture(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *z = add_step(p, PSTEP_ZERO, 0);
    z->zero_mask = PZERO_POSITION | PZERO_FORCE;
    proto_step *r = add_step(p, PSTEP_RAMP, 10e-3 / 60); /* 10 mm/min */
    until_event(r, PEV_FRACTURE, NULL);
    machine *m;
    CHECK(machine_new(p, NULL, &m) == RIGOR_OK, "new");
    CHECK(machine_request(m, ME_ARM) == RIGOR_OK, "arm");
    CHECK(machine_request(m, ME_START) == RIGOR_OK, "start");
    /* film: 30 N at 0.2 mm -> k = 1.5e5 N/m, break at 0.2 mm */
    plant pl = {.k = 1.5e5, .x_break = 0.2e-3, .noise = 0.01, .stop_at = -1};
    int frac_at;
    int n = run_loop(m, &pl, 5000, &frac_at);
    CHECK(machine_state_of(m) == MS_DONE, "state %s after %d samples",
          machine_state_name(machine_state_of(m)), n);
    CHECK(!strcmp(machine_end_reason(m), "fracture"), "end reason '%s'", machine_end_reason(m));
    CHECK(frac_at >= 0, "fracture detected");
    /* The stop command comes in the very feed that reports the fracture. */
    CHECK(pl.stop_at == frac_at, "stop at sample %d, fracture note at %d", pl.stop_at, frac_at);
    /* ... and within 2 samples of the physical break (0.2 mm at 10 mm/min = 1.2 s) */
    int break_sample = (int)ceil(0.2e-3 / (10e-3 / 60) / 1e-3);
    CHECK(pl.stop_at - break_sample <= 2 && pl.stop_at >= break_sample,
          "stop %d samples after the break", pl.stop_at - break_sample);
    CHECK(!machine_failed(m), "fracture in a ramp-until-fracture is not a failure");
    /* the sample before the confirming one asks for that sample at once */
    CHECK(wants_sample_at == frac_at - 1, "wants a sample at %d, fracture note at %d",
          wants_sample_at, frac_at);
    CHECK(!machine_wants_sample(m), "nothing pending once done");
    machine_free(m);
    proto_release(p);
}

static void test_limit_stops(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    p->limit[p->nlimits++] = (proto_limit){7, PQ_FORCE, POP_LT, 10.0};
    add_step(p, PSTEP_RAMP, 10e-3 / 60);
    until_event(&p->steps[0], PEV_FRACTURE, NULL);
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 1.5e5, .x_break = 1, .stop_at = -1};
    run_loop(m, &pl, 5000, NULL);
    CHECK(machine_state_of(m) == MS_DONE, "done");
    CHECK(machine_failed(m), "a limit ends the test as failed");
    CHECK(strstr(machine_end_reason(m), "limit: force reached") != NULL, "reason %s",
          machine_end_reason(m));
    double f = pl.k * pl.x;
    CHECK(f >= 10 && f < 10.05, "stopped at %g N (limit 10 N, one sample of travel)", f);
    machine_free(m);
    proto_release(p);
}

static void test_pause_resume_stop_race(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *r = add_step(p, PSTEP_RAMP, 1e-3);
    until_cmp(r, PQ_POSITION, POP_GE, 1e-3);
    proto_step *h = add_step(p, PSTEP_HOLD, 0);
    h->duration_s = 0.5;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 100, .stop_at = -1};
    run_loop(m, &pl, 300, NULL);
    CHECK(machine_request(m, ME_PAUSE) == RIGOR_OK, "pause");
    CHECK(machine_state_of(m) == MS_PAUSED, "paused");
    double x_pause = pl.x;
    run_loop(m, &pl, 200, NULL);
    CHECK(fabs(pl.x - x_pause) < 2e-6, "crosshead held while paused (moved %g m)",
          pl.x - x_pause);
    CHECK(machine_request(m, ME_RESUME) == RIGOR_OK && machine_state_of(m) == MS_RUNNING,
          "resume");
    run_loop(m, &pl, 2000, NULL);
    /* ramp ended at 1 mm, the hold began: now a stop request arrives twice
     * while the step changes; it must be honoured and nothing moves again. */
    CHECK(machine_state_of(m) == MS_HOLD || machine_state_of(m) == MS_DONE, "state %s",
          machine_state_name(machine_state_of(m)));
    machine_request(m, ME_STOP);
    machine_request(m, ME_STOP);
    pl.stop_at = -1;
    run_loop(m, &pl, 5, NULL);
    CHECK(machine_state_of(m) == MS_STOPPED || !strcmp(machine_end_reason(m), "protocol complete"),
          "stopped: %s", machine_state_name(machine_state_of(m)));
    CHECK(pl.stop_at == 0, "stop command on the first feed after the request (%d)", pl.stop_at);
    CHECK(machine_request(m, ME_START) == RIGOR_ESTATE, "no start from STOPPED");
    machine_free(m);
    proto_release(p);
}

static void test_stop_during_step_change(void)
{
    /* Three zero steps then a ramp: the stop arrives between feeds while the
     * zero steps advance; it is taken at the next feed. */
    protocol *p = proto_new(PTEST_TENSILE);
    for (int i = 0; i < 3; i++)
        add_step(p, PSTEP_ZERO, 0)->zero_mask = PZERO_POSITION;
    until_event(add_step(p, PSTEP_RAMP, 1e-3), PEV_FRACTURE, NULL);
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 100, .stop_at = -1};
    machine_note notes[8];
    machine_cmd c;
    for (int i = 0; i < 2; i++) {
        machine_sample s = {pl.t, pl.x, 0, NAN};
        machine_feed(m, &s, &c, notes, 8);
        if (i == 0)
            machine_request(m, ME_STOP); /* during the zero-step sequence */
        plant_apply(&pl, &c, i);
        plant_step(&pl, 1e-3);
    }
    CHECK(machine_state_of(m) == MS_STOPPED, "state %s", machine_state_name(machine_state_of(m)));
    CHECK(pl.stop_at == 1, "stop sent at feed %d", pl.stop_at);
    CHECK(pl.v == 0, "crosshead not moving");
    machine_free(m);
    proto_release(p);
}

static void test_fault_needs_ack(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    until_event(add_step(p, PSTEP_RAMP, 1e-3), PEV_FRACTURE, NULL);
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 100, .stop_at = -1};
    run_loop(m, &pl, 10, NULL);
    machine_fault(m, "link lost");
    run_loop(m, &pl, 10, NULL);
    CHECK(machine_state_of(m) == MS_FAULT, "FAULT");
    CHECK(pl.v == 0 && pl.stop_at >= 0, "stopped on fault");
    CHECK(strstr(machine_end_reason(m), "link lost") != NULL, "reason %s", machine_end_reason(m));
    CHECK(machine_request(m, ME_RESUME) == RIGOR_ESTATE, "no resume from FAULT");
    CHECK(machine_request(m, ME_START) == RIGOR_ESTATE, "no start from FAULT");
    CHECK(machine_request(m, ME_ACK) == RIGOR_OK && machine_state_of(m) == MS_STOPPED, "ack");
    machine_free(m);
    proto_release(p);
}

static void test_compression_preload_zero_until_strain(void)
{
    /* Pellet: platens 0.1 mm apart, preload 0.5 N, zero, ramp to 5 % strain. */
    protocol *p = proto_new(PTEST_COMPRESSION);
    proto_step *pre = add_step(p, PSTEP_PRELOAD, 0.5e-3 / 60 * 60); /* 0.5 mm/s */
    pre->target = 0.5;
    add_step(p, PSTEP_ZERO, 0)->zero_mask = PZERO_POSITION;
    proto_step *r = add_step(p, PSTEP_RAMP, 0.05e-3);
    until_cmp(r, PQ_STRAIN, POP_GE, 0.05);
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 2e6, .gap = 0.1e-3, .compression = true, .stop_at = -1};
    run_loop(m, &pl, 20000, NULL);
    CHECK(machine_state_of(m) == MS_DONE, "state %s", machine_state_name(machine_state_of(m)));
    CHECK(!strcmp(machine_end_reason(m), "protocol complete"), "%s", machine_end_reason(m));
    machine_values v = machine_values_of(m);
    /* the condition holds MACHINE_COND_SAMPLES samples (8.3e-5 strain each) */
    CHECK(v.strain >= 0.05 && v.strain < 0.05 + (MACHINE_COND_SAMPLES + 0.5) * 8.4e-5,
          "strain %g", v.strain);
    CHECK(v.force_N > 0, "compression force is positive in the test direction: %g", v.force_N);
    CHECK(pl.v == 0, "stopped at the end");
    CHECK(pl.x < -0.1e-3, "moved down past the gap: %g", pl.x);
    machine_free(m);
    proto_release(p);
}

static void test_force_rate_control(void)
{
    /* Ramp at 5 N/s on a soft (film) and a stiff (pellet) specimen: after
     * one second the measured force rate stays within 5 % of the target. */
    const double stiff[] = {2e4, 5e7};
    for (int k = 0; k < 2; k++) {
        protocol *p = proto_new(PTEST_TENSILE);
        proto_step *r = add_step(p, PSTEP_RAMP, 5.0);
        r->rate_kind = PRATE_FORCE;
        until_cmp(r, PQ_FORCE, POP_GE, 25.0);
        machine *m;
        machine_new(p, NULL, &m);
        machine_request(m, ME_ARM);
        machine_request(m, ME_START);
        plant pl = {.k = stiff[k], .stop_at = -1};
        machine_note notes[8];
        double f1 = NAN, f2 = NAN, fmin_rate = INFINITY, fmax_rate = 0, prev = 0;
        int i;
        for (i = 0; i < 8000 && machine_state_of(m) == MS_RUNNING; i++) {
            double F = plant_force(&pl);
            machine_sample s = {pl.t, pl.x, F, NAN};
            machine_cmd c;
            machine_feed(m, &s, &c, notes, 8);
            plant_apply(&pl, &c, i);
            plant_step(&pl, 1e-3);
            if (i == 1500)
                f1 = F;
            if (i == 4000)
                f2 = F;
            if (i > 1500 && i <= 4000 && i % 100 == 0) {
                double rate = (F - prev) / 0.1;
                if (rate < fmin_rate)
                    fmin_rate = rate;
                if (rate > fmax_rate)
                    fmax_rate = rate;
            }
            if (i % 100 == 0)
                prev = F;
        }
        double rate = (f2 - f1) / 2.5;
        CHECK_NEAR(rate, 5.0, 0, 0.05, "mean force rate");
        CHECK(fmin_rate > 4.75 && fmax_rate < 5.25, "k=%g: force rate swings %g..%g N/s",
              stiff[k], fmin_rate, fmax_rate);
        CHECK(machine_state_of(m) == MS_DONE, "ended at 25 N");
        machine_free(m);
        proto_release(p);
    }
}

static void test_reaction_hold_then_unload(void)
{
    /* on stage densification hold 0.2 s then unload — on a compression
     * curve with a stiffening response the detector reports densification. */
    protocol *p = proto_new(PTEST_COMPRESSION);
    p->geom.height_m = 40e-6;
    p->length0_m = 40e-6;
    proto_step *r = add_step(p, PSTEP_RAMP, 20e-6);
    until_cmp(r, PQ_STRAIN, POP_GE, 0.95);
    proto_reaction *re = &p->reaction[p->nreactions++];
    re->ev = PEV_STAGE;
    snprintf(re->stage, sizeof re->stage, "densification");
    re->nactions = 2;
    re->action[0] = PACT_HOLD;
    re->duration_s[0] = 0.2;
    re->action[1] = PACT_UNLOAD;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    /* three-stage film: stress(eps) elastic 0..2 %, plateau, then steep rise */
    double A = curve_geom_area(&p->geom);
    machine_note notes[16];
    bool saw_dens = false, saw_hold = false, saw_unload = false;
    double x = 0, t = 0, v = 0;
    for (int i = 0; i < 60000 && machine_state_of(m) != MS_DONE; i++) {
        double eps = -x / 40e-6;
        double sig = eps <= 0 ? 0
                     : eps < 0.02 ? 1e9 * eps
                     : eps < 0.5  ? 20e6 + 10e6 * (eps - 0.02)
                                  : 24.8e6 + 800e6 * (eps - 0.5) * (eps - 0.5) + 10e6 * (eps - 0.5);
        machine_sample s = {t, x, -sig * A, NAN};
        machine_cmd c;
        int nn = machine_feed(m, &s, &c, notes, 16);
        for (int k = 0; k < nn; k++) {
            if (notes[k].kind == MN_STAGE && !strcmp(notes[k].text, "densification"))
                saw_dens = true;
            if (notes[k].kind == MN_STEP && strstr(notes[k].text, "hold"))
                saw_hold = true;
            if (notes[k].kind == MN_STEP && strstr(notes[k].text, "unload"))
                saw_unload = true;
        }
        if (c.kind == MC_VELOCITY)
            v = c.velocity_m_s;
        else if (c.kind == MC_STOP)
            v = 0;
        x += v * 1e-3;
        t += 1e-3;
    }
    CHECK(saw_dens, "densification detected");
    CHECK(saw_hold && saw_unload, "hold then unload ran (%d %d)", saw_hold, saw_unload);
    CHECK(machine_state_of(m) == MS_DONE, "done: %s", machine_state_name(machine_state_of(m)));
    machine_free(m);
    proto_release(p);
}

static void test_cycles_are_not_fractures(void)
{
    /* cycle 3 between 1 N and 10 N: every unload drops the force by 90 %,
     * which must not read as a fracture at the next load. */
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *c = add_step(p, PSTEP_CYCLE, 0.5e-3);
    c->count = 3;
    c->level_q = PQ_FORCE;
    c->lo = 1;
    c->hi = 10;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 1e5, .noise = 0.005, .stop_at = -1};
    int frac_at;
    run_loop(m, &pl, 20000, &frac_at);
    CHECK(frac_at < 0, "false fracture at sample %d", frac_at);
    CHECK(machine_state_of(m) == MS_DONE && !strcmp(machine_end_reason(m), "protocol complete"),
          "state %s, reason %s", machine_state_name(machine_state_of(m)), machine_end_reason(m));
    machine_free(m);
    proto_release(p);
}

static void test_mark_hold_resumes_step(void)
{
    /* on stage elastic hold 0.1 s: the ramp pauses, then goes on to its own
     * end condition (position 0.5 mm). */
    protocol *p = proto_new(PTEST_TENSILE);
    proto_step *r = add_step(p, PSTEP_RAMP, 1e-3);
    until_cmp(r, PQ_POSITION, POP_GE, 0.5e-3);
    proto_reaction *re = &p->reaction[p->nreactions++];
    re->ev = PEV_STAGE;
    snprintf(re->stage, sizeof re->stage, "elastic");
    re->nactions = 2;
    re->action[0] = PACT_MARK;
    snprintf(re->label, sizeof re->label, "E");
    re->action[1] = PACT_HOLD;
    re->duration_s[1] = 0.1;
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    plant pl = {.k = 1e5, .noise = 0.001, .stop_at = -1};
    int n = run_loop(m, &pl, 5000, NULL);
    CHECK(machine_state_of(m) == MS_DONE, "done");
    CHECK(pl.x >= 0.5e-3 && pl.x < 0.5e-3 + (MACHINE_COND_SAMPLES + 1) * 1e-6,
          "ramp resumed to its end: x = %g", pl.x);
    /* 0.5 mm at 1 mm/s is 500 samples; the hold adds about 100 */
    CHECK(n > 560 && n < 700, "took %d samples", n);
    machine_free(m);
    proto_release(p);
}

/* `zero force` at rest with a grip weight on a noiseless cell (issue 21): the
 * detector saw the grip weight before the zero and 0 after it, a drop of
 * 100 % from its peak, and the test ended "fracture" before any contact.
 * A zero of the force re-baselines the detector. */
static void test_zero_force_is_no_fracture(void)
{
    protocol *p = proto_new(PTEST_TENSILE);
    add_step(p, PSTEP_ZERO, 0)->zero_mask = PZERO_FORCE;
    add_step(p, PSTEP_PRELOAD, 5e-3 / 60)->target = 2.0;
    until_event(add_step(p, PSTEP_RAMP, 6e-3 / 60), PEV_FRACTURE, NULL);
    machine *m;
    machine_new(p, NULL, &m);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);
    machine_note notes[16];
    int fractured_at = -1;
    double F_after = NAN;
    /* 2 s at 100 Hz: the crosshead closes the gap, the cell still reads the
     * 1.2 N grip weight (display counts of 0.1 N, no noise) */
    for (int i = 0; i < 200 && fractured_at < 0; i++) {
        machine_sample smp = {i * 0.01, i * 1e-6, 1.2, NAN};
        machine_cmd c;
        int nn = machine_feed(m, &smp, &c, notes, 16);
        for (int k = 0; k < nn; k++)
            if (notes[k].kind == MN_FRACTURE || notes[k].kind == MN_END)
                fractured_at = i;
        F_after = machine_values_of(m).force_N;
    }
    CHECK(fractured_at < 0, "zero force at rest ended the test at sample %d (%s)", fractured_at,
          machine_end_reason(m));
    CHECK(machine_state_of(m) == MS_PRELOAD, "still preloading: %s",
          machine_state_name(machine_state_of(m)));
    CHECK(F_after == 0, "the grip weight is zeroed: %g N", F_after);
    machine_free(m);
    proto_release(p);
}

int main(void)
{
    TEST_RUN(test_zero_force_is_no_fracture);
    analysis_init();
    TEST_RUN(test_table_complete);
    TEST_RUN(test_table_real);
    TEST_RUN(test_resume_through_table);
    TEST_RUN(test_limits_hold_in_preload);
    TEST_RUN(test_limit_reactions);
    TEST_RUN(test_condition_debounced);
    TEST_RUN(test_hold_down_is_not_fracture);
    TEST_RUN(test_tensile_to_fracture);
    TEST_RUN(test_limit_stops);
    TEST_RUN(test_pause_resume_stop_race);
    TEST_RUN(test_stop_during_step_change);
    TEST_RUN(test_fault_needs_ack);
    TEST_RUN(test_compression_preload_zero_until_strain);
    TEST_RUN(test_force_rate_control);
    TEST_RUN(test_reaction_hold_then_unload);
    TEST_RUN(test_cycles_are_not_fractures);
    TEST_RUN(test_mark_hold_resumes_step);
    TEST_END("test_machine");
}
