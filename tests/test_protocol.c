/* test_protocol.c — the protocol language: parser, validator and plan.
 *
 * 1. Every error class has a small bad file in tests/data/protocols/bad/ and
 *    a row below with the exact line:col and a message fragment; each file
 *    must give exactly that one diagnostic, and every file of the folder must
 *    have a row (table-driven).
 * 2. Good files parse to the expected SI values (units, DNF of and/or,
 *    every statement, CRLF + BOM + tabs), and every shipped protocol in
 *    protocols/ is valid.
 * 3. Machine limits and geometry overrides change the verdict as they should.
 * 4. Robustness: random bytes, truncations and mutations of good files and
 *    word soups never crash (run under ASan/UBSan by make check) and always
 *    end in either a protocol or at least one diagnostic.
 */
#include "../protocols/protocol.h"
#include "harness.h"

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>

#define BAD "tests/data/protocols/bad/"
#define GOOD "tests/data/protocols/good/"

static proto_rig_limits test_rig(void)
{
    proto_rig_limits r;
    r.force_capacity_N = 100;
    r.travel_min_m = 0;
    r.travel_max_m = 0.1;
    r.speed_max_m_s = 500e-3 / 60;
    r.force_noise_N = 2e-3; /* the reference 100 N cell's SD at rest */
    r.extensometer = 0;     /* a rig without one (the reference rig now has one) */
    return r;
}

typedef struct {
    const char *file; /* in BAD */
    long line, col;   /* 0 = whole file */
    const char *frag; /* expected in the message */
    bool rig;         /* check against test_rig() */
} bad_case;

static const bad_case bad_cases[] = {
    {"unknown-keyword", 8, 1, "unknown word 'rammp' (did you mean 'ramp'?)", false},
    {"unknown-word", 8, 19, "unknown word 'untill' (did you mean 'until'?)", false},
    {"unknown-test", 3, 6, "unknown word 'tension' (did you mean 'tensile'?)", false},
    {"unknown-stage", 9, 10, "unknown word 'plasic' (did you mean 'plastic'?)", false},
    {"missing-unit", 4, 7, "missing unit after 10: width needs a length unit", false},
    {"unknown-unit", 5, 14, "unknown unit 'umm' (did you mean 'um'?)", false},
    {"wrong-dimension", 8, 32, "force needs a force unit (N, kN, lbf...), got 'mm' (length)",
     false},
    {"rate-dimension", 8, 12, "got 'mm' (length)", false},
    {"stress-rate", 6, 9, "a stress rate needs the cross-section: give 'width' and", false},
    {"return-force-rate", 9, 13, "return needs a crosshead speed", false},
    {"preload-force-rate", 8, 20, "preload needs a crosshead speed", false},
    {"negative-rate", 8, 9, "the rate must be positive", false},
    {"zero-rate", 8, 9, "the rate must be positive", false},
    {"hold-no-time", 9, 13, "hold without a time", false},
    {"hold-bare", 9, 5, "hold without a time", false},
    {"cycle-count", 8, 7, "the cycle count must be a whole number from 1", false},
    {"cycle-fraction", 8, 7, "got 2.5", false},
    {"cycle-order", 8, 26, "the upper level must be above the lower level", false},
    {"cycle-mixed", 8, 25, "both levels must be the same quantity", false},
    {"negative-geometry", 4, 7, "width must be positive", false},
    {"negative-limit", 8, 18, "an upper limit must be positive", false},
    {"over-capacity", 7, 15, "500 N is beyond the rig's force capacity (100 N)", true},
    {"over-speed", 8, 9, "1000 mm/min is beyond the rig's maximum speed (500 mm/min)", true},
    {"over-travel", 8, 18, "200 mm is beyond the rig's travel range (100 mm)", true},
    {"never-ends", 7, 1, "this ramp can never end: add 'until CONDITION' or a limit", false},
    {"never-ends-falling", 7, 1, "this ramp can never end: every alternative", false},
    {"unreachable", 9, 1, "unreachable step: the test always ends during the ramp on line 8",
     false},
    {"unreachable-implicit", 9, 1, "which stops the test (add 'on fracture next' to go on)",
     false},
    {"duplicate-name", 8, 1, "duplicate 'name' (first given on line 2)", false},
    {"duplicate-geometry", 8, 1, "duplicate 'width' (first given on line 4)", false},
    {"duplicate-limit", 8, 15, "duplicate limit on force (first given on line 7)", false},
    {"duplicate-reaction", 10, 1, "duplicate reaction to fracture (first given on line 9)",
     false},
    {"missing-test", 0, 0, "missing 'test tensile' or 'test compression'", false},
    {"no-steps", 0, 0, "no steps", false},
    {"stress-no-area", 5, 35, "stress needs the cross-section", false},
    {"strain-no-gauge", 6, 35, "strain needs 'gauge-length'", false},
    {"strain-rate-no-gauge", 7, 9, "a strain rate needs 'gauge-length'", false},
    {"compression-strip-area", 6, 36, "width x thickness is a tensile strip", false},
    {"compression-strain-100", 7, 16, "must be below 100 %", false},
    {"tensile-densification", 8, 31, "stage densification never occurs in a tensile test",
     false},
    {"decimal-comma", 4, 7, "numbers use a decimal point", false},
    {"exponent", 5, 11, "exponents are not accepted", false},
    {"unterminated-string", 2, 6, "unterminated string", false},
    {"bad-operator", 8, 27, "'=' is not a comparison", false},
    {"missing-comparison", 8, 27, "expected a comparison (>=, >, <=, <) after 'force'", false},
    {"after-stop", 9, 23, "nothing can follow 'stop'", false},
    {"mark-no-quotes", 9, 23, "mark needs text in double quotes, found 'yield'", false},
    {"trailing-word", 3, 14, "unexpected 'please' after the test type", false},
    {"not-a-keyword", 8, 1, "a line starts with a keyword", false},
    {"control-byte", 8, 18, "unexpected control character (byte 0x01)", false},
    {"lower-limit", 8, 13, "a limit on force must be an upper bound", false},
    {"lower-limit-positive", 8, 18, "a lower limit on position must be negative", false},
    {"unknown-quantity", 8, 25, "unknown word 'load' (did you mean 'force'?)", false},
    {"crush", 6, 18, "would crush the whole 0.6 mm specimen", false},
    {"beyond-limit", 8, 47, "strain 60 % can never be reached: 'limit strain < 50 %' on line 7",
     false},
    {"cycle-beyond-limit", 8, 25, "force 10 N can never be reached: 'limit force < 10 N'",
     false},
    {"limit-next", 9, 10,
     "a limit always ends the test: 'on limit' takes mark, stop, unload or return, not 'next'",
     false},
    {"limit-bounded-then", 9, 1, "it has no 'until', so only a limit ends it", false},
    {"negative-compliance", 6, 12, "the compliance cannot be negative", false},
    {"too-many-or", 8, 153, "too many 'or' alternatives (at most 8)", false},
    {"within-noise", 8, 9,
     "a force of 0.005 N is within the force noise at rest (SD 0.002 N): a force to reach "
     "needs at least 5 SD (0.01 N)",
     true},
    {"no-extensometer", 8, 37, "the rig has no extensometer: 'extension' is never measured",
     true},
    {"no-extensometer-rate", 8, 24,
     "the rig has no extensometer: a strain rate 'on extensometer' cannot be controlled", true},
    {"on-extensometer-speed", 7, 21,
     "'on extensometer' / 'on crosshead' goes with a strain rate (1/s, %/min)", false},
    {"until-within-noise", 9, 34,
     "a stress of 0.02 MPa (0.008 N) is within the force noise at rest (SD 0.002 N)", true},
};
#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_bad_files(void)
{
    CHECK(NBAD >= 20, "at least 20 error classes, have %zu", NBAD);
    for (size_t k = 0; k < NBAD; k++) {
        const bad_case *c = &bad_cases[k];
        char path[256];
        snprintf(path, sizeof path, BAD "%s.rigor", c->file);
        proto_rig_limits rig = test_rig();
        rigor_diag d[8];
        size_t nd = 99;
        protocol *p = (protocol *)1;
        int rc = proto_parse_file(path, c->rig ? &rig : NULL, &p, d, 8, &nd);
        CHECK(rc == RIGOR_EPARSE, "%s: rc %d", c->file, rc);
        CHECK(p == NULL, "%s: no protocol on error", c->file);
        CHECK(nd == 1, "%s: %zu diagnostics (want exactly 1), first: %s", c->file, nd,
              nd ? d[0].msg : "-");
        if (nd < 1)
            continue;
        CHECK(d[0].line == c->line && d[0].col == c->col, "%s: at %ld:%ld, want %ld:%ld (%s)",
              c->file, d[0].line, d[0].col, c->line, c->col, d[0].msg);
        CHECK(strstr(d[0].msg, c->frag) != NULL, "%s: message '%s' lacks '%s'", c->file,
              d[0].msg, c->frag);
        CHECK(!strcmp(d[0].file, path), "%s: file name '%s'", c->file, d[0].file);
        /* The rig-dependent files are valid without the rig. */
        if (c->rig) {
            protocol *q = NULL;
            rc = proto_parse_file(path, NULL, &q, d, 8, &nd);
            CHECK(rc == RIGOR_OK && q, "%s: valid without the rig (rc %d, %s)", c->file, rc,
                  nd ? d[0].msg : "");
            proto_free(q);
        }
    }
}

