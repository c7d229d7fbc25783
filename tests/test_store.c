/* test_store.c — the results store on real SQLite files in a temp folder.
 *
 * Numbered cases: 1 creation on first use (nested folder, WAL, schema
 * version); 2 a run and its analysis read back value for value (NAN,
 * pairs, strings, booleans, stages, notes); 3 idempotent run insert; 4 a
 * re-analysis is a new row, the latest is the default; 5 filters; 6
 * exclusions with reasons; 7-9 the tamper tests (a result changed with
 * plain SQL by the sqlite3 program, an audit entry deleted, a row inserted
 * behind the log's back) each named by store_verify; 10 a newer schema is
 * refused and left untouched; 11 a store locked by another writer gives
 * RIGOR_ETIMEOUT, then works; 12 two processes writing at once keep one
 * linear chain; 13 a file that is not a store; 14 an unreachable
 * PostgreSQL server; 15 a full disk (file size limit) gives RIGOR_EFULL;
 * 16 a batch of writes with a refused one inside, and one rolled back;
 * 17 a query over more than one page of analyses; 18 a password in the
 * connection string is never printed.
 * The sqlite3 program is the independent peer; cases needing it skip
 * without it.
 */
#include "harness.h"

#include "../common/error.h"
#include "../store/store.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char tmp[256];

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmp, name);
}

static store *open_at(const char *name, int busy_ms)
{
    char p[512];
    path_of(p, sizeof p, name);
    store_cfg cfg = {.target = p, .busy_timeout_ms = busy_ms};
    store *st = NULL;
    char why[1200] = "";
    int rc = store_open(&cfg, &st, why, sizeof why);
    CHECK(rc == RIGOR_OK, "open %s: %s\n", p, why);
    return st;
}

static bool have_sqlite3(void)
{
    return system("command -v sqlite3 >/dev/null 2>&1") == 0;
}

/* Run SQL on a store file with the sqlite3 program; its stdout in out. */
static int sql(const char *name, const char *q, char *out, size_t len)
{
    char p[512], cmd[2048];
    path_of(p, sizeof p, name);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", p, q);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    size_t n = out ? fread(out, 1, len - 1, f) : 0;
    if (out) {
        out[n] = '\0';
        out[strcspn(out, "\n")] = '\0';
    }
    return pclose(f);
}

static void fill_rs(result_set *rs, double strength)
{
    results_init(rs);
    snprintf(rs->test, sizeof rs->test, "tensile");
    results_method_string(rs, "modulus_method", "auto");
    results_method_number(rs, "yield_offset_pct", 0.2);
    results_method_pair(rs, "plateau_window_pct", 20, 30);
    results_method_bool(rs, "toe_compensation", 1);
    results_number(rs, "modulus_mpa", 1500.5873);
    results_number(rs, "tensile_strength_mpa", strength);
    results_number(rs, "yield_strength_mpa", NAN);
    results_pair(rs, "modulus_strain_range_pct", 0.016665, 2.966665);
    results_string(rs, "break_rule", "sudden-drop");
    result_stage g = {.stage = "elastic",
                      .start_index = 12,
                      .start_time_s = 0.24,
                      .start_position_mm = 0.04,
                      .start_strain_pct = 0.3,
                      .end_strain_pct = 3.15,
                      .start_stress_mpa = NAN,
                      .rule = "slope"};
    results_add_stage(rs, &g);
    results_note(rs, "yield strength: no offset intersection");
}

static void fill_run(store_specimen *sp, store_run *r, const char *code, const char *batch,
                     const char *sha, int idx)
{
    memset(sp, 0, sizeof *sp);
    memset(r, 0, sizeof *r);
    snprintf(sp->code, sizeof sp->code, "%s", code);
    snprintf(sp->batch, sizeof sp->batch, "%s", batch);
    snprintf(sp->material, sizeof sp->material, "E-LPSCl");
    curve_geom_clear(&sp->geom);
    sp->geom.width_m = 10e-3;
    sp->geom.thickness_m = 40e-6;
    r->origin = STORE_IMPORTED;
    snprintf(r->source, sizeof r->source, "/data/%s.csv", code);
    snprintf(r->source_sha256, sizeof r->source_sha256, "%s", sha);
    r->curve_index = idx;
    snprintf(r->format, sizeof r->format, "rigor-run");
    snprintf(r->test, sizeof r->test, "tensile");
    snprintf(r->columns, sizeof r->columns, "time=time_s[s];force=force_N[N]");
    snprintf(r->protocol_name, sizeof r->protocol_name, "film-tensile");
    r->protocol_text = "protocol film-tensile\n";
    snprintf(r->operator_name, sizeof r->operator_name, "ada");
    snprintf(r->tested_at, sizeof r->tested_at, "2026-03-%02dT10:00:00Z", 1 + idx % 28);
}

