/* test_sim.c — the simulated frame in-process: drive, compliance, load cell, specimens,
 * register map, watchdog, faults, determinism, and the TCP server with a raw client.
 *
 * Physics cases step the simulator synchronously (sim_advance, 1 ms steps),
 * so they are exact and fast; the watchdog and TCP cases run the real
 * clock and threads for a fraction of a second.
 */
#include "harness.h"

#include "../rig/sim/sim.h"
#include "../rig/words.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

static sim *make(const char *specimen, const char *p1, const char *p2)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = specimen;
    const char *ps[2] = {p1, p2};
    c.params = ps;
    c.n_params = p2 ? 2 : p1 ? 1 : 0;
    sim *s = NULL;
    int rc = sim_new(&c, &s);
    CHECK(rc == RIGOR_OK && s, "sim_new(%s) = %d", specimen, rc);
    return s;
}

static int wr1(sim *s, int unit, int addr, uint16_t v)
{
    return sim_write_regs(s, unit, addr, 1, &v, false);
}

static void set_velocity(sim *s, double v_m_s)
{
    uint16_t r[2];
    words_set_i32(r, (int32_t)lround(v_m_s * 1e9), WO_CDAB);
    CHECK(sim_write_regs(s, 1, 2, 2, r, false) == 0, "write VELOCITY_CMD");
}

static double read_force(sim *s)
{
    uint16_t r[2];
    CHECK(sim_read_regs(s, 2, 4, 1, 2, r) == 0, "read FORCE");
    return words_get_f32(r, WO_ABCD);
}

static double read_position(sim *s)
{
    uint16_t r[2];
    CHECK(sim_read_regs(s, 1, 4, 2, 2, r) == 0, "read POSITION");
    return words_get_i32(r, WO_CDAB) * 1e-9;
}

/* Velocity v for t moves the crosshead v t (the 0.05 m/s^2 ramp costs v^2/2a). */
static void test_velocity_moves_vt(void)
{
    const double vs[] = {1e-3, -0.5e-3, 5e-3};
    for (int k = 0; k < 3; k++) {
        sim *s = make("none", NULL, NULL);
        if (!s)
            return;
        CHECK(wr1(s, 1, 0, 1) == 0, "enable");
        set_velocity(s, vs[k]);
        sim_advance(s, 2000);
        sim_truth t;
        sim_truth_snapshot(s, &t);
        /* the bar: v t within 1 % at test speeds (<= 1 mm/s) ... */
        if (fabs(vs[k]) <= 1e-3)
            CHECK_NEAR(t.crosshead_m, vs[k] * 2.0, 0, 0.01, "crosshead after 2 s");
        /* ... and exactly the trapezoid with the 0.05 m/s^2 default ramp */
        double ramp = vs[k] * fabs(vs[k]) / (2 * 0.05);
        CHECK_NEAR(t.crosshead_m, vs[k] * 2.0 - ramp, 0, 2e-3, "trapezoid distance");
        CHECK_NEAR(t.velocity_m_s, vs[k], 1e-12, 1e-9, "velocity");
        CHECK_NEAR(read_position(s), t.crosshead_m, 1e-9, 0, "POSITION register (CDAB nm)");
        CHECK(t.moving && t.enabled, "moving and enabled");
        sim_free(s);
    }
}

static void test_accel_limit_and_quick_stop(void)
{
    sim *s = make("none", NULL, NULL);
    if (!s)
        return;
    CHECK(wr1(s, 1, 6, 1000) == 0, "ACCEL = 1 mm/s^2");
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 1e-3);
    sim_advance(s, 500);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK_NEAR(t.velocity_m_s, 0.5e-3, 1e-6, 0, "velocity after 0.5 s at 1 mm/s^2");
    CHECK(wr1(s, 1, 0, 1 | 2) == 0, "quick stop");
    sim_advance(s, 10); /* 0.5 m/s^2 stops 0.5 mm/s in 1 ms */
    sim_truth_snapshot(s, &t);
    CHECK(t.velocity_m_s == 0 && !t.moving, "stopped by quick stop (v=%g)", t.velocity_m_s);
    sim_advance(s, 100);
    sim_truth t2;
    sim_truth_snapshot(s, &t2);
    CHECK(t2.crosshead_m == t.crosshead_m, "quick stop is latched");
    sim_free(s);
}

static void test_position_mode(void)
{
    sim *s = make("none", NULL, NULL);
    if (!s)
        return;
    uint16_t r[2];
    CHECK(wr1(s, 1, 1, 1) == 0, "MODE = position");
    words_set_i32(r, 500000, WO_CDAB); /* 0.5 mm */
    CHECK(sim_write_regs(s, 1, 4, 2, r, false) == 0, "POSITION_CMD");
    set_velocity(s, 2e-3);
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    sim_advance(s, 1000);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK_NEAR(t.crosshead_m, 0.5e-3, 1e-12, 0, "arrived at the target");
    CHECK(!t.moving, "stopped at the target");
    sim_free(s);
}

/* Tensile film: the true force is the model at the solved deformation, the
 * transmitter reads it within its noise, and the break drops it at once. */