/* Every file in bad/ has a row (a new error class needs its expectation). */
static void test_bad_folder_complete(void)
{
    DIR *dir = opendir(BAD);
    if (!dir)
        SKIP("no %s", BAD);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rigor"))
            continue;
        n++;
        bool found = false;
        for (size_t k = 0; k < NBAD && !found; k++)
            found = strlen(bad_cases[k].file) == l - 6 &&
                    !strncmp(bad_cases[k].file, e->d_name, l - 6);
        CHECK(found, "%s has no row in bad_cases", e->d_name);
    }
    closedir(dir);
    CHECK(n == (int)NBAD, "%d files, %zu rows", n, NBAD);
}

static protocol *parse_good(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, GOOD "%s", file);
    rigor_diag d[8];
    size_t nd = 0;
    protocol *p = NULL;
    int rc = proto_parse_file(path, NULL, &p, d, 8, &nd);
    CHECK(rc == RIGOR_OK && p, "%s: rc %d, %zu diags, first: %s", file, rc, nd,
          nd ? d[0].msg : "-");
    return p;
}

static void test_units_to_si(void)
{
    protocol *p = parse_good("units.rigor");
    if (!p)
        return;
    CHECK(!strcmp(p->name, "units"), "name '%s'", p->name);
    CHECK(p->test == PTEST_TENSILE, "tensile");
    CHECK_NEAR(p->geom.width_m, 10e-3, 0, 1e-12, "width");
    CHECK_NEAR(p->geom.thickness_m, 40e-6, 0, 1e-12, "thickness 40 um");
    CHECK_NEAR(p->geom.gauge_m, 20e-3, 0, 1e-12, "gauge");
    CHECK(isnan(p->geom.diameter_m) && isnan(p->geom.area_m2), "unset geometry is NAN");
    CHECK_NEAR(p->area_m2, 4e-7, 0, 1e-12, "derived cross-section");
    CHECK_NEAR(p->length0_m, 20e-3, 0, 1e-12, "strain reference");
    CHECK(p->nlimits == 4, "4 limits, got %d", p->nlimits);
    if (p->nlimits == 4) {
        CHECK(p->limit[0].q == PQ_FORCE && p->limit[0].op == POP_LT, "force <");
        CHECK_NEAR(p->limit[0].value, 500, 0, 1e-12, "0.5 kN");
        CHECK_NEAR(p->limit[1].value, 0.95, 0, 1e-12, "95 %");
        CHECK_NEAR(p->limit[2].value, 0.0254, 0, 1e-12, "1 in");
        CHECK(p->limit[3].q == PQ_TEST_TIME, "test-time");
        CHECK_NEAR(p->limit[3].value, 120, 0, 1e-12, "2 min");
        CHECK(p->limit[1].line == 8, "limit line %d", p->limit[1].line);
    }
    CHECK(p->nsteps == 8, "8 steps, got %d", p->nsteps);
    if (p->nsteps != 8) {
        proto_free(p);
        return;
    }
    const proto_step *s = p->steps;
    CHECK(s[0].kind == PSTEP_PRELOAD && s[0].rate_kind == PRATE_VELOCITY, "preload");
    CHECK_NEAR(s[0].target, 0.5, 0, 1e-12, "500 mN");
    CHECK_NEAR(s[0].rate, 1e-3, 0, 1e-12, "1 mm/s");
    CHECK(s[1].kind == PSTEP_ZERO && s[1].zero_mask == PZERO_POSITION, "zero position");
    CHECK(s[2].kind == PSTEP_RAMP && s[2].rate_kind == PRATE_VELOCITY, "ramp velocity");
    CHECK_NEAR(s[2].rate, 1.6666667e-4, 0, 1e-6, "10 mm/min");
    CHECK(s[2].until.nclauses == 1 && s[2].until.natoms[0] == 1, "one atom");
    CHECK(s[2].until.atom[0][0].q == PQ_POSITION && s[2].until.atom[0][0].op == POP_GE,
          "pos >=");
    CHECK_NEAR(s[2].until.atom[0][0].value, 2e-3, 0, 1e-12, "2 mm");
    CHECK(s[3].rate_kind == PRATE_STRAIN, "%%/min is a strain rate");
    CHECK_NEAR(s[3].rate, 0.01 / 60, 0, 1e-12, "1 %/min in 1/s");
    CHECK(s[3].until.nclauses == 2, "stress or strain: 2 clauses");
    CHECK(s[3].until.atom[0][0].q == PQ_STRESS, "stress");
    CHECK_NEAR(s[3].until.atom[0][0].value, 80e6, 0, 1e-12, "80 MPa");
    CHECK(s[3].until.atom[1][0].q == PQ_STRAIN, "strain");
    CHECK_NEAR(s[3].until.atom[1][0].value, 0.9, 0, 1e-12, "90 %");
    CHECK(s[4].rate_kind == PRATE_FORCE, "N/s is a force rate");
    CHECK_NEAR(s[4].rate, 5, 0, 1e-12, "5 N/s");
    CHECK(s[5].kind == PSTEP_HOLD && s[5].hold_at_force, "hold at force");
    CHECK_NEAR(s[5].target, 10, 0, 1e-12, "hold at 10 N");
    CHECK_NEAR(s[5].duration_s, 60, 0, 1e-12, "1 min");
    CHECK(s[6].kind == PSTEP_UNLOAD, "unload");
    CHECK_NEAR(s[6].target, 0.1, 0, 1e-12, "unload to 0.1 N");
    CHECK(s[7].kind == PSTEP_RETURN && s[7].rate_kind == PRATE_VELOCITY, "return");
    CHECK_NEAR(s[7].rate, 20e-3 / 60, 0, 1e-12, "20 mm/min");
    CHECK(s[7].line == 18, "return on line 18, got %d", s[7].line);
    CHECK(p->text && strstr(p->text, "name \"units\""), "source text kept");
    CHECK(p->nwarnings == 0, "no warnings, got %d", p->nwarnings);
    CHECK(isnan(p->compliance_m_N), "no compliance: NAN");
    proto_free(p);
}

