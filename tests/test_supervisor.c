/* test_supervisor.c — the safety supervisor as a table: sequences of cycle
 * outcomes and whether (and why) each step trips FAULT. */
#include "../rig/supervisor.h"
#include "harness.h"

#include <math.h>
#include <string.h>

static rig_config cfg(void)
{
    rig_config c;
    memset(&c, 0, sizeof c);
    c.force_min_N = -100;
    c.force_max_N = 100;
    c.position_min_m = -0.01;
    c.position_max_m = 0.05;
    c.fail_limit = 3;
    c.tick_timeout_s = 0.2;
    c.point[ROLE_TICK].present = true;
    return c;
}

enum { OK_SAMPLE, FAIL_CYCLE, LINK_LOST, ACK };

typedef struct {
    int what;        /* OK_SAMPLE / FAIL_CYCLE / LINK_LOST / ACK */
    double t;        /* s */
    double F, x;     /* force N, position m (zeroed = absolute here) */
    uint32_t status; /* RIG_SB_* */
    uint16_t tick;
    bool trips;       /* this step newly trips */
    bool fault_after; /* FAULT after the step */
    const char *why;  /* substring of the reason when it trips */
} step;

typedef struct {
    const char *name;
    bool test_limits; /* apply the per-test limits below */
    step s[12];
} scenario;