static int add(store *st, const char *code, const char *batch, const char *sha, int idx,
               double strength, int64_t *rid, int64_t *aid)
{
    store_specimen sp;
    store_run r;
    fill_run(&sp, &r, code, batch, sha, idx);
    result_set rs;
    fill_rs(&rs, strength);
    char *imp[] = {"WARNING: force column jumps x10 at sample 7"};
    store_analysis a = {.rs = &rs,
                        .import_notes = imp,
                        .nimport_notes = 1,
                        .operator_name = "ada",
                        .rigor_version = "test"};
    int rc = store_add_run(st, &sp, &r, &a, rid, aid);
    results_clear(&rs);
    return rc;
}

static void sha_of(int k, char out[65])
{
    snprintf(out, 65, "%064x", k);
}

typedef struct {
    int n;
    store_row last;
    double strength[64];
    char specimen[64][128];
    bool excluded[64];
    char reason[64][512];
    int64_t analysis[64];
} seen;

static int on_row(void *ctx, const store_row *r)
{
    seen *s = ctx;
    if (s->n < 64) {
        s->strength[s->n] = results_get(&r->rs, "tensile_strength_mpa");
        snprintf(s->specimen[s->n], sizeof s->specimen[0], "%s", r->specimen);
        s->excluded[s->n] = r->excluded;
        snprintf(s->reason[s->n], sizeof s->reason[0], "%s", r->exclusion_reason);
        s->analysis[s->n] = r->analysis_id;
    }
    s->n++;
    return 0;
}

/* 1 */
static void test_create_on_first_use(void)
{
    store *st = open_at("new/deeper/results.db", 0);
    if (!st)
        return;
    int v = -1;
    CHECK(store_schema_version(st, &v) == RIGOR_OK && v == STORE_SCHEMA_VERSION, "v=%d\n", v);
    CHECK(store_kind(st) == STORE_SQLITE, "kind\n");
    store_close(st);
    char p[512];
    path_of(p, sizeof p, "new/deeper/results.db");
    struct stat sb;
    CHECK(stat(p, &sb) == 0, "the file exists\n");
    if (have_sqlite3()) {
        char out[64];
        sql("new/deeper/results.db", "PRAGMA journal_mode", out, sizeof out);
        CHECK(!strcmp(out, "wal"), "journal_mode = '%s'\n", out);
    }
    /* opening again migrates nothing */
    st = open_at("new/deeper/results.db", 0);
    int from = -1, to = -1;
    CHECK(st && store_migrate(st, &from, &to) == RIGOR_OK && from == 1 && to == 1,
          "from %d to %d\n", from, to);
    store_close(st);
}