static void test_dnf(void)
{
    protocol *p = parse_good("dnf.rigor");
    if (!p)
        return;
    const proto_cond *c = &p->steps[1].until;
    CHECK(c->nclauses == 3, "3 clauses, got %d", c->nclauses);
    CHECK(c->natoms[0] == 2 && c->natoms[1] == 1 && c->natoms[2] == 1, "atoms %d %d %d",
          c->natoms[0], c->natoms[1], c->natoms[2]);
    CHECK(c->atom[0][0].q == PQ_FORCE && c->atom[0][1].q == PQ_STEP_TIME, "force and time");
    CHECK_NEAR(c->atom[0][1].value, 5, 0, 0, "5 s");
    CHECK(!c->atom[1][0].is_event && c->atom[1][0].q == PQ_STRAIN, "strain");
    CHECK(c->atom[2][0].is_event && c->atom[2][0].ev == PEV_FRACTURE, "fracture event");
    proto_free(p);
}

static void test_all_steps(void)
{
    protocol *p = parse_good("all-steps.rigor");
    if (!p)
        return;
    CHECK(p->test == PTEST_COMPRESSION, "compression");
    CHECK(p->nlimits == 6 && p->nsteps == 10 && p->nreactions == 6,
          "%d limits %d steps %d reactions", p->nlimits, p->nsteps, p->nreactions);
    CHECK_NEAR(p->area_m2, M_PI * 9e-6, 0, 1e-9, "area from the diameter");
    CHECK_NEAR(p->length0_m, 40e-6, 0, 1e-12, "height");
    CHECK_NEAR(p->compliance_m_N, 2e-8, 0, 1e-12, "0.02 um/N");
    if (p->nsteps == 10) {
        const proto_step *s = p->steps;
        CHECK(s[0].zero_mask == (PZERO_POSITION | PZERO_EXTENSION | PZERO_FORCE), "mask %u",
              s[0].zero_mask);
        CHECK(s[1].kind == PSTEP_PRELOAD, "preload after the zero");
        CHECK(s[2].until.atom[0][0].is_event && s[2].until.atom[0][0].ev == PEV_CONTACT,
              "contact");
        CHECK(s[3].kind == PSTEP_HOLD && !s[3].hold_at_force, "position hold");
        CHECK_NEAR(s[3].duration_s, 5, 0, 0, "5 s");
        CHECK(s[4].until.nclauses == 1 && s[4].until.atom[0][0].q == PQ_STEP_TIME,
              "hold until");
        CHECK(s[5].kind == PSTEP_CYCLE && s[5].count == 3 && s[5].level_q == PQ_STRAIN,
              "cycle strain");
        CHECK_NEAR(s[5].lo, 0.1, 0, 1e-12, "10 %");
        CHECK_NEAR(s[5].hi, 0.2, 0, 1e-12, "20 %");
        CHECK_NEAR(s[5].rate, 0.01, 0, 1e-12, "1 %/s");
        CHECK(s[6].level_q == PQ_STRESS && s[6].rate_kind == PRATE_FORCE,
              "cycle stress at N/s");
        CHECK_NEAR(s[6].hi, 5e6, 0, 1e-12, "5 MPa");
        CHECK(s[7].until.atom[0][0].ev == PEV_STAGE &&
                  !strcmp(s[7].until.atom[0][0].stage, "densification"),
              "until stage densification");
        CHECK(s[8].kind == PSTEP_UNLOAD && s[8].until.nclauses == 1, "unload until");
    }
    if (p->nreactions == 6) {
        const proto_reaction *r = &p->reaction[2];
        CHECK(r->ev == PEV_STAGE && !strcmp(r->stage, "plastic"), "stage plastic");
        CHECK(r->nactions == 2 && r->action[0] == PACT_MARK && r->action[1] == PACT_HOLD,
              "mark then hold");
        CHECK(!strcmp(r->label, "plastic"), "label '%s'", r->label);
        CHECK_NEAR(r->duration_s[1], 2, 0, 0, "hold 2 s");
        CHECK(p->reaction[4].ev == PEV_LIMIT && p->reaction[4].action[0] == PACT_UNLOAD,
              "on limit unload");
    }
    CHECK(proto_event_ends_test(p, PEV_LIMIT, NULL, NULL), "a limit always ends the test");
    CHECK(proto_event_ends_test(p, PEV_FRACTURE, NULL, NULL), "on fracture stop ends");
    CHECK(!proto_event_ends_test(p, PEV_STAGE, "plastic", NULL), "mark then hold goes on");
    CHECK(p->nwarnings == 0, "%d warnings: %s", p->nwarnings,
          p->nwarnings ? p->warning[0].msg : "");
    proto_free(p);
}