static const scenario table[] = {
    {"quiet run",
     false,
     {{OK_SAMPLE, 0.00, 1, 0, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.01, 2, 0.001, 0, 2, false, false, NULL},
      {OK_SAMPLE, 0.02, 3, 0.002, 0, 3, false, false, NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"force above rig limit, latched, edge-triggered after ack",
     false,
     {{OK_SAMPLE, 0.00, 50, 0, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.01, 101, 0, 0, 2, true, true, "force 101 N above"},
      {OK_SAMPLE, 0.02, 50, 0, 0, 3, false, true, NULL}, /* latched */
      {ACK, 0.03, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.04, 50, 0, 0, 4, false, false, NULL},
      {OK_SAMPLE, 0.05, 120, 0, 0, 5, true, true, "above"}, /* a new crossing */
      {ACK, 0.06, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.07, 120, 0, 0, 6, false, false, NULL}, /* still beyond: no re-trip */
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"compression below force_min",
     false,
     {{OK_SAMPLE, 0.00, -101, 0, 0, 1, true, true, "below the limit -100"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"position beyond travel",
     false,
     {{OK_SAMPLE, 0.00, 0, 0.049, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.01, 0, 0.0501, 0, 2, true, true, "position 50.1000 mm above"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"per-test stress limit",
     true, /* area 1 mm^2, 20 MPa -> 20 N */
     {{OK_SAMPLE, 0.00, 19, 0, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.01, 21, 0, 0, 2, true, true, "stress 21 MPa"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"per-test strain limit",
     true, /* gauge 10 mm, 5 % -> 0.5 mm */
     {{OK_SAMPLE, 0.00, 0, 0.0004, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.01, 0, 0.0006, 0, 2, true, true, "strain 6 %"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"per-test force limit tighter than rig",
     true, /* 15 N */
     {{OK_SAMPLE, 0.00, 16, 0, 0, 1, true, true, "limit 15 N"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"e-stop bit, level-triggered",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_ESTOP, 1, true, true, "emergency stop"},
      {ACK, 0.01, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.02, 0, 0, RIG_SB_ESTOP, 2, true, true, "emergency stop"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"drive fault bit",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_FAULT | RIG_SB_ENABLED, 1, true, true, "drive fault"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"watchdog bit",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_WATCHDOG | RIG_SB_FAULT, 1, true, true, "watchdog"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"load-cell overload",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_OVERLOAD, 1, true, true, "overload"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"limit switch, edge-triggered",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_UPPER_LIMIT, 1, true, true, "upper limit switch"},
      {ACK, 0.01, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.02, 0, 0, RIG_SB_UPPER_LIMIT, 2, false, false, NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"harmless bits",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, RIG_SB_ENABLED | RIG_SB_MOVING | RIG_SB_STABLE, 1, false, false,
       NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"frozen tick",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, 0, 7, false, false, NULL},
      {OK_SAMPLE, 0.10, 0, 0, 0, 7, false, false, NULL},
      {OK_SAMPLE, 0.20, 0, 0, 0, 7, false, false, NULL}, /* exactly the timeout: not yet */
      {OK_SAMPLE, 0.25, 0, 0, 0, 7, true, true, "frozen"},
      {ACK, 0.26, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.30, 0, 0, 0, 8, false, false, NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"tick that changes is fine however slow the loop",
     false,
     {{OK_SAMPLE, 0.00, 0, 0, 0, 1, false, false, NULL},
      {OK_SAMPLE, 0.15, 0, 0, 0, 2, false, false, NULL},
      {OK_SAMPLE, 0.30, 0, 0, 0, 3, false, false, NULL},
      {OK_SAMPLE, 0.45, 0, 0, 0, 65535, false, false, NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"failure streak reaches fail_limit",
     false,
     {{FAIL_CYCLE, 0.00, 0, 0, 0, 0, false, false, NULL},
      {FAIL_CYCLE, 0.01, 0, 0, 0, 0, false, false, NULL},
      {OK_SAMPLE, 0.02, 0, 0, 0, 1, false, false, NULL}, /* streak broken */
      {FAIL_CYCLE, 0.03, 0, 0, 0, 0, false, false, NULL},
      {FAIL_CYCLE, 0.04, 0, 0, 0, 0, false, false, NULL},
      {FAIL_CYCLE, 0.05, 0, 0, 0, 0, true, true, "3 consecutive failed cycles"},
      {OK_SAMPLE, 0.06, 0, 0, 0, 2, false, true, NULL}, /* never an automatic resume */
      {ACK, 0.07, 0, 0, 0, 0, false, false, NULL},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
    {"link lost, first reason kept",
     false,
     {{LINK_LOST, 0.00, 0, 0, 0, 0, true, true, "link lost"},
      {OK_SAMPLE, 0.01, 500, 0, RIG_SB_ESTOP, 1, false, true, "link lost"},
      {-1, 0, 0, 0, 0, 0, false, false, NULL}}},
};

static void test_table(void)
{
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        const scenario *sc = &table[k];
        rig_config c = cfg();
        supervisor s;
        sup_init(&s, &c);
        if (sc->test_limits) {
            rig_limits l = rig_limits_none();
            l.force_max_N = 15;
            l.stress_max_Pa = 20e6;
            l.area_m2 = 1e-6;
            l.strain_max = 0.05;
            l.gauge_m = 0.010;
            if (!strstr(sc->name, "force limit"))
                l.force_max_N = NAN;
            sup_set_limits(&s, &l);
        }
        for (int i = 0; i < 12 && sc->s[i].what >= 0; i++) {
            const step *st = &sc->s[i];
            bool tr = false;
            if (st->what == OK_SAMPLE) {
                rig_sample smp = {0};
                smp.t_s = st->t;
                smp.force_N = st->F;
                smp.position_m = st->x;
                smp.status = st->status;
                smp.tick = st->tick;
                tr = sup_sample(&s, &smp, st->x);
            } else if (st->what == FAIL_CYCLE) {
                tr = sup_failure(&s, st->t, "timeout");
            } else if (st->what == LINK_LOST) {
                tr = sup_link_lost(&s, "connection reset");
            } else {
                sup_ack(&s, st->t);
            }
            CHECK(tr == st->trips, "%s, step %d: trips %d", sc->name, i, tr);
            CHECK(s.fault == st->fault_after, "%s, step %d: fault %d", sc->name, i, s.fault);
            if (st->why)
                CHECK(strstr(s.reason, st->why) != NULL, "%s, step %d: reason '%s' lacks '%s'",
                      sc->name, i, s.reason, st->why);
        }
    }
}

/* Motion further into a violated limit is refused, away from it allowed. */
static void test_direction_check(void)
{
    rig_config c = cfg();
    supervisor s;
    sup_init(&s, &c);
    rig_sample smp = {0};
    smp.force_N = 150;
    smp.tick = 1;
    sup_sample(&s, &smp, 0);
    CHECK(sup_check_velocity(&s, 1e-3) == RIGOR_ELIMIT, "further into tension refused");
    CHECK(sup_check_velocity(&s, -1e-3) == RIGOR_OK, "back allowed");
    smp.force_N = 0;
    smp.status = RIG_SB_LOWER_LIMIT;
    smp.t_s = 0.01;
    sup_sample(&s, &smp, 0);
    CHECK(sup_check_velocity(&s, -1e-3) == RIGOR_ELIMIT, "into lower switch refused");
    CHECK(sup_check_velocity(&s, 1e-3) == RIGOR_OK, "off the switch allowed");
    CHECK(sup_check_velocity(&s, 0) == RIGOR_OK, "standing still always allowed");
}

/* Without a tick point the tick is not watched. */
static void test_no_tick_point(void)
{
    rig_config c = cfg();
    c.point[ROLE_TICK].present = false;
    supervisor s;
    sup_init(&s, &c);
    rig_sample smp = {0};
    bool tr = false;
    for (int i = 0; i < 100; i++) {
        smp.t_s = i * 0.01;
        tr |= sup_sample(&s, &smp, 0);
    }
    CHECK(!tr && !s.fault, "no frozen-tick fault without a tick");
}

/* One valid or invalid sample through validate + sample, as acq.c does it. */
static bool feed(supervisor *s, double t, double F, double x, uint32_t status)
{
    rig_sample smp = {0};
    smp.t_s = t;
    smp.tick = (uint16_t)(t * 1000);
    smp.status = status;
    smp.flags = (uint16_t)sup_validate(s, F, x, NAN, false, status);
    smp.force_N = (smp.flags & RIG_SF_BAD_FORCE) ? NAN : F;
    smp.position_m = (smp.flags & RIG_SF_BAD_POSITION) ? NAN : x;
    return sup_sample(s, &smp, smp.position_m);
}

static rig_config cfg_phys(void)
{
    rig_config c = cfg();
    c.capacity_N = 500;
    c.travel_min_m = -0.05;
    c.travel_max_m = 0.15;
    c.force_min_N = -450;
    c.force_max_N = 450;
    c.position_min_m = -0.05;
    c.position_max_m = 0.15;
    return c;
}

/* Regression (issue 21): a NaN force passed every limit (no comparison is
 * true on NaN) and was accepted; now it is an invalid sample, and more than
 * invalid_limit in a row is a FAULT that says why. */
static void test_validity(void)
{
    rig_config c = cfg_phys();
    supervisor s;
    sup_init(&s, &c);
    CHECK(sup_validate(&s, NAN, 0, NAN, false, 0) == RIG_SF_BAD_FORCE, "NaN force invalid");
    CHECK(strstr(s.invalid_why, "NaN"), "why: %s", s.invalid_why);
    CHECK(sup_validate(&s, INFINITY, 0, NAN, false, 0) == RIG_SF_BAD_FORCE, "inf force");
    CHECK(sup_validate(&s, 1001, 0, NAN, false, 0) == RIG_SF_BAD_FORCE,
          "force beyond 2 x capacity");
    CHECK(sup_validate(&s, 999, 0, NAN, false, 0) == 0, "999 N on a 500 N cell is a reading "
                                                        "(an overload, for the limits)");
    CHECK(sup_validate(&s, 1, 0, NAN, false, RIG_SB_ADC_ERROR) == RIG_SF_BAD_FORCE,
          "ADC error bit");
    CHECK(sup_validate(&s, 1, NAN, NAN, false, 0) == RIG_SF_BAD_POSITION, "NaN position");
    CHECK(sup_validate(&s, 1, 0.36, NAN, false, 0) == RIG_SF_BAD_POSITION,
          "position beyond the travel by more than its length");
    CHECK(sup_validate(&s, 1, 0.30, NAN, false, 0) == 0, "0.30 m: beyond the travel, a reading");
    CHECK(sup_validate(&s, 1, 0, NAN, false, 0) == 0, "no extensometer: NAN is fine");
    CHECK(sup_validate(&s, 1, 0, NAN, true, 0) == RIG_SF_BAD_EXTENSION, "NaN extension");
    CHECK(sup_validate(&s, NAN, NAN, NAN, true, 0) == RIG_SF_INVALID, "all three");

    /* the streak: SUP_INVALID_LIMIT tolerated, one more trips */
    sup_init(&s, &c);
    bool tr = false;
    for (int i = 0; i < SUP_INVALID_LIMIT; i++)
        tr |= feed(&s, i * 0.01, NAN, 0, 0);
    CHECK(!tr && !s.fault, "%d invalid in a row tolerated", SUP_INVALID_LIMIT);
    CHECK(!feed(&s, 0.10, 5, 0, 0) && !s.fault, "a valid sample ends the streak");
    for (int i = 0; i <= SUP_INVALID_LIMIT; i++)
        tr |= feed(&s, 0.2 + i * 0.01, NAN, 0, 0);
    CHECK(tr && s.fault && s.kind == SUP_INVALID, "one more is a FAULT");
    CHECK(strstr(s.reason, "4 invalid samples in a row") && strstr(s.reason, "NaN"),
          "reason: %s", s.reason);
    /* the limit comes from the rig file when given */
    c.invalid_limit = 1;
    sup_init(&s, &c);
    feed(&s, 0, NAN, 0, 0);
    CHECK(!s.fault, "invalid_limit 1: one tolerated");
    CHECK(feed(&s, 0.01, 1, NAN, 0) && s.fault, "the second in a row trips");
    CHECK(strstr(s.reason, "position is NaN"), "reason: %s", s.reason);
    /* an ADC error is a FAULT at once, as before, and its sample is invalid */
    sup_init(&s, &c);
    CHECK(feed(&s, 0, 3, 0, RIG_SB_ADC_ERROR) && strstr(s.reason, "ADC"), "ADC: %s", s.reason);
}

/* Regression (issue 21): a transmitter without a heartbeat repeating its last
 * force went unnoticed; a drive that did not move was waited out. */
static void test_frozen_and_motion(void)
{
    rig_config c = cfg_phys();
    c.point[ROLE_TICK].present = false;
    supervisor s;
    sup_init(&s, &c);
    /* at rest, a constant force is fine */
    bool tr = false;
    for (int i = 0; i < 300; i++)
        tr |= feed(&s, i * 0.01, 1.25, 0.01, 0);
    CHECK(!tr && !s.fault, "constant force at rest: no fault");
    /* moving at 1 mm/s, position changes, force repeats bit for bit */
    sup_motion(&s, 3.0, 1e-3, NAN);
    for (int i = 0; i <= 150 && !tr; i++)
        tr |= feed(&s, 3.0 + i * 0.01, 1.25, 0.01 + i * 1e-5, 0);
    CHECK(tr && s.kind == SUP_FROZEN && strstr(s.reason, "force data frozen"),
          "frozen force while moving: %s", s.reason);
    CHECK(s.last_t > 3.0 + SUP_FROZEN_S && s.last_t < 3.0 + SUP_FROZEN_S + 0.05,
          "after %.2f s", s.last_t - 3.0);
    /* with a watched TICK, the value may stay quiet SUP_FROZEN_HB_X times as long */
    rig_config ch = cfg_phys();
    sup_init(&s, &ch);
    sup_motion(&s, 0, 1e-3, NAN);
    tr = false;
    double t_trip = -1;
    for (int i = 0; i <= 700 && !tr; i++) {
        tr |= feed(&s, i * 0.01, 1.25, 0.01 + i * 1e-5, 0);
        if (tr)
            t_trip = i * 0.01;
    }
    CHECK(tr && s.kind == SUP_FROZEN && t_trip > SUP_FROZEN_HB_X * SUP_FROZEN_S &&
              t_trip < SUP_FROZEN_HB_X * SUP_FROZEN_S + 0.05,
          "with a TICK: tripped at %.2f s (%s)", t_trip, s.reason);
    ch.dev[0].no_heartbeat = true; /* the rig file says it has none after all */
    sup_init(&s, &ch);
    sup_motion(&s, 0, 1e-3, NAN);
    tr = false;
    for (int i = 0; i <= 150 && !tr; i++)
        tr |= feed(&s, i * 0.01, 1.25, 0.01 + i * 1e-5, 0);
    CHECK(tr && s.kind == SUP_FROZEN, "no_heartbeat: back to %.1f s", SUP_FROZEN_S);
    /* a force that changes by one ulp is not frozen */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-3, NAN);
    tr = false;
    for (int i = 0; i < 300; i++)
        tr |= feed(&s, i * 0.01, (i & 1) ? 1.25 : nextafter(1.25, 2), i * 1e-5, 0);
    CHECK(!tr && !s.fault, "live force and position: no fault (%s)", s.reason);
    /* a stop ends the watch */
    sup_motion(&s, 3.0, 0, NAN);
    for (int i = 0; i < 300; i++)
        tr |= feed(&s, 3.0 + i * 0.01, 1.25, 0.003, 0);
    CHECK(!tr && !s.fault, "stopped: no fault (%s)", s.reason);

    /* the drive does not move: position within the noise band */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-3, NAN);
    tr = false;
    double allow = SUP_MOTION_S + 2 * SUP_POS_NOISE_M / 1e-3;
    for (int i = 0; i < 300 && !tr; i++)
        tr |= feed(&s, i * 0.01, 1.0 + i * 1e-3, 0.01 + ((i & 1) ? 2e-6 : -2e-6), 0);
    CHECK(tr && s.kind == SUP_NO_MOTION && strstr(s.reason, "the drive does not move"),
          "no motion: %s", s.reason);
    CHECK(s.last_t > allow && s.last_t < allow + 0.05, "after %.2f s (allowance %.2f s)",
          s.last_t, allow);
    /* a drive that stalls halfway: the reference slides with the motion */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-3, NAN);
    tr = false;
    for (int i = 0; i < 600 && !tr; i++)
        tr |= feed(&s, i * 0.01, 1.0 + i * 1e-3, 0.01 + fmin(i, 200) * 1e-5, 0);
    CHECK(tr && s.kind == SUP_NO_MOTION, "stalled after 2 s: %s", s.reason);
    CHECK(s.last_t > 2.0 + allow - 0.02 && s.last_t < 2.0 + allow + 0.05,
          "caught %.2f s after the stall (allowance %.2f s)", s.last_t - 2.0, allow);
    /* a position move to where it already is has nothing to show */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-3, 0.01 + 4e-6);
    tr = false;
    for (int i = 0; i < 300; i++)
        tr |= feed(&s, i * 0.01, 1.0 + i * 1e-3, 0.01, 0);
    CHECK(!tr && !s.fault, "move to the present position: no fault (%s)", s.reason);
    /* a slow motion gets the time its speed needs to cross the noise band */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-6, NAN); /* 0.06 mm/min: 10 s to cross 2 x 5 um */
    tr = false;
    for (int i = 0; i < 1000; i++)
        tr |= feed(&s, i * 0.01, 1.0 + i * 1e-3, 0.01 + floor(i * 1e-8 / 1e-6) * 1e-6, 0);
    CHECK(!tr && !s.fault, "1 um/s with a 1 um encoder for 10 s: no fault (%s)", s.reason);
    /* a position move that arrived is no longer a motion */
    sup_init(&s, &c);
    sup_motion(&s, 0, 1e-3, 0.0105);
    tr = false;
    for (int i = 0; i < 300; i++)
        tr |= feed(&s, i * 0.01, 1.0 + i * 1e-3, fmin(0.01 + i * 1e-5, 0.0105), 0);
    CHECK(!tr && !s.fault, "position move arrived, then stands: no fault (%s)", s.reason);
    /* refused command */
    CHECK(sup_command_failed(&s, "motion command refused: drive hr 2") && s.fault &&
              s.kind == SUP_COMMAND && strstr(s.reason, "hr 2"),
          "refused command: %s", s.reason);
}

int main(void)
{
    TEST_RUN(test_validity);
    TEST_RUN(test_frozen_and_motion);
    TEST_RUN(test_table);
    TEST_RUN(test_direction_check);
    TEST_RUN(test_no_tick_point);
    TEST_END("test_supervisor");
}