static void test_tensile_force_follows_model(void)
{
    sim *s = make("e-lpscl-film", "filter=0", NULL);
    if (!s)
        return;
    sim_geometry g;
    sim_get_geometry(s, &g);
    CHECK_NEAR(g.area_m2, 10e-3 * 40e-6, 1e-15, 0, "film area");
    const double noise = 2e-3, res = 1e-4;
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 2e-3);
    double worst = 0, prev_force = 0;
    int samples = 0;
    sim_truth t;
    for (int i = 0; i < 400; i++) {
        sim_advance(s, 5);
        sim_truth_snapshot(s, &t);
        if (t.fractured)
            break;
        double model = sim_model_stress(s, t.deformation_m / g.length_m) * g.area_m2;
        CHECK_NEAR(t.force_N, model, 1e-9, 1e-9, "true force = model");
        CHECK_NEAR(t.crosshead_m, t.deformation_m + t.frame_deflection_m, 1e-12, 0,
                   "crosshead = deformation + deflection");
        double dev = fabs(read_force(s) - t.force_N);
        worst = fmax(worst, dev);
        prev_force = t.force_N;
        samples++;
    }
    CHECK(samples > 50, "samples before fracture: %d", samples);
    CHECK(worst < 5 * noise + res, "FORCE vs true: worst %g N (noise %g N)", worst, noise);
    /* run to fracture */
    for (int i = 0; i < 5000 && !t.fractured; i++) {
        sim_advance(s, 1);
        sim_truth_snapshot(s, &t);
    }
    CHECK(t.fractured, "fractured");
    CHECK_NEAR(t.peak_force_N / g.area_m2, 74e6, 0, 1e-3, "tensile strength");
    CHECK(t.force_N == 0, "no force after fracture");
    /* regression: the break is recorded at eps_f on the loading path, not on an
     * unloading branch through the step's overshoot (logged 26.38 N, not 26.4) */
    CHECK_NEAR(t.fracture_force_N, 66e6 * g.area_m2, 1e-9, 1e-12, "force at fracture");
    CHECK_NEAR(t.fracture_deformation_m, 0.08 * g.length_m, 1e-15, 0,
               "deformation at fracture");
    CHECK_NEAR(t.fracture_t_s, t.t_s, 1e-9, 0, "fracture in the current step");
    CHECK(fabs(read_force(s)) < 5 * noise, "FORCE drops within 1 ms (filter off): %g",
          read_force(s));
    /* the stop-latency hook (bench/): wall times of the break and of the stop */
    CHECK(t.fracture_wall_s > 0 && t.stop_cmd_wall_s < 0, "fracture wall time %g, no stop yet %g",
          t.fracture_wall_s, t.stop_cmd_wall_s);
    CHECK(wr1(s, 1, 8, 7) == 0, "heartbeat write");
    sim_truth_snapshot(s, &t);
    CHECK(t.stop_cmd_wall_s < 0, "a heartbeat is not a stop");
    set_velocity(s, 0);
    sim_truth_snapshot(s, &t);
    CHECK(t.stop_cmd_wall_s >= t.fracture_wall_s, "stop write time %g after fracture %g",
          t.stop_cmd_wall_s, t.fracture_wall_s);
    (void)prev_force;
    sim_free(s);
}

/* Run a preset at speed v until fracture or until strain eps_stop; return truth. */
static void run_preset(sim *s, double v, double eps_stop, sim_truth *t)
{
    sim_geometry g;
    sim_get_geometry(s, &g);
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, v);
    for (int i = 0; i < 200000; i++) {
        sim_advance(s, 1);
        sim_truth_snapshot(s, t);
        if (t->fractured || t->fault_code || t->deformation_m / g.length_m >= eps_stop)
            break;
    }
}

static void test_presets_reproduce_study(void)
{
    sim_truth t;
    sim_geometry g;
    struct {
        const char *name;
        double strength;
    } tens[] = {{"e-lpscl-film", 74e6}, {"p-lpscl-film", 1.2e6}, {"peva-scaffold", 239e6}};
    for (int k = 0; k < 3; k++) {
        sim *s = make(tens[k].name, NULL, NULL);
        if (!s)
            return;
        sim_get_geometry(s, &g);
        run_preset(s, 5e-3, 10, &t);
        CHECK(t.fractured, "%s fractured", tens[k].name);
        CHECK_NEAR(t.peak_force_N / g.area_m2, tens[k].strength, 0, 2e-3, tens[k].name);
        sim_free(s);
    }
    /* pellet: compression, brittle at 0.19 MPa and 6.5 % */
    sim *s = make("lpscl-pellet", NULL, NULL);
    if (!s)
        return;
    sim_get_geometry(s, &g);
    CHECK(g.compression && g.gap_m > 0, "pellet is compression with a gap");
    run_preset(s, -1e-3, 10, &t);
    CHECK(t.fractured && t.contact, "pellet fractured after contact");
    CHECK(t.fracture_force_N < 0, "compression force is negative");
    CHECK_NEAR(-t.fracture_force_N / g.area_m2, 0.19e6, 0, 2e-3, "pellet fracture stress");
    CHECK_NEAR(t.fracture_deformation_m / g.length_m, 0.065, 0, 2e-3, "pellet fracture strain");
    CHECK_NEAR(t.contact_t_s, g.gap_m / 1e-3 + 0.5 * 1e-3 / 0.05, 0.003, 0, "contact time");
    sim_advance(s, 5);
    sim_truth_snapshot(s, &t);
    CHECK(t.force_N < 0 && -t.force_N < 0.15 * -t.fracture_force_N,
          "debris residual after fracture: %g N", t.force_N);
    sim_free(s);
    /* compression film: 80 MPa at 90 % without rupture */
    s = make("e-lpscl-film-compression", NULL, NULL);
    if (!s)
        return;
    sim_get_geometry(s, &g);
    run_preset(s, -1e-3, 0.9, &t);
    CHECK(!t.fractured, "compression film does not rupture");
    CHECK_NEAR(-t.force_N / g.area_m2, 80e6, 0, 0.01, "stress at 90 % thickness reduction");
    CHECK_NEAR(sim_model_stress(s, 0.9), 80e6, 0, 1e-9, "model anchor");
    CHECK(t.fault_code == 0, "no overload at 90 %% (fault %d)", t.fault_code);
    sim_free(s);
}