static void test_crlf_bom(void)
{
    protocol *p = parse_good("crlf-bom.rigor");
    if (!p)
        return;
    CHECK(!strcmp(p->name, "crlf"), "name '%s'", p->name);
    CHECK(p->test == PTEST_COMPRESSION, "Compression in any case");
    CHECK_NEAR(p->geom.diameter_m, 10e-3, 0, 1e-12, "10mm without a space");
    CHECK_NEAR(p->geom.height_m, 0.6e-3, 0, 1e-12, "compression: thickness is the height");
    CHECK(p->nlimits == 1 && p->limit[0].op == POP_LE, "<=");
    CHECK(p->nsteps == 3 && p->steps[2].line == 10, "steps %d", p->nsteps);
    proto_free(p);
}

static void test_reaction_semantics(void)
{
    protocol *p = parse_good("densification-unload.rigor");
    if (p) {
        const proto_reaction *r = NULL;
        CHECK(proto_event_ends_test(p, PEV_STAGE, "densification", &r) && r,
              "hold then unload ends the test");
        CHECK(r && r->nactions == 2 && r->action[0] == PACT_HOLD && r->action[1] == PACT_UNLOAD,
              "hold then unload");
        CHECK(r && r->duration_s[0] == 10, "10 s");
        CHECK(!proto_event_ends_test(p, PEV_CONTACT, NULL, NULL), "contact goes on by default");
        CHECK(proto_event_ends_test(p, PEV_FRACTURE, NULL, &r) && !r,
              "implicit stop at fracture");
        proto_free(p);
    }
    p = parse_good("fracture-next.rigor");
    if (p) {
        CHECK(!proto_event_ends_test(p, PEV_FRACTURE, NULL, NULL), "on fracture next");
        CHECK(p->nsteps == 2, "return kept");
        proto_free(p);
    }
    /* Fracture ends the test after a mark; only 'next' goes on. */
    const char *src = "test tensile\nlimit force < 5 N\nramp at 1 mm/min until fracture\n"
                      "on fracture mark \"break\" then hold 1 s\non stage yield stop\n";
    rigor_diag d[2];
    size_t nd;
    if (proto_parse_buffer("mem", src, strlen(src), NULL, &p, d, 2, &nd) == RIGOR_OK) {
        CHECK(proto_event_ends_test(p, PEV_FRACTURE, NULL, NULL),
              "mark then hold, then the end");
        CHECK(proto_event_ends_test(p, PEV_STAGE, "yield", NULL), "on stage yield stop");
        CHECK(!proto_event_ends_test(p, PEV_STAGE, "plastic", NULL), "no reaction: go on");
        CHECK(proto_event_ends_test(p, PEV_LIMIT, NULL, NULL), "limit: implicit stop");
        proto_free(p);
    } else
        CHECK(0, "mem: %s", d[0].msg);
    p = parse_good("limit-bounded.rigor");
    if (p) {
        CHECK(p->nsteps == 2 && p->steps[1].until.nclauses == 0, "ramp without until");
        proto_free(p);
    }
}