/* 2 */
static int check_row(void *ctx, const store_row *r)
{
    int *n = ctx;
    (*n)++;
    CHECK(!strcmp(r->specimen, "S1") && !strcmp(r->batch, "B12"), "%s %s\n", r->specimen,
          r->batch);
    CHECK(!strcmp(r->material, "E-LPSCl"), "material %s\n", r->material);
    CHECK(!strcmp(r->run.protocol_name, "film-tensile") && !strcmp(r->run.operator_name, "ada"),
          "run provenance\n");
    CHECK(!strcmp(r->run.columns, "time=time_s[s];force=force_N[N]"), "columns\n");
    CHECK(!strcmp(r->rs.test, "tensile"), "test\n");
    CHECK(r->rs.nmethod == 4 && r->rs.nresults == 5, "%zu method, %zu results\n", r->rs.nmethod,
          r->rs.nresults);
    const result_value *m = results_find_method(&r->rs, "plateau_window_pct");
    CHECK(m && m->kind == RV_PAIR && m->v[0] == 20 && m->v[1] == 30, "pair method\n");
    m = results_find_method(&r->rs, "toe_compensation");
    CHECK(m && m->kind == RV_BOOL && m->v[0] == 1, "bool method\n");
    m = results_find_method(&r->rs, "modulus_method");
    CHECK(m && m->kind == RV_STRING && !strcmp(m->s, "auto"), "string method\n");
    CHECK(results_get(&r->rs, "modulus_mpa") == 1500.5873, "exact double\n");
    CHECK(isnan(results_get(&r->rs, "yield_strength_mpa")), "NAN kept\n");
    CHECK(!strcmp(r->rs.results[0].key, "modulus_mpa") &&
              !strcmp(r->rs.results[4].key, "break_rule"),
          "result order kept\n");
    CHECK(r->rs.nstages == 1 && r->rs.stages[0].start_index == 12 &&
              isnan(r->rs.stages[0].start_stress_mpa) && !strcmp(r->rs.stages[0].rule, "slope"),
          "stage\n");
    CHECK(r->nnotes == 2 && !strncmp(r->notes[0], "WARNING: force", 14) &&
              !strncmp(r->notes[1], "yield strength", 14),
          "notes in order\n");
    return 0;
}

static void test_round_trip(void)
{
    store *st = open_at("rt.db", 0);
    if (!st)
        return;
    char sha[65];
    sha_of(1, sha);
    int64_t rid = 0, aid = 0;
    CHECK(add(st, "S1", "B12", sha, 0, 74.0845, &rid, &aid) == RIGOR_OK, "%s\n",
          store_errmsg(st));
    CHECK(rid == 1 && aid == 1, "ids %lld %lld\n", (long long)rid, (long long)aid);
    int n = 0;
    CHECK(store_query(st, NULL, check_row, &n) == RIGOR_OK && n == 1, "n=%d\n", n);
    store_counts c;
    CHECK(store_count(st, &c) == RIGOR_OK && c.measurements == 2 && c.audit == 5,
          "%lld measurements, %lld audit\n", (long long)c.measurements, (long long)c.audit);
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_OK && rep.entries == 5, "%s\n", rep.bad_what);
    store_close(st);
}

/* 3 */
static void test_idempotent(void)
{
    store *st = open_at("idem.db", 0);
    if (!st)
        return;
    char sha[65];
    sha_of(7, sha);
    int64_t r1 = 0, r2 = 0;
    CHECK(add(st, "S1", "B", sha, 0, 70, &r1, NULL) == RIGOR_OK, "%s\n", store_errmsg(st));
    store_counts a, b;
    CHECK(store_count(st, &a) == RIGOR_OK, "count\n");
    CHECK(add(st, "S1", "B", sha, 0, 70, &r2, NULL) == RIGOR_EEXIST, "second insert\n");
    CHECK(r2 == r1, "names the stored run %lld\n", (long long)r2);
    CHECK(strstr(store_errmsg(st), "already stored"), "%s\n", store_errmsg(st));
    CHECK(store_count(st, &b) == RIGOR_OK && !memcmp(&a, &b, sizeof a), "nothing added\n");
    /* the same file's second specimen is a run of its own */
    CHECK(add(st, "S2", "B", sha, 1, 71, NULL, NULL) == RIGOR_OK, "curve 1\n");
    char(*known)[65] = NULL;
    size_t nk = 0;
    CHECK(store_known_sources(st, &known, &nk) == RIGOR_OK && nk == 1 && !strcmp(known[0], sha),
          "known %zu\n", nk);
    free(known);
    store_close(st);
}