/* Compression: no force before contact; after it, travel = deformation + deflection. */
static void test_compliance_splits_travel(void)
{
    sim *s = make("e-lpscl-film-compression", "frame_compliance=0.05um/N", NULL);
    if (!s)
        return;
    sim_geometry g;
    sim_get_geometry(s, &g);
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, -1e-3);
    sim_truth t;
    sim_advance(s, 150); /* ~0.13 mm of the 0.2 mm gap */
    sim_truth_snapshot(s, &t);
    CHECK(!t.contact && t.force_N == 0, "no force before contact");
    /* regression: the gap is not specimen deformation (it read -gap/height) */
    CHECK(t.deformation_m == 0, "no deformation before contact: %g", t.deformation_m);
    sim_advance(s, 180);
    sim_truth_snapshot(s, &t);
    CHECK(t.contact && t.force_N < 0, "in contact, compressive");
    double travel = -t.crosshead_m - g.gap_m;
    double defl = -t.force_N * 0.05e-6;
    CHECK_NEAR(travel, t.deformation_m + defl, 1e-12, 0, "travel = deformation + F c");
    CHECK(defl > 0.2 * t.deformation_m, "the frame takes a real share (%g of %g m)", defl,
          travel);
    /* crush into the plateau, then lift the platen: the film keeps its set */
    sim_advance(s, 60);
    sim_truth_snapshot(s, &t);
    double peak_def = t.deformation_m;
    CHECK(peak_def / g.length_m > 0.3, "into the plateau: strain %g", peak_def / g.length_m);
    set_velocity(s, 1e-3);
    sim_advance(s, 400);
    sim_truth_snapshot(s, &t);
    CHECK(fabs(t.force_N) < 1e-9 && t.crosshead_m > -g.gap_m, "platen lifted off: x %g F %g",
          t.crosshead_m, t.force_N);
    /* the set is the largest deformation minus the elastic recovery */
    CHECK(t.deformation_m > 0.3 * peak_def && t.deformation_m < peak_def, "set %g of %g",
          t.deformation_m, peak_def);
    double set1 = t.deformation_m;
    sim_advance(s, 100);
    sim_truth_snapshot(s, &t);
    CHECK(t.deformation_m == set1, "the set stays while the platen rises");
    sim_free(s);
}

static double read_ext(sim *s, uint16_t *status)
{
    uint16_t r[3];
    CHECK(sim_read_regs(s, 3, 4, 0, 3, r) == 0, "read extensometer");
    *status = r[0];
    return words_get_i32(&r[1], WO_ABCD) * 1e-9;
}

/* The extensometer is a clip-on: it reads the specimen's own deformation
 * (not the frame's deflection), slips once by ext_slip at ext_slip_at,
 * clamps at its range with OVERRANGE, and comes off (ext_detach_at, or
 * HR0 = 2), after which ATTACHED is clear. */
static void test_clip_on_extensometer(void)
{
    sim *s = NULL;
    sim_config c;
    sim_config_init(&c);
    c.specimen = "e-lpscl-film";
    const char *ps[] = {"frame_compliance=5um/N", "ext_slip=0.01mm", "ext_slip_at=0.1mm",
                        "ext_range=0.3mm", "ext_noise=0"};
    c.params = ps;
    c.n_params = 5;
    CHECK(sim_new(&c, &s) == RIGOR_OK, "sim_new with the clip-on's parameters");
    if (!s)
        return;
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 1e-3);
    sim_advance(s, 60);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    uint16_t st;
    double e = read_ext(s, &st);
    CHECK((st & 1) && !(st & 2), "attached, in range: status %#x", st);
    CHECK(t.force_N > 1, "loaded: %g N", t.force_N);
    CHECK_NEAR(e, t.deformation_m, 2e-9, 0, "reads the specimen's deformation");
    CHECK(t.crosshead_m - e > 0.5 * t.force_N * 5e-6,
          "not the crosshead: %g m travel, %g m extension", t.crosshead_m, e);
    sim_advance(s, 200); /* past 0.1 mm: the one slip */
    sim_truth_snapshot(s, &t);
    e = read_ext(s, &st);
    CHECK(fabs(e - (t.deformation_m - 1e-5)) < 2e-9, "slipped by 0.01 mm: %g vs %g", e,
          t.deformation_m);
    sim_advance(s, 400); /* past 0.3 mm: clamps */
    sim_truth_snapshot(s, &t);
    e = read_ext(s, &st);
    CHECK((st & 2) && fabs(e - 0.3e-3) < 1e-9 && t.deformation_m > 0.32e-3,
          "over range: status %#x, %g m at %g m", st, e, t.deformation_m);
    CHECK(wr1(s, 3, 0, 3) == 3, "COMMAND 3 -> 03");
    CHECK(wr1(s, 3, 0, 2) == 0, "COMMAND 2: taken off");
    sim_advance(s, 5);
    e = read_ext(s, &st);
    CHECK(!(st & 1) && e == 0, "removed: status %#x, %g m", st, e);
    sim_free(s);
    /* falling off by itself */
    const char *ps2[] = {"ext_detach_at=0.05mm"};
    c.params = ps2;
    c.n_params = 1;
    CHECK(sim_new(&c, &s) == RIGOR_OK, "sim_new ext_detach_at");
    if (!s)
        return;
    wr1(s, 1, 0, 1);
    set_velocity(s, 1e-3);
    sim_advance(s, 30);
    read_ext(s, &st);
    CHECK(st & 1, "attached before: %#x", st);
    sim_advance(s, 100);
    read_ext(s, &st);
    CHECK(!(st & 1), "fell off: %#x", st);
    sim_free(s);
    const char *ps3[] = {"ext_range=-1mm"};
    c.params = ps3;
    s = NULL;
    CHECK(sim_new(&c, &s) != RIGOR_OK && !s, "a negative range is refused");
}