static void test_shipped_protocols(void)
{
    DIR *dir = opendir("protocols/shipped");
    if (!dir)
        SKIP("no protocols/shipped/ folder");
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rigor"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "protocols/shipped/%s", e->d_name);
        rigor_diag d[8];
        size_t nd = 0;
        protocol *p = NULL;
        int rc = proto_parse_file(path, NULL, &p, d, 8, &nd);
        CHECK(rc == RIGOR_OK && p, "%s: rc %d: %s:%ld:%ld: %s", path, rc, path,
              nd ? d[0].line : 0, nd ? d[0].col : 0, nd ? d[0].msg : "");
        if (p) {
            CHECK(p->name[0] && p->nsteps > 0, "%s: named, has steps", path);
            CHECK(p->nwarnings == 0, "%s: %d warnings", path, p->nwarnings);
        }
        proto_free(p);
        n++;
    }
    closedir(dir);
    CHECK(n >= 10, "10 shipped protocols, found %d", n);
}

/* The founding-study protocols hold the study's geometry. */
static void test_study_protocols(void)
{
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd;
    if (proto_parse_file("protocols/shipped/e-lpscl-film-tensile.rigor", NULL, &p, d, 4, &nd) ==
        RIGOR_OK) {
        CHECK_NEAR(p->geom.thickness_m, 40e-6, 0, 1e-12, "40 um film");
        CHECK(p->steps[p->nsteps - 1].until.atom[0][0].ev == PEV_FRACTURE, "until fracture");
        const proto_reaction *r;
        CHECK(proto_event_ends_test(p, PEV_FRACTURE, NULL, &r) && r, "on fracture stop");
        proto_free(p);
    } else
        CHECK(0, "e-lpscl-film-tensile: %s", d[0].msg);
    if (proto_parse_file("protocols/shipped/e-lpscl-film-compression.rigor", NULL, &p, d, 4, &nd) ==
        RIGOR_OK) {
        const proto_cond *c = &p->steps[2].until;
        CHECK(c->nclauses == 2 && c->atom[0][0].value == 80e6 && c->atom[1][0].value == 0.9,
              "80 MPa or 90 %%");
        CHECK_NEAR(p->length0_m, 40e-6, 0, 1e-12, "strain on 40 um");
        proto_free(p);
    } else
        CHECK(0, "e-lpscl-film-compression: %s", d[0].msg);
    if (proto_parse_file("protocols/shipped/lpscl-pellet-compression.rigor", NULL, &p, d, 4, &nd) ==
        RIGOR_OK) {
        CHECK_NEAR(p->area_m2, M_PI * 25e-6, 0, 1e-9, "pellet 10 mm across");
        CHECK_NEAR(p->length0_m, 0.6e-3, 0, 1e-12, "0.6 mm high");
        CHECK(p->steps[0].kind == PSTEP_PRELOAD, "preload first");
        proto_free(p);
    } else
        CHECK(0, "lpscl-pellet-compression: %s", d[0].msg);
}

static void test_rig_limits(void)
{
    const char *src = "name \"r\"\ntest tensile\nwidth 10 mm\nthickness 40 um\n"
                      "gauge-length 20 mm\nlimit force < 90 N\nlimit strain < 50 %\n"
                      "ramp at 60 %/min until stress >= 100 MPa\n";
    proto_rig_limits rig = test_rig();
    rigor_diag d[8];
    size_t nd;
    protocol *p = NULL;
    int rc = proto_parse_buffer("mem", src, strlen(src), &rig, &p, d, 8, &nd);
    CHECK(rc == RIGOR_OK, "fits a 100 N, 100 mm, 500 mm/min rig: %s", nd ? d[0].msg : "");
    proto_free(p);
    /* 60 %/min on 20 mm is 12 mm/min; 100 MPa on 0.4 mm2 is 40 N; 50 % is 10 mm. */
    rig.speed_max_m_s = 10e-3 / 60;
    rig.force_capacity_N = 30;
    rig.travel_max_m = 5e-3;
    rc = proto_parse_buffer("mem", src, strlen(src), &rig, &p, d, 8, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 4, "4 problems, got %zu", nd);
    if (nd == 4) {
        CHECK(d[0].line == 6 &&
                  strstr(d[0].msg, "90 N is beyond the rig's force capacity (30 N)"),
              "%ld %s", d[0].line, d[0].msg);
        CHECK(d[1].line == 7 && strstr(d[1].msg, "needs 10 mm of travel"), "%s", d[1].msg);
        CHECK(d[2].line == 8 && d[2].col == 9 && strstr(d[2].msg, "12 mm/min"), "%s", d[2].msg);
        CHECK(d[3].line == 8 && strstr(d[3].msg, "needs 40 N on this cross-section"), "%s",
              d[3].msg);
    }
    /* NAN fields are unknown: no check. */
    proto_rig_limits_unknown(&rig);
    rc = proto_parse_buffer("mem", src, strlen(src), &rig, &p, d, 8, &nd);
    CHECK(rc == RIGOR_OK && p, "unknown rig checks nothing");
    proto_free(p);
}