/* 4 */
static void test_reanalysis(void)
{
    store *st = open_at("re.db", 0);
    if (!st)
        return;
    char sha[65];
    sha_of(2, sha);
    int64_t rid = 0, a2 = 0;
    CHECK(add(st, "S1", "B", sha, 0, 70, &rid, NULL) == RIGOR_OK, "add\n");
    result_set rs;
    fill_rs(&rs, 72);
    store_analysis a = {.rs = &rs, .operator_name = "bob", .rigor_version = "test"};
    CHECK(store_add_analysis(st, rid, &a, &a2) == RIGOR_OK && a2 == 2, "a2=%lld\n",
          (long long)a2);
    CHECK(store_add_analysis(st, 99, &a, NULL) == RIGOR_ENODATA, "no such run\n");
    results_clear(&rs);
    seen s = {0};
    CHECK(store_query(st, NULL, on_row, &s) == RIGOR_OK && s.n == 1 && s.strength[0] == 72,
          "latest only: n=%d %g\n", s.n, s.strength[0]);
    memset(&s, 0, sizeof s);
    store_filter f = {.all_analyses = true};
    CHECK(store_query(st, &f, on_row, &s) == RIGOR_OK && s.n == 2 && s.strength[0] == 70 &&
              s.strength[1] == 72,
          "both: n=%d\n", s.n);
    store_close(st);
}

/* 5 */
static void test_filters(void)
{
    store *st = open_at("filt.db", 0);
    if (!st)
        return;
    char sha[65];
    for (int k = 0; k < 6; k++) {
        char code[16];
        snprintf(code, sizeof code, "F%d", k);
        sha_of(100 + k, sha);
        CHECK(add(st, code, k < 3 ? "batch-12" : "batch-13", sha, k, 60 + k, NULL, NULL) ==
                  RIGOR_OK,
              "add %d\n", k);
    }
    seen s = {0};
    store_filter f = {.batch = "*-12"};
    CHECK(store_query(st, &f, on_row, &s) == RIGOR_OK && s.n == 3, "glob batch n=%d\n", s.n);
    memset(&s, 0, sizeof s);
    store_range r = {.key = "tensile_strength_mpa", .lo = 62, .hi = 64};
    store_filter g = {.ranges = &r, .nranges = 1};
    CHECK(store_query(st, &g, on_row, &s) == RIGOR_OK && s.n == 3 && s.strength[0] == 62 &&
              s.strength[2] == 64,
          "range n=%d\n", s.n);
    memset(&s, 0, sizeof s);
    r.hi = NAN;
    store_filter h = {.ranges = &r, .nranges = 1, .batch = "batch-13", .since = "2026-03-05"};
    CHECK(store_query(st, &h, on_row, &s) == RIGOR_OK && s.n == 2, "open range + since n=%d\n",
          s.n);
    memset(&s, 0, sizeof s);
    store_filter m = {.material = "e-lpscl", .operator_name = "nobody"};
    CHECK(store_query(st, &m, on_row, &s) == RIGOR_OK && s.n == 0, "operator n=%d\n", s.n);
    memset(&s, 0, sizeof s);
    store_filter q = {.specimen = "F?", .protocol = "film-tensile"};
    CHECK(store_query(st, &q, on_row, &s) == RIGOR_OK && s.n == 6, "specimen glob n=%d\n", s.n);
    store_close(st);
}

/* 6 */
static void test_exclusion(void)
{
    store *st = open_at("excl.db", 0);
    if (!st)
        return;
    char sha[65];
    sha_of(3, sha);
    CHECK(add(st, "E1", "B", sha, 0, 70, NULL, NULL) == RIGOR_OK, "add\n");
    sha_of(4, sha);
    CHECK(add(st, "E2", "B", sha, 0, 20, NULL, NULL) == RIGOR_OK, "add\n");
    int64_t id = 0;
    CHECK(store_find_specimen(st, "E2", NULL, &id) == RIGOR_OK && id == 2, "find\n");
    CHECK(store_find_specimen(st, "nope", NULL, &id) == RIGOR_ENODATA, "absent\n");
    CHECK(store_exclude(st, id, "", "ada") == RIGOR_EINVAL, "a reason is required\n");
    CHECK(store_exclude(st, id, "broke in the grip", "ada") == RIGOR_OK, "%s\n",
          store_errmsg(st));
    CHECK(store_correct_geometry(st, 1, "width_m", 9.8e-3, "re-measured", "ada") == RIGOR_OK,
          "correction\n");
    CHECK(store_correct_geometry(st, 1, "width_m", -1, "x", "ada") == RIGOR_EGEOMETRY,
          "negative width\n");
    CHECK(store_comment(st, STORE_T_RUN, 1, "clean break", "ada") == RIGOR_OK, "comment\n");
    CHECK(store_comment(st, STORE_T_ANALYSIS, 77, "x", "ada") == RIGOR_ENODATA, "no target\n");
    seen s = {0};
    CHECK(store_query(st, NULL, on_row, &s) == RIGOR_OK && s.n == 1 &&
              !strcmp(s.specimen[0], "E1"),
          "excluded left out n=%d\n", s.n);
    memset(&s, 0, sizeof s);
    store_filter f = {.with_excluded = true};
    CHECK(store_query(st, &f, on_row, &s) == RIGOR_OK && s.n == 2 && s.excluded[1] &&
              !strcmp(s.reason[1], "broke in the grip"),
          "with reason n=%d\n", s.n);
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_OK, "%s\n", rep.bad_what);
    store_close(st);
}