/* A limit switch faults the drive (overtravel) and refuses motion further into it. */
static void test_limit_switch(void)
{
    sim *s = make("none", "travel_upper=1mm", NULL);
    if (!s)
        return;
    wr1(s, 1, 0, 1);
    set_velocity(s, 5e-3);
    sim_advance(s, 400);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(t.upper_limit && t.fault_code == 2 && !t.enabled && !t.moving, "overtravel fault");
    CHECK(t.crosshead_m >= 1e-3 && t.crosshead_m < 1.1e-3, "stopped just past the switch: %g",
          t.crosshead_m);
    uint16_t st;
    CHECK(sim_read_regs(s, 1, 4, 0, 1, &st) == 0 && (st & 8) && (st & 4), "UPPER_LIMIT|FAULT");
    CHECK(wr1(s, 1, 0, 5) == 0, "reset + enable");
    double x0 = t.crosshead_m;
    sim_advance(s, 100);
    sim_truth_snapshot(s, &t);
    CHECK(t.enabled && t.crosshead_m == x0, "no motion into the switch");
    set_velocity(s, -5e-3);
    sim_advance(s, 200);
    sim_truth_snapshot(s, &t);
    CHECK(!t.upper_limit && t.crosshead_m < 1e-3 && t.fault_code == 0, "moved away");
    sim_free(s);
}

/* Crushing the compression film past densification ends in a frame overload. */
static void test_frame_overload(void)
{
    sim *s = make("e-lpscl-film-compression", NULL, NULL);
    if (!s)
        return;
    sim_truth t;
    run_preset(s, -1e-3, 0.999, &t);
    sim_advance(s, 50);
    sim_truth_snapshot(s, &t);
    CHECK(t.fault_code == 4 && !t.enabled && !t.moving, "overload fault (code %d)", t.fault_code);
    CHECK(-t.force_N > 5000 * 1.2 && -t.force_N < 5000 * 2, "beyond 1.2 x capacity: %g N",
          t.force_N);
    uint16_t st;
    CHECK(sim_read_regs(s, 2, 4, 0, 1, &st) == 0 && (st & 2), "transmitter OVERLOAD bit");
    sim_free(s);
}

static void test_register_map_and_exceptions(void)
{
    sim *s = make("e-lpscl-film", NULL, NULL);
    if (!s)
        return;
    uint16_t r[16];
    uint16_t one = 1;
    CHECK(sim_write_regs(s, 2, 0, 1, &one, true) == 1, "FC06 on transmitter COMMAND -> 01");
    CHECK(sim_write_regs(s, 2, 0, 1, &one, false) == 0, "FC16 on transmitter COMMAND ok");
    CHECK(wr1(s, 1, 1, 7) == 3, "MODE 7 -> 03");
    CHECK(wr1(s, 1, 0, 8) == 3, "CONTROL bit 3 -> 03");
    CHECK(wr1(s, 2, 1, 501) == 3, "FILTER_HZ 501 -> 03");
    CHECK(wr1(s, 2, 1, 50) == 0, "FILTER_HZ 50");
    CHECK(sim_read_regs(s, 1, 4, 5, 2, r) == 2, "IR 5..6 of the drive -> 02");
    CHECK(sim_read_regs(s, 1, 3, 0, 9, r) == 0, "HR 0..8 of the drive");
    CHECK(sim_read_regs(s, 1, 3, 0, 10, r) == 2, "HR 0..9 -> 02");
    CHECK(sim_read_regs(s, 2, 4, 0, 8, r) == 0, "IR 0..7 of the transmitter");
    CHECK(sim_read_regs(s, 3, 4, 0, 3, r) == 0 && (r[0] & 1), "extensometer attached");
    CHECK(sim_read_regs(s, 3, 4, 0, 4, r) == 2, "extensometer IR 3 -> 02");
    CHECK(sim_read_regs(s, 4, 4, 0, 1, r) == -1, "unknown unit");
    CHECK(sim_read_regs(s, 2, 4, 0, 0, r) == 3, "quantity 0 -> 03");
    uint16_t v[2];
    words_set_i32(v, 30000000, WO_CDAB); /* 30 mm/s > v_max 20 mm/s */
    CHECK(sim_write_regs(s, 1, 2, 2, v, false) == 3, "velocity beyond v_max -> 03");
    CHECK(sim_read_regs(s, 1, 3, 2, 2, r) == 0 && r[0] == 0 && r[1] == 0,
          "rejected write changed nothing");
    CHECK(wr1(s, 1, 0, 4) == 0 && sim_read_regs(s, 1, 3, 0, 1, r) == 0 && r[0] == 0,
          "FAULT_RESET reads back 0");
    /* tare: load the film a little, zero, read ~0 */
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 1e-3);
    sim_advance(s, 200);
    set_velocity(s, 0);
    sim_advance(s, 100);
    double before = read_force(s);
    CHECK(before > 1, "loaded: %g N", before);
    CHECK(sim_write_regs(s, 2, 0, 1, &one, false) == 0, "tare");
    sim_advance(s, 5);
    CHECK(fabs(read_force(s)) < 0.02, "net force after tare: %g", read_force(s));
    CHECK(sim_read_regs(s, 2, 4, 6, 2, r) == 0 && words_get_i32(r, WO_ABCD) > 100000 + 9000,
          "RAW counts keep the gross force");
    sim_free(s);
}