static void test_geometry_override(void)
{
    curve_geom g;
    curve_geom_clear(&g);
    g.thickness_m = 15e-6;
    rigor_diag d[4];
    size_t nd;
    protocol *p = NULL;
    int rc =
        proto_parse_file_geom("protocols/shipped/e-lpscl-film-tensile.rigor", NULL, &g, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK && p, "override parses");
    if (p) {
        CHECK_NEAR(p->geom.thickness_m, 15e-6, 0, 1e-12, "thickness overridden");
        CHECK_NEAR(p->geom.width_m, 10e-3, 0, 1e-12, "width kept");
        CHECK_NEAR(p->area_m2, 0.15e-6, 0, 1e-9, "cross-section follows");
        proto_free(p);
    }
    /* An override supplies geometry the file lacks. */
    const char *src = "test tensile\nramp at 1 %/min until strain >= 5 %\n";
    rc = proto_parse_buffer("mem", src, strlen(src), NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 2, "needs a gauge length (%zu)", nd);
    curve_geom_clear(&g);
    g.gauge_m = 50e-3;
    rc = proto_parse_buffer_geom("mem", src, strlen(src), NULL, &g, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK && p, "gauge length from the override");
    if (p) {
        CHECK(p->nwarnings == 2, "2 warnings, got %d", p->nwarnings);
        CHECK(p->nwarnings > 0 && p->warning[0].line == 0 &&
                  strstr(p->warning[0].msg, "no 'name'"),
              "name warning first (whole file)");
        CHECK(p->nwarnings > 1 && p->warning[1].line == 2 && p->warning[1].col == 33 &&
                  strstr(p->warning[1].msg, "strain counts from the rig's own zero"),
              "zero warning at the strain");
    }
    proto_free(p);
}

static void test_all_errors_collected(void)
{
    const char *src = "test tensile\n"
                      "width 10 mm\n"
                      "ramp at 10 mm/min untill fracture\n"
                      "ramp at 5 N/s until force >= 5 mm\n"
                      "limit strain < 95 %\n"
                      "hold at 10 N\n";
    rigor_diag d[8];
    size_t nd;
    protocol *p = NULL;
    int rc = proto_parse_buffer("x.rigor", src, strlen(src), NULL, &p, d, 8, &nd);
    CHECK(rc == RIGOR_EPARSE && p == NULL, "invalid");
    CHECK(nd == 4, "4 problems, got %zu", nd);
    long want[4] = {3, 4, 5, 6};
    for (size_t i = 0; i < nd && i < 4; i++)
        CHECK(d[i].line == want[i], "diag %zu on line %ld, want %ld (sorted)", i, d[i].line,
              want[i]);
    char buf[700];
    rigor_diag_format(&d[0], buf, sizeof buf);
    CHECK(!strcmp(buf, "x.rigor:3:19: unknown word 'untill' (did you mean 'until'?)"), "%s",
          buf);
    /* maxdiag bounds what is stored, not the verdict. */
    rc = proto_parse_buffer("x.rigor", src, strlen(src), NULL, &p, d, 1, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 1, "one stored");
    rc = proto_parse_buffer("x.rigor", src, strlen(src), NULL, &p, NULL, 0, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 0, "no storage");
}

/* Lexer corners: unicode comparisons, numbers touching units, '#' inside a
 * string, leading '+' and '.', empty name. */
static void test_lexer_edges(void)
{
    const char *src = "name \"film # 3\"  # a comment\n"
                      "test tensile\n"
                      "width +10mm\n"
                      "thickness .04 mm\n"
                      "gauge-length 20 mm\n"
                      "limit force \xe2\x89\xa4 90 N\n"
                      "ramp at 10 mm/min until force \xe2\x89\xa5 10 N and strain>=1%\n";
    rigor_diag d[4];
    size_t nd;
    protocol *p = NULL;
    int rc = proto_parse_buffer("mem", src, strlen(src), NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK && p, "parses: %s", nd ? d[0].msg : "");
    if (p) {
        CHECK(!strcmp(p->name, "film # 3"), "name '%s'", p->name);
        CHECK_NEAR(p->geom.width_m, 10e-3, 0, 1e-12, "+10mm");
        CHECK_NEAR(p->geom.thickness_m, 40e-6, 0, 1e-12, ".04 mm");
        CHECK(p->limit[0].op == POP_LE, "unicode <=");
        const proto_cond *c = &p->steps[0].until;
        CHECK(c->nclauses == 1 && c->natoms[0] == 2, "one clause of two");
        CHECK(c->atom[0][0].op == POP_GE && c->atom[0][1].op == POP_GE, "unicode >= and >=");
        CHECK_NEAR(c->atom[0][1].value, 0.01, 0, 1e-12, "1%% without spaces");
        proto_free(p);
    }
    const char *empty = "name \"\"\ntest tensile\nlimit force < 1 N\nramp at 1 mm/min\n";
    rc = proto_parse_buffer("mem", empty, strlen(empty), NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 1 && d[0].line == 1 && strstr(d[0].msg, "empty"),
          "empty name: %s", nd ? d[0].msg : "");
    /* Zeroing the force under load is legal but warned about, on its line. */
    const char *zf =
        "name \"z\"\ntest compression\nlimit force < 10 N\n"
        "preload 1 N at 1 mm/min\n  zero force\nramp at 1 mm/min until force >= 5 N\n";
    rc = proto_parse_buffer("mem", zf, strlen(zf), NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK && p, "zero force after preload is valid");
    if (p) {
        CHECK(p->nwarnings == 1 && p->warning[0].line == 5 && p->warning[0].col == 3 &&
                  strstr(p->warning[0].msg, "'zero force' while the specimen is loaded"),
              "warning: %d %s", p->nwarnings, p->nwarnings ? p->warning[0].msg : "");
        proto_free(p);
    }
    /* A NUL byte inside the text is a control character, not the end. */
    const char nul[] = "test tensile\nlimit force < 1 N\nramp at 1 mm/min\0 until x\n";
    rc = proto_parse_buffer("mem", nul, sizeof nul - 1, NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_EPARSE && nd == 1 && d[0].line == 3 && d[0].col == 17 &&
              strstr(d[0].msg, "byte 0x00"),
          "NUL: %ld:%ld %s", nd ? d[0].line : 0, nd ? d[0].col : 0, nd ? d[0].msg : "");
}