/* A store with three analyses for the tamper cases. */
static store *tamper_store(const char *name)
{
    store *st = open_at(name, 0);
    char sha[65];
    for (int k = 0; st && k < 3; k++) {
        char code[16];
        snprintf(code, sizeof code, "T%d", k);
        sha_of(200 + k, sha);
        CHECK(add(st, code, "B", sha, 0, 70 + k, NULL, NULL) == RIGOR_OK, "add\n");
    }
    return st;
}

/* 16: a batch (rigor db import's chunk): a refused write inside it is
 * undone alone and the chain stays whole; a batch rolled back leaves nothing. */
static void test_batch(void)
{
    store *st = open_at("batch.db", 0);
    if (!st)
        return;
    char a[65], b[65], c[65];
    sha_of(300, a);
    sha_of(301, b);
    sha_of(302, c);
    CHECK(store_batch_begin(st) == RIGOR_OK, "begin\n");
    CHECK(store_batch_begin(st) == RIGOR_ESTATE, "no nesting\n");
    CHECK(add(st, "P1", "B", a, 0, 70, NULL, NULL) == RIGOR_OK, "%s\n", store_errmsg(st));
    CHECK(add(st, "P1", "B", a, 0, 70, NULL, NULL) == RIGOR_EEXIST, "duplicate in batch\n");
    CHECK(add(st, "P2", "B", b, 0, 71, NULL, NULL) == RIGOR_OK, "%s\n", store_errmsg(st));
    CHECK(store_batch_end(st, true) == RIGOR_OK, "commit\n");
    CHECK(store_batch_begin(st) == RIGOR_OK, "begin 2\n");
    CHECK(add(st, "P3", "B", c, 0, 72, NULL, NULL) == RIGOR_OK, "in batch 2\n");
    CHECK(store_batch_end(st, false) == RIGOR_OK, "roll back\n");
    CHECK(add(st, "P4", "B", c, 1, 73, NULL, NULL) == RIGOR_OK, "after the batch\n");
    store_counts n;
    CHECK(store_count(st, &n) == RIGOR_OK && n.runs == 3 && n.specimens == 3, "%lld runs\n",
          (long long)n.runs);
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_OK && rep.entries == n.audit, "%s\n", rep.bad_what);
    store_close(st);
}

/* 17: a query longer than one page (512 analyses) gives every analysis
 * once, in the order stored, each with its own values. */
static int count_pages(void *ctx, const store_row *r)
{
    int *k = ctx;
    CHECK(results_get(&r->rs, "tensile_strength_mpa") == 1000 + *k && r->rs.nresults == 5 &&
              r->nnotes == 2,
          "row %d: %g\n", *k, results_get(&r->rs, "tensile_strength_mpa"));
    (*k)++;
    return 0;
}

static void test_query_pages(void)
{
    store *st = open_at("pages.db", 0);
    if (!st)
        return;
    CHECK(store_batch_begin(st) == RIGOR_OK, "begin\n");
    for (int k = 0; k < 1100; k++) {
        char sha[65], code[16];
        sha_of(10000 + k, sha);
        snprintf(code, sizeof code, "Q%d", k);
        if (add(st, code, "B", sha, 0, 1000 + k, NULL, NULL) != RIGOR_OK) {
            CHECK(0, "add %d: %s\n", k, store_errmsg(st));
            break;
        }
    }
    CHECK(store_batch_end(st, true) == RIGOR_OK, "commit\n");
    int k = 0;
    CHECK(store_query(st, NULL, count_pages, &k) == RIGOR_OK && k == 1100, "k=%d\n", k);
    store_close(st);
}