static void test_watchdog_stepped(void)
{
    sim *s = make("none", NULL, NULL);
    if (!s)
        return;
    CHECK(wr1(s, 1, 7, 200) == 0, "WATCHDOG_MS 200");
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 1e-3);
    for (int i = 1; i <= 10; i++) { /* heartbeats every 50 ms keep it alive */
        sim_advance(s, 50);
        CHECK(wr1(s, 1, 8, (uint16_t)i) == 0, "heartbeat");
    }
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(!t.watchdog_tripped && t.enabled, "alive with heartbeats");
    double last = t.t_s;
    CHECK(wr1(s, 1, 8, 10) == 0, "same heartbeat value does not count");
    sim_advance(s, 300);
    sim_truth_snapshot(s, &t);
    CHECK(t.watchdog_tripped && t.fault_code == 1 && !t.enabled, "tripped");
    CHECK_NEAR(t.watchdog_trip_t_s - last, 0.2, 0.0015, 0, "trip after the period");
    uint16_t st;
    CHECK(sim_read_regs(s, 1, 4, 0, 1, &st) == 0 && (st & 64) && (st & 4), "STATUS bits");
    CHECK(wr1(s, 1, 0, 1) == 0, "enable refused while faulted");
    sim_truth_snapshot(s, &t);
    CHECK(!t.enabled, "still disabled");
    CHECK(wr1(s, 1, 0, 4 | 1) == 0, "reset + enable");
    sim_truth_snapshot(s, &t);
    CHECK(t.enabled && t.fault_code == 0 && !t.watchdog_tripped, "enabled again");
    sim_free(s);
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* On the real clock, the watchdog trips within its period +-20 %. */
static void test_watchdog_realtime(void)
{
    sim *s = make("none", NULL, NULL);
    if (!s)
        return;
    int port = 0;
    CHECK(sim_start_tcp(s, "127.0.0.1", 0, &port) == RIGOR_OK && port > 0, "start");
    CHECK(wr1(s, 1, 7, 250) == 0, "WATCHDOG_MS 250");
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    double t0 = wall();
    sim_truth t;
    do {
        struct timespec d = {0, 2000000};
        nanosleep(&d, NULL);
        sim_truth_snapshot(s, &t);
    } while (!t.watchdog_tripped && wall() - t0 < 1.0);
    double dt = wall() - t0;
    CHECK(t.watchdog_tripped, "tripped");
    CHECK_NEAR(dt, 0.25, 0, 0.2, "wall time to the trip");
    sim_free(s);
}

static void test_determinism(void)
{
    double a[50], b[50], c[50];
    double *out[3] = {a, b, c};
    uint64_t seeds[3] = {7, 7, 8};
    for (int k = 0; k < 3; k++) {
        sim_config cfg;
        sim_config_init(&cfg);
        cfg.specimen = "p-lpscl-film";
        cfg.seed = seeds[k];
        sim *s = NULL;
        CHECK(sim_new(&cfg, &s) == 0, "new");
        if (!s)
            return;
        wr1(s, 1, 0, 1);
        set_velocity(s, 1e-3);
        for (int i = 0; i < 50; i++) {
            sim_advance(s, 3);
            out[k][i] = read_force(s);
        }
        sim_free(s);
    }
    /* a, b, c are filled through out[k] (cppcheck does not follow the aliases) */
    // cppcheck-suppress uninitvar
    CHECK(memcmp(a, b, sizeof a) == 0, "same seed, same FORCE sequence");
    // cppcheck-suppress uninitvar
    CHECK(memcmp(a, c, sizeof a) != 0, "another seed, another sequence");
}

static void test_config_errors(void)
{
    const char *bad[][2] = {{"granite", NULL},           {"e-lpscl-film", "E=2"},
                            {"e-lpscl-film", "E=-1GPa"}, {"e-lpscl-film", "sigma_u=3m"},
                            {"e-lpscl-film", "bogus=1"}, {"cellular", "eps_ref=1.2"}};
    for (int i = 0; i < 6; i++) {
        sim_config c;
        sim_config_init(&c);
        c.specimen = bad[i][0];
        c.params = &bad[i][1];
        c.n_params = bad[i][1] ? 1 : 0;
        sim *s = NULL;
        rigor_diag d = {0};
        int rc = sim_new_diag(&c, &s, &d);
        if (i == 1) { /* E=2 is 2 Pa: valid syntax but the curve is impossible */
            CHECK(rc != 0, "E=2 Pa rejected");
        } else {
            CHECK(rc == RIGOR_EINVAL && !s && d.msg[0], "case %d rejected with a message", i);
        }
        sim_free(s);
    }
    const char *badf[] = {"drop=2", "delay=0.1", "nonsense", "drop=0.6,exception=0.6",
                          "estop-after=5kg"};
    for (int i = 0; i < 5; i++) {
        sim_config c;
        sim_config_init(&c);
        c.faults = badf[i];
        sim *s = NULL;
        CHECK(sim_new(&c, &s) == RIGOR_EINVAL && !s, "faults '%s' rejected", badf[i]);
        sim_free(s);
    }
    sim_config c;
    sim_config_init(&c);
    c.faults = "drop=0.01,corrupt=0.005,delay=0.02:50ms,exception=0.001,disconnect-after=20s,"
               "freeze-tick-after=10s,estop-after=30s";
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == 0, "the brief's example fault list parses");
    sim_free(s);
}

static void test_timed_faults(void)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = "none";
    c.faults = "estop-after=0.3s,freeze-tick-after=200ms";
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == 0, "new");
    if (!s)
        return;
    wr1(s, 1, 0, 1);
    sim_advance(s, 250);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(t.tick_frozen && t.enabled && !t.estop, "frozen at 0.25 s, not yet e-stop");
    uint16_t tick1 = t.tick;
    sim_advance(s, 100);
    sim_truth_snapshot(s, &t);
    CHECK(t.tick == tick1, "TICK frozen");
    CHECK(t.estop && t.fault_code == 3 && !t.enabled, "e-stop at 0.3 s");
    CHECK(t.faults_injected == 2, "two faults logged: %lu", t.faults_injected);
    sim_free(s);
}