/* Numbers do not follow the C library's locale (a curses console may set
 * one with ',' as decimal point), and the exact path agrees with strtod. */
static void test_numbers_exact(void)
{
    const char *src = "test tensile\nwidth 0.1 mm\nthickness 12.345678 um\ngauge-length "
                      "123456789.123456789123 um\nlimit force < 0.3 N\nramp at 1 mm/min\n";
    rigor_diag d[2];
    size_t nd;
    protocol *p = NULL;
    if (proto_parse_buffer("mem", src, strlen(src), NULL, &p, d, 2, &nd) != RIGOR_OK) {
        CHECK(0, "parse: %s", d[0].msg);
        return;
    }
    CHECK(p->geom.width_m == 0.1 * 1e-3, "0.1 mm exactly as 0.1 * 1e-3");
    CHECK(p->geom.thickness_m == strtod("12.345678", NULL) * 1e-6, "12.345678 um");
    CHECK_NEAR(p->geom.gauge_m, 123.456789123456789123, 0, 1e-15, "long number (strtod path)");
    CHECK(p->limit[0].value == 0.3, "0.3 N");
    proto_free(p);
}

static void test_numbers_locale(void)
{
    const char *src = "test tensile\nwidth 0.1 mm\ngauge-length 123456789.123456789123 um\n"
                      "limit force < 0.3 N\nramp at 1 mm/min\n";
    rigor_diag d[2];
    size_t nd;
    protocol *p = NULL;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL};
    const char *got = NULL;
    for (int i = 0; names[i] && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got)
        SKIP("no locale with a decimal comma installed");
    int rc = proto_parse_buffer("mem", src, strlen(src), NULL, &p, d, 2, &nd);
    setlocale(LC_NUMERIC, "C");
    CHECK(rc == RIGOR_OK && p, "parses under %s", got);
    if (p) {
        CHECK(p->geom.width_m == 0.1 * 1e-3, "0.1 mm under %s: %g", got, p->geom.width_m);
        CHECK_NEAR(p->geom.gauge_m, 123.456789123456789123, 0, 1e-15,
                   "long number, comma locale");
        proto_free(p);
    }
}

static void test_plan(void)
{
    char *buf = NULL;
    size_t len = 0;
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd;
    if (proto_parse_file("protocols/shipped/stress-relaxation.rigor", NULL, &p, d, 4, &nd) != RIGOR_OK) {
        CHECK(0, "stress-relaxation: %s", d[0].msg);
        return;
    }
    FILE *f = open_memstream(&buf, &len);
    proto_print_plan(p, f);
    fclose(f);
    /* 2 % of 20 mm at 10 mm/min: 0.4 mm in 2.4 s; hold 10 min. */
    CHECK(strstr(buf, "~2.4 s, 0.4 mm of travel") != NULL, "ramp estimate:\n%s", buf);
    CHECK(strstr(buf, "hold for 600 s") != NULL, "hold in SI");
    CHECK(strstr(buf, "0.000166667 m/s (10 mm/min)") != NULL, "SI and lab unit");
    CHECK(strstr(buf, "estimate: at least 602.4 s") != NULL, "total");
    free(buf);
    proto_free(p);
}

static void test_names(void)
{
    CHECK(!strcmp(proto_quantity_name(PQ_TEST_TIME), "test-time"), "test-time");
    CHECK(!strcmp(proto_step_name(PSTEP_CYCLE), "cycle"), "cycle");
    CHECK(!strcmp(proto_event_name(PEV_FRACTURE), "fracture"), "fracture");
    CHECK(!strcmp(proto_action_name(PACT_NEXT), "next"), "next");
    CHECK(!strcmp(proto_op_name(POP_GE), ">="), ">=");
    for (int q = 0; q < PQ_COUNT; q++)
        CHECK(strcmp(proto_quantity_name((proto_quantity)q), "?"), "quantity %d named", q);
    proto_free(NULL);
    protocol *p = (protocol *)1;
    size_t nd;
    rigor_diag d[2];
    CHECK(proto_parse_file("tests/data/protocols/none.rigor", NULL, &p, d, 2, &nd) == RIGOR_EIO &&
              p == NULL && nd == 1 && strstr(d[0].msg, "cannot open"),
          "missing file");
    CHECK(proto_parse_buffer("empty", "", 0, NULL, &p, d, 2, &nd) == RIGOR_EPARSE && nd == 1,
          "empty text: missing test");
}

/* ---- robustness -------------------------------------------------------- */

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static long fuzz_runs, fuzz_ok;