/* 7 */
static void test_tamper_result(void)
{
    if (!have_sqlite3())
        SKIP("the sqlite3 program is not installed");
    store *st = tamper_store("tamper1.db");
    if (!st)
        return;
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_OK, "clean first: %s\n", rep.bad_what);
    char seq[64];
    sql("tamper1.db", "SELECT seq FROM audit WHERE kind='analysis' AND ref=2", seq, sizeof seq);
    CHECK(sql("tamper1.db",
              "UPDATE analysis_values SET v0 = 75 WHERE analysis_id = 2 AND "
              "key = 'tensile_strength_mpa'",
              NULL, 0) == 0,
          "sqlite3 update\n");
    CHECK(store_verify(st, &rep) == RIGOR_EPARSE, "detected\n");
    CHECK(rep.bad_seq == atoll(seq) && atoll(seq) > 0, "names entry %lld, want %s\n",
          (long long)rep.bad_seq, seq);
    CHECK(strstr(rep.bad_what, "analysis 2") && strstr(rep.bad_what, "no longer matches"),
          "%s\n", rep.bad_what);
    store_close(st);
}

/* 8 */
static void test_tamper_chain(void)
{
    if (!have_sqlite3())
        SKIP("the sqlite3 program is not installed");
    store *st = tamper_store("tamper2.db");
    if (!st)
        return;
    store_verify_report rep;
    CHECK(sql("tamper2.db", "DELETE FROM audit WHERE seq = 4", NULL, 0) == 0, "delete\n");
    CHECK(store_verify(st, &rep) == RIGOR_EPARSE && rep.bad_seq == 4, "names %lld: %s\n",
          (long long)rep.bad_seq, rep.bad_what);
    store_close(st);
    st = tamper_store("tamper3.db");
    if (!st)
        return;
    CHECK(sql("tamper3.db", "UPDATE audit SET actor = 'mallory' WHERE seq = 2", NULL, 0) == 0,
          "update\n");
    CHECK(store_verify(st, &rep) == RIGOR_EPARSE && rep.bad_seq == 2 &&
              strstr(rep.bad_what, "entry itself"),
          "names %lld: %s\n", (long long)rep.bad_seq, rep.bad_what);
    store_close(st);
}

/* 9 */
static void test_tamper_insert(void)
{
    if (!have_sqlite3())
        SKIP("the sqlite3 program is not installed");
    store *st = tamper_store("tamper4.db");
    if (!st)
        return;
    CHECK(sql("tamper4.db",
              "INSERT INTO analyses (run_id, test, method_json, operator, rigor_version, "
              "created_at) VALUES (1, 'tensile', '{}', 'x', 'x', 'x')",
              NULL, 0) == 0,
          "insert\n");
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_EPARSE &&
              strstr(rep.bad_what, "analysis 4 has no audit"),
          "%s\n", rep.bad_what);
    store_close(st);
}

/* 10 */
static void test_newer_schema(void)
{
    if (!have_sqlite3())
        SKIP("the sqlite3 program is not installed");
    store *st = tamper_store("newer.db");
    store_close(st);
    CHECK(sql("newer.db", "INSERT INTO schema_version VALUES (99, 'future')", NULL, 0) == 0,
          "bump\n");
    char p[512], why[1200] = "";
    path_of(p, sizeof p, "newer.db");
    store_cfg cfg = {.target = p};
    st = NULL;
    CHECK(store_open(&cfg, &st, why, sizeof why) == RIGOR_EUNSUPPORTED && !st, "refused\n");
    CHECK(strstr(why, "schema version 99") && strstr(why, "newer"), "%s\n", why);
    cfg.readonly = true;
    CHECK(store_open(&cfg, &st, why, sizeof why) == RIGOR_EUNSUPPORTED, "read-only too\n");
    char out[64];
    sql("newer.db", "SELECT count(*) FROM analyses", out, sizeof out);
    CHECK(!strcmp(out, "3"), "untouched: %s\n", out);
}