/* ---- raw Modbus TCP client ---- */

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int xfer_timeout_ms = 500;

/* Send a PDU to unit, return the reply PDU length (or -1 on timeout/EOF). */
static int tcp_xfer(int fd, int unit, const uint8_t *pdu, int len, uint8_t *rpdu)
{
    static uint16_t tid = 100;
    uint8_t b[300];
    tid++;
    b[0] = (uint8_t)(tid >> 8);
    b[1] = (uint8_t)tid;
    b[2] = b[3] = 0;
    b[4] = (uint8_t)((len + 1) >> 8);
    b[5] = (uint8_t)(len + 1);
    b[6] = (uint8_t)unit;
    memcpy(b + 7, pdu, (size_t)len);
    if (send(fd, b, (size_t)(7 + len), MSG_NOSIGNAL) != 7 + len)
        return -1;
    int have = 0;
    while (have < 7 || have < 6 + (b[4] << 8 | b[5])) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, xfer_timeout_ms) <= 0)
            return -1;
        ssize_t r = recv(fd, b + have, sizeof b - (size_t)have, 0);
        if (r <= 0)
            return -1;
        have += (int)r;
    }
    CHECK((b[0] << 8 | b[1]) == tid, "transaction id echoed");
    CHECK(b[6] == unit, "unit echoed");
    memcpy(rpdu, b + 7, (size_t)(have - 7));
    return have - 7;
}

static void test_tcp_server(void)
{
    sim *s = make("e-lpscl-film", NULL, NULL);
    if (!s)
        return;
    int port = 0;
    double w0 = wall();
    CHECK(sim_start_tcp(s, NULL, 0, &port) == RIGOR_OK && port > 0, "listen on port 0");
    CHECK(sim_advance(s, 1) == RIGOR_ESTATE, "no stepping while running");
    uint8_t rp[260];
    for (int client = 0; client < 3; client++) { /* clients in sequence */
        int fd = tcp_connect(port);
        CHECK(fd >= 0, "connect %d", client);
        if (fd < 0)
            break;
        const uint8_t rd[] = {0x04, 0, 0, 0, 8};
        int n = tcp_xfer(fd, 2, rd, 5, rp);
        CHECK(n == 18 && rp[0] == 4 && rp[1] == 16, "read 8 IR of the transmitter: %d", n);
        n = tcp_xfer(fd, 9, rd, 5, rp);
        CHECK(n == 2 && rp[0] == 0x84 && rp[1] == 0x0B, "unknown unit -> 0B");
        const uint8_t w6[] = {0x06, 0, 0, 0, 1};
        n = tcp_xfer(fd, 2, w6, 5, rp);
        CHECK(n == 2 && rp[0] == 0x86 && rp[1] == 0x01, "FC06 on COMMAND -> 01");
        const uint8_t fc1[] = {0x01, 0, 0, 0, 1};
        n = tcp_xfer(fd, 1, fc1, 5, rp);
        CHECK(n == 2 && rp[0] == 0x81 && rp[1] == 0x01, "coils -> 01");
        /* a function libmodbus cannot frame (0x2B with a body): 01, and the
         * stream stays in step for the next request */
        const uint8_t mei[] = {0x2B, 0x0E, 0x01, 0x00};
        n = tcp_xfer(fd, 1, mei, 4, rp);
        CHECK(n == 2 && rp[0] == 0xAB && rp[1] == 0x01, "FC2B -> 01: %d", n);
        /* FC23: write ACCEL = 0x1234, read HR 5..6 in one transaction */
        const uint8_t rw[] = {0x17, 0, 5, 0, 2, 0, 6, 0, 1, 2, 0x12, 0x34};
        n = tcp_xfer(fd, 1, rw, sizeof rw, rp);
        CHECK(n == 6 && rp[0] == 0x17 && rp[1] == 4 && rp[4] == 0x12 && rp[5] == 0x34,
              "FC23 write+read: %d", n);
        const uint8_t w16[] = {0x10, 0, 1, 0, 1, 2, 0, 7};
        n = tcp_xfer(fd, 1, w16, 8, rp);
        CHECK(n == 2 && rp[0] == 0x90 && rp[1] == 0x03, "MODE 7 by FC16 -> 03");
        if (client == 1) { /* half a request, then vanish */
            const uint8_t half[] = {0, 1, 0, 0, 0, 6, 2, 4};
            send(fd, half, sizeof half, MSG_NOSIGNAL);
        }
        close(fd);
    }
    /* a client that vanishes mid-request must not stop the server */
    int fd = tcp_connect(port);
    CHECK(fd >= 0, "connect after a vanished client");
    if (fd >= 0) {
        const uint8_t rd[] = {0x03, 0, 0, 0, 9};
        int n = tcp_xfer(fd, 1, rd, 5, rp);
        CHECK(n == 20, "read drive HR after a vanished client: %d", n);
        close(fd);
    }
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(t.requests >= 22, "requests counted: %lu", t.requests);
    struct timespec d = {0, 50000000};
    nanosleep(&d, NULL);
    sim_truth_snapshot(s, &t);
    double w = wall() - w0;
    CHECK(t.t_s > 0.04 && t.t_s <= w + 0.002, "physics clock follows real time: %g s in %g s",
          t.t_s, w);
    sim_stop(s);
    CHECK(sim_start_tcp(s, NULL, 0, &port) == RIGOR_ESTATE, "no restart after sim_stop");
    sim_free(s);
}

