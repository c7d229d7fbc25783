/* test_supervisor.c — the safety supervisor as a table: sequences of cycle
 * outcomes and whether (and why) each step trips FAULT. */
#include "../rig/supervisor.h"
#include "harness.h"

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

int main(void)
{
    TEST_RUN(test_table);
    TEST_RUN(test_direction_check);
    TEST_RUN(test_no_tick_point);
    TEST_END("test_supervisor");
}