/* 11 */
static void test_locked(void)
{
    if (!have_sqlite3())
        SKIP("the sqlite3 program is not installed");
    store *st = open_at("locked.db", 300);
    if (!st)
        return;
    char p[512], flag[512], cmd[2048];
    path_of(p, sizeof p, "locked.db");
    path_of(flag, sizeof flag, "locked.flag");
    /* Another writer holds the write lock until it is told to let go. */
    char go[512];
    path_of(go, sizeof go, "locked.go");
    snprintf(cmd, sizeof cmd,
             "printf 'BEGIN IMMEDIATE;\\nINSERT INTO schema_version VALUES (1, %s);\\n"
             ".shell touch %s\\n.shell while [ ! -e %s ]; do sleep 0.05; done\\nROLLBACK;\\n' "
             "| sqlite3 '%s' >/dev/null 2>&1 &",
             "\\047x\\047", flag, go, p);
    CHECK(system(cmd) == 0, "start the other writer\n");
    for (int i = 0; i < 600 && access(flag, F_OK) != 0; i++)
        usleep(50000);
    CHECK(access(flag, F_OK) == 0, "the other writer holds the lock\n");
    char sha[65];
    sha_of(9, sha);
    int rc = add(st, "L1", "B", sha, 0, 70, NULL, NULL);
    CHECK(rc == RIGOR_ETIMEOUT, "rc=%d %s\n", rc, store_errmsg(st));
    CHECK(strstr(store_errmsg(st), "locked by another writer"), "%s\n", store_errmsg(st));
    FILE *g = fopen(go, "w");
    if (g)
        fclose(g);
    /* once released, the same write goes through (retry until it does) */
    for (int i = 0;
         i < 600 && (rc = add(st, "L1", "B", sha, 0, 70, NULL, NULL)) == RIGOR_ETIMEOUT; i++)
        usleep(50000);
    CHECK(rc == RIGOR_OK, "after release: %s\n", store_errmsg(st));
    store_close(st);
}