static void fuzz_one(const char *buf, size_t len)
{
    rigor_diag d[4];
    size_t nd = 0;
    protocol *p = NULL;
    proto_rig_limits rig = test_rig();
    int rc = proto_parse_buffer_geom("fuzz", buf, len, (rnd() & 1) ? &rig : NULL, NULL, &p, d,
                                     4, &nd);
    fuzz_runs++;
    if (rc == RIGOR_OK) {
        fuzz_ok++;
        CHECK(p != NULL && p->nsteps > 0, "valid means a protocol with steps");
        if (p) {
            FILE *f = fopen("/dev/null", "w");
            if (f) {
                proto_print_plan(p, f);
                fclose(f);
            }
        }
    } else {
        CHECK(rc == RIGOR_EPARSE && p == NULL && nd >= 1, "error means a diagnostic (rc %d)", rc);
    }
    proto_free(p);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(65536);
    *len = b ? fread(b, 1, 65536, f) : 0;
    fclose(f);
    return b;
}

/* RIGOR_FUZZ_SCALE=N runs N times more random cases (default 1). */
static void test_fuzz(void)
{
    const char *sc = getenv("RIGOR_FUZZ_SCALE");
    int scale = sc ? atoi(sc) : 1;
    if (scale < 1)
        scale = 1;
    if (sc)
        rng_state = (uint32_t)(12345 + scale);
    static const char *const seeds[] = {GOOD "all-steps.rigor", GOOD "units.rigor",
                                        "protocols/shipped/e-lpscl-film-compression.rigor"};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        size_t len;
        char *src = read_all(seeds[s], &len);
        if (!src)
            SKIP("no %s", seeds[s]);
        if (len == 0) {
            free(src);
            continue; /* nothing to mutate */
        }
        /* Every truncation, in a buffer of exactly that size (ASan sees overreads). */
        for (size_t n = 0; n <= len; n += (s == 0 ? 1 : 7)) {
            char *b = malloc(n ? n : 1);
            memcpy(b, src, n);
            fuzz_one(b, n);
            free(b);
        }
        /* Byte mutations. */
        for (int k = 0; k < 600 * scale; k++) {
            char *b = malloc(len);
            memcpy(b, src, len);
            int m = 1 + (int)(rnd() % 4);
            for (int j = 0; j < m; j++) {
                size_t at = rnd() % len;
                switch (rnd() % 4) {
                case 0: b[at] = (char)(rnd() & 0xff); break;
                case 1: b[at] = "<>=\",#.-0 \n\t%/"[rnd() % 15]; break;
                case 2: b[at] = '\0'; break;
                default: memmove(b + at, b + at + 1, len - at - 1); break;
                }
            }
            fuzz_one(b, len);
            free(b);
        }
        free(src);
    }
    /* Random bytes. */
    for (int k = 0; k < 500 * scale; k++) {
        size_t n = rnd() % 300;
        char *b = malloc(n ? n : 1);
        for (size_t j = 0; j < n; j++)
            b[j] = (char)(rnd() & 0xff);
        fuzz_one(b, n);
        free(b);
    }
    /* Soups of the language's own words: the parser's deeper paths. */
    static const char *const words[] = {"test",
                                        "tensile",
                                        "compression",
                                        "ramp",
                                        "at",
                                        "until",
                                        "hold",
                                        "for",
                                        "cycle",
                                        "between",
                                        "and",
                                        "or",
                                        "on",
                                        "fracture",
                                        "stage",
                                        "plastic",
                                        "densification",
                                        "stop",
                                        "then",
                                        "mark",
                                        "\"x\"",
                                        "10",
                                        "-1",
                                        "0",
                                        "2.5",
                                        "mm/min",
                                        "N",
                                        "MPa",
                                        "%",
                                        "s",
                                        "N/s",
                                        "%/min",
                                        ">=",
                                        "<",
                                        "force",
                                        "stress",
                                        "strain",
                                        "position",
                                        "limit",
                                        "width",
                                        "mm",
                                        "gauge-length",
                                        "thickness",
                                        "um",
                                        "preload",
                                        "zero",
                                        "unload",
                                        "to",
                                        "return",
                                        "next",
                                        "contact",
                                        "time",
                                        "\n",
                                        "\n",
                                        "\n",
                                        "#",
                                        ",",
                                        "name",
                                        "\"",
                                        "1/s",
                                        "10mm"};
    const size_t nw = sizeof words / sizeof words[0];
    for (int k = 0; k < 3000 * scale; k++) {
        char b[1024];
        size_t n = 0;
        int count = 2 + (int)(rnd() % 60);
        n +=
            (size_t)snprintf(b, sizeof b, "test %s\n", (rnd() & 1) ? "tensile" : "compression");
        for (int j = 0; j < count && n + 40 < sizeof b; j++)
            n += (size_t)snprintf(b + n, sizeof b - n, "%s ", words[rnd() % nw]);
        char *h = malloc(n);
        memcpy(h, b, n);
        fuzz_one(h, n);
        free(h);
    }
    printf("  fuzz: %ld inputs, %ld valid\n", fuzz_runs, fuzz_ok);
    CHECK(fuzz_runs > 5000, "ran %ld", fuzz_runs);
}

int main(void)
{
    TEST_RUN(test_bad_files);
    TEST_RUN(test_bad_folder_complete);
    TEST_RUN(test_units_to_si);
    TEST_RUN(test_dnf);
    TEST_RUN(test_all_steps);
    TEST_RUN(test_crlf_bom);
    TEST_RUN(test_reaction_semantics);
    TEST_RUN(test_shipped_protocols);
    TEST_RUN(test_study_protocols);
    TEST_RUN(test_rig_limits);
    TEST_RUN(test_geometry_override);
    TEST_RUN(test_all_errors_collected);
    TEST_RUN(test_lexer_edges);
    TEST_RUN(test_numbers_exact);
    TEST_RUN(test_numbers_locale);
    TEST_RUN(test_plan);
    TEST_RUN(test_names);
    TEST_RUN(test_fuzz);
    TEST_END("test_protocol");
}