static void test_tcp_faults(void)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = "none";
    c.faults = "exception=0.5,drop=0.15";
    c.seed = 3;
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == 0, "new");
    if (!s)
        return;
    int port = 0;
    CHECK(sim_start_tcp(s, "127.0.0.1", 0, &port) == 0, "start");
    int fd = tcp_connect(port);
    int busy = 0, ok = 0, lost = 0;
    xfer_timeout_ms = 300;
    uint8_t rp[260];
    for (int i = 0; i < 30 && fd >= 0; i++) {
        const uint8_t rd[] = {0x04, 0, 0, 0, 1};
        int n = tcp_xfer(fd, 1, rd, 5, rp);
        if (n < 0) { /* dropped: the next reply would be out of step, reconnect */
            lost++;
            close(fd);
            fd = tcp_connect(port);
        } else if (n == 2 && rp[0] == 0x84 && rp[1] == 6) {
            busy++;
        } else if (n == 4) {
            ok++;
        }
    }
    xfer_timeout_ms = 500;
    if (fd >= 0)
        close(fd);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(busy > 5 && ok > 5 && lost > 1, "busy %d ok %d lost %d", busy, ok, lost);
    CHECK(t.faults_injected == (unsigned long)(busy + lost), "faults counted: %lu",
          t.faults_injected);
    sim_free(s);
}

/* disconnect-after drops every open connection once; new clients are served. */
static void test_tcp_disconnect_fault(void)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = "none";
    c.faults = "disconnect-after=0.15s";
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == 0, "new");
    if (!s)
        return;
    int port = 0;
    CHECK(sim_start_tcp(s, "127.0.0.1", 0, &port) == 0, "start");
    int fd = tcp_connect(port);
    uint8_t rp[260];
    const uint8_t rd[] = {0x04, 0, 0, 0, 1};
    CHECK(fd >= 0 && tcp_xfer(fd, 1, rd, 5, rp) == 4, "served before the fault");
    struct timespec d = {0, 400000000};
    nanosleep(&d, NULL);
    CHECK(tcp_xfer(fd, 1, rd, 5, rp) < 0, "connection dropped by the fault");
    if (fd >= 0)
        close(fd);
    fd = tcp_connect(port);
    CHECK(fd >= 0 && tcp_xfer(fd, 1, rd, 5, rp) == 4, "a new connection is served");
    if (fd >= 0)
        close(fd);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(t.faults_injected == 1, "one fault: %lu", t.faults_injected);
    sim_free(s);
}

/* The low-carbon-steel preset (luders model, issue 23): the closed form at
 * its corners, and a stepped tensile run at 5 mm/s whose true stress rises
 * to ReH = 300 MPa, falls to the plateau ReL = 270 MPa, hardens to Rm = 400
 * MPa and breaks at 25 %. */
static void test_low_carbon_steel(void)
{
    sim *s = make("low-carbon-steel", NULL, NULL);
    if (!s)
        return;
    CHECK_NEAR(sim_model_stress(s, 300e6 / 210e9), 300e6, 0, 1e-12, "ReH at ReH/E");
    CHECK_NEAR(sim_model_stress(s, 0.01), 270e6, 0, 1e-12, "plateau at ReL");
    CHECK_NEAR(sim_model_stress(s, 0.18), 400e6, 0, 1e-12, "Rm at 18 %%");
    CHECK_NEAR(sim_model_stress(s, 0.25), 300e6, 0, 1e-12, "fracture stress at 25 %%");
    CHECK(sim_model_stress(s, 0.05) > 270e6 && sim_model_stress(s, 0.05) < 400e6,
          "hardening between");
    sim_geometry g;
    sim_get_geometry(s, &g);
    CHECK_NEAR(g.area_m2, 40e-6, 0, 1e-12, "20 x 2 mm");
    CHECK_NEAR(g.length_m, 0.08, 0, 1e-12, "L0 80 mm");
    sim_truth t;
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 5e-3);
    double reh = 0, rel = INFINITY, rm = 0;
    for (int i = 0; i < 200000; i++) {
        sim_advance(s, 1);
        sim_truth_snapshot(s, &t);
        if (t.fractured || t.fault_code)
            break;
        double e = t.deformation_m / g.length_m, sg = t.force_N / g.area_m2;
        if (e < 0.003)
            reh = fmax(reh, sg);
        if (e > 0.005 && e < 0.019)
            rel = fmin(rel, sg);
        rm = fmax(rm, sg);
    }
    CHECK(t.fractured && t.fault_code == 0, "fractured without a fault (%d)", t.fault_code);
    CHECK_NEAR(reh, 300e6, 0, 5e-3, "upper yield in the run");
    CHECK_NEAR(rel, 270e6, 0, 1e-3, "lower yield in the run");
    CHECK_NEAR(rm, 400e6, 0, 2e-3, "tensile strength in the run");
    CHECK_NEAR(t.fracture_deformation_m / g.length_m, 0.25, 0, 5e-3, "fracture strain");
    sim_free(s);
}

/* Realism for the controller's tests (issue 21): a grip weight on the cell
 * at rest, an absolute encoder that does not start at 0, a watchdog counted
 * in seconds. */