/* 12 */
static void test_concurrent_writers(void)
{
    store *st = open_at("conc.db", 0);
    store_close(st);
    pid_t pid[2];
    for (int w = 0; w < 2; w++) {
        pid[w] = fork();
        if (pid[w] == 0) {
            char p[512];
            path_of(p, sizeof p, "conc.db");
            store_cfg cfg = {.target = p, .busy_timeout_ms = 60000};
            store *s = NULL;
            if (store_open(&cfg, &s, NULL, 0) != RIGOR_OK)
                _exit(10);
            int bad = 0;
            for (int k = 0; k < 25; k++) {
                char sha[65], code[16];
                sha_of(1000 + (k % 20), sha); /* both writers try the same 20 files */
                snprintf(code, sizeof code, "C%d", k % 20);
                int rc = add(s, code, "B", sha, w, 70 + k, NULL, NULL);
                bad += rc != RIGOR_OK && rc != RIGOR_EEXIST;
            }
            store_close(s);
            _exit(bad ? 11 : 0);
        }
    }
    for (int w = 0; w < 2; w++) {
        int status = -1;
        waitpid(pid[w], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d: %d\n", w, status);
    }
    st = open_at("conc.db", 0);
    if (!st)
        return;
    store_counts c;
    CHECK(store_count(st, &c) == RIGOR_OK && c.runs == 40 && c.analyses == 40 &&
              c.specimens == 20,
          "%lld runs %lld analyses %lld specimens\n", (long long)c.runs, (long long)c.analyses,
          (long long)c.specimens);
    store_verify_report rep;
    CHECK(store_verify(st, &rep) == RIGOR_OK && rep.entries == c.audit, "%s\n", rep.bad_what);
    store_close(st);
}

/* 13 */
static void test_not_a_store(void)
{
    char p[512], why[1200] = "";
    path_of(p, sizeof p, "garbage.db");
    FILE *f = fopen(p, "w");
    if (f) {
        for (int i = 0; i < 200; i++)
            fputs("this is not a database\n", f);
        fclose(f);
    }
    store_cfg cfg = {.target = p};
    store *st = NULL;
    CHECK(store_open(&cfg, &st, why, sizeof why) == RIGOR_EIO && !st, "refused\n");
    CHECK(strstr(why, "not a Rigor store"), "%s\n", why);
}

/* 14 */
static void test_unreachable_pg(void)
{
    char why[1200] = "";
    store_cfg cfg = {.target = "postgresql://rigor@127.0.0.1:9/results"};
    store *st = NULL;
    CHECK(store_open(&cfg, &st, why, sizeof why) == RIGOR_EIO && !st, "refused\n");
    CHECK(strstr(why, "cannot connect"), "%s\n", why);
}

/* 18: a password in the target never appears in a message */
static void test_password_redacted(void)
{
    const char *t[] = {
        "postgresql://rigor:s3cret@127.0.0.1:9/results",
        "host=127.0.0.1 port=9 user=rigor password=s3cret dbname=results",
        "postgresql://rigor@127.0.0.1:9/results?password=s3cret&sslmode=disable"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char why[1200] = "";
        store_cfg cfg = {.target = t[i]};
        store *st = NULL;
        CHECK(store_open(&cfg, &st, why, sizeof why) == RIGOR_EIO, "refused\n");
        CHECK(!strstr(why, "s3cret") && strstr(why, "***") && strstr(why, "127.0.0.1"), "%s\n",
              why);
    }
}

/* 15 */
static void test_full(void)
{
    store *st = open_at("full.db", 0);
    store_close(st);
    char p[512];
    path_of(p, sizeof p, "full.db");
    struct stat sb;
    if (stat(p, &sb) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        /* No file may grow past 256 KiB: a full disk as the writer sees it
         * (room enough for the 32 KiB shared-memory index, not for the log). */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {.rlim_cur = (rlim_t)sb.st_size + 262144,
                            .rlim_max = (rlim_t)sb.st_size + 262144};
        setrlimit(RLIMIT_FSIZE, &rl);
        store_cfg cfg = {.target = p};
        store *s = NULL;
        if (store_open(&cfg, &s, NULL, 0) != RIGOR_OK)
            _exit(10);
        int rc = RIGOR_OK, k_done = 0;
        for (int k = 0; k < 5000 && rc == RIGOR_OK; k++, k_done++) {
            char sha[65], code[16];
            sha_of(5000 + k, sha);
            snprintf(code, sizeof code, "X%d", k);
            rc = add(s, code, "B", sha, 0, 70, NULL, NULL);
        }
        int ok = (rc == RIGOR_EFULL && strstr(store_errmsg(s), "full")) ? 0 : 12;
        printf("  full: after %d runs: %s\n", k_done, store_errmsg(s)), fflush(stdout);
        if (ok)
            printf("  full: rc=%d %s\n", rc, store_errmsg(s)), fflush(stdout);
        store_close(s);
        _exit(ok);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d\n", status);
    /* what was committed before is intact */
    st = open_at("full.db", 0);
    store_verify_report rep;
    CHECK(st && store_verify(st, &rep) == RIGOR_OK, "%s\n", rep.bad_what);
    store_close(st);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/rigor-test-store-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    unsetenv("RIGOR_DB");
    TEST_RUN(test_create_on_first_use);
    TEST_RUN(test_round_trip);
    TEST_RUN(test_idempotent);
    TEST_RUN(test_reanalysis);
    TEST_RUN(test_filters);
    TEST_RUN(test_exclusion);
    TEST_RUN(test_batch);
    TEST_RUN(test_query_pages);
    TEST_RUN(test_tamper_result);
    TEST_RUN(test_tamper_chain);
    TEST_RUN(test_tamper_insert);
    TEST_RUN(test_newer_schema);
    TEST_RUN(test_locked);
    TEST_RUN(test_concurrent_writers);
    TEST_RUN(test_not_a_store);
    TEST_RUN(test_unreachable_pg);
    TEST_RUN(test_full);
    TEST_RUN(test_password_redacted);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("  note: could not remove %s\n", tmp);
    TEST_END("test_store");
}