static void test_realism_params(void)
{
    sim *s = make("e-lpscl-film", "grip_weight=1.2N", "x0=123mm");
    if (!s)
        return;
    sim_advance(s, 200);
    CHECK_NEAR(read_force(s), 1.2, 0.02, 0, "grip weight on the cell at rest");
    CHECK_NEAR(read_position(s), 0.123, 1e-9, 0, "absolute encoder at 123 mm");
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK_NEAR(t.crosshead_m, 0, 1e-12, 0, "the truth is still relative to the start");
    uint16_t one = 1;
    CHECK(sim_write_regs(s, 2, 0, 1, &one, false) == 0, "tare");
    sim_advance(s, 5);
    CHECK_NEAR(read_force(s), 0, 0.02, 0, "tared");
    /* a position move in absolute coordinates: to 124 mm */
    uint16_t r[2];
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    words_set_i32(r, 124000000, WO_CDAB);
    CHECK(sim_write_regs(s, 1, 4, 2, r, false) == 0, "POSITION_CMD 124 mm");
    CHECK(wr1(s, 1, 1, 1) == 0, "position mode");
    sim_advance(s, 1500);
    CHECK_NEAR(read_position(s), 0.124, 1e-7, 0, "arrived at 124 mm absolute");
    sim_free(s);

    s = make("none", "wd_seconds=1", NULL);
    if (!s)
        return;
    CHECK(wr1(s, 1, 7, 1) == 0, "WATCHDOG 1 (s)");
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    sim_advance(s, 900);
    sim_truth_snapshot(s, &t);
    CHECK(!t.watchdog_tripped, "1 s watchdog not tripped at 0.9 s");
    sim_advance(s, 200);
    sim_truth_snapshot(s, &t);
    CHECK(t.watchdog_tripped, "tripped by 1.1 s");
    sim_free(s);
}

/* Faults for the controller's checks: NaN force, frozen force with a running
 * TICK, a stalled drive, refused velocity and control writes. */
static void test_controller_faults(void)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = "none";
    c.faults = "nan-force-after=0.1s,freeze-force-after=0.05s,stall-after=0.2s,"
               "refuse-velocity-after=0.3s,refuse-control-after=0.3s";
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == RIGOR_OK, "new with the new fault kinds");
    if (!s)
        return;
    CHECK(wr1(s, 1, 0, 1) == 0, "enable");
    set_velocity(s, 1e-3);
    sim_advance(s, 60);
    uint16_t r[8];
    CHECK(sim_read_regs(s, 2, 4, 0, 8, r) == 0, "read the cell");
    uint16_t tick0 = r[5];
    float f0 = words_get_f32(&r[1], WO_ABCD);
    sim_advance(s, 30);
    CHECK(sim_read_regs(s, 2, 4, 0, 8, r) == 0, "read the cell");
    CHECK(r[5] != tick0 && words_get_f32(&r[1], WO_ABCD) == f0,
          "freeze-force: TICK runs, FORCE repeats bit for bit");
    sim_advance(s, 20);
    CHECK(isnan(read_force(s)), "nan-force: FORCE is NaN");
    sim_advance(s, 150); /* stalled at 0.2 s; braked at the drive's 0.05 m/s^2 */
    double x1 = read_position(s);
    sim_advance(s, 50);
    CHECK(read_position(s) == x1, "stall: the drive stands");
    sim_advance(s, 50);
    words_set_i32(r, 0, WO_CDAB);
    CHECK(sim_write_regs(s, 1, 2, 2, r, false) == 4, "refuse-velocity: 04");
    CHECK(wr1(s, 1, 0, 3) == 4, "refuse-control: 04");
    CHECK(wr1(s, 1, 8, 5) == 0, "other registers still written");
    sim_free(s);

    sim_config_init(&c);
    c.faults = "stall-after=abc";
    rigor_diag d = {0};
    CHECK(sim_new_diag(&c, &s, &d) == RIGOR_EINVAL && strstr(d.msg, "stall-after"),
          "bad time refused: %s", d.msg);
}

/* An idle TCP client is disconnected after the idle timeout, so sixteen of
 * them cannot lock the controller out. */
static void test_idle_client_timeout(void)
{
    sim_config c;
    sim_config_init(&c);
    c.specimen = "none";
    c.realtime = RT_OFF;
    c.idle_timeout_s = 0.3;
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == RIGOR_OK, "new");
    if (!s)
        return;
    int port = 0;
    CHECK(sim_start_tcp(s, "127.0.0.1", 0, &port) == RIGOR_OK, "start");
    int fd = tcp_connect(port);
    CHECK(fd >= 0, "connect");
    if (fd >= 0) {
        double t0 = wall();
        struct pollfd p = {fd, POLLIN, 0};
        char b;
        int pr = poll(&p, 1, 3000);
        double dt = wall() - t0;
        CHECK(pr == 1 && recv(fd, &b, 1, 0) == 0, "the server closed the idle connection");
        CHECK(dt > 0.25 && dt < 2.5, "after %.2f s (idle timeout 0.3 s)", dt);
        close(fd);
    }
    sim_free(s);
}

int main(void)
{
    TEST_RUN(test_velocity_moves_vt);
    TEST_RUN(test_accel_limit_and_quick_stop);
    TEST_RUN(test_position_mode);
    TEST_RUN(test_tensile_force_follows_model);
    TEST_RUN(test_presets_reproduce_study);
    TEST_RUN(test_low_carbon_steel);
    TEST_RUN(test_compliance_splits_travel);
    TEST_RUN(test_clip_on_extensometer);
    TEST_RUN(test_limit_switch);
    TEST_RUN(test_frame_overload);
    TEST_RUN(test_register_map_and_exceptions);
    TEST_RUN(test_watchdog_stepped);
    TEST_RUN(test_watchdog_realtime);
    TEST_RUN(test_determinism);
    TEST_RUN(test_config_errors);
    TEST_RUN(test_timed_faults);
    TEST_RUN(test_tcp_server);
    TEST_RUN(test_tcp_faults);
    TEST_RUN(test_tcp_disconnect_fault);
    TEST_RUN(test_realism_params);
    TEST_RUN(test_controller_faults);
    TEST_RUN(test_idle_client_timeout);
    TEST_END("test_sim");
}
