/* parse.c — the protocol language: parser and validator.
 *
 * A protocol file is read in three stages, like a G-code interpreter reads a
 * block: (1) each line is split into tokens (lexer.c) and parsed into the SI
 * model of protocol.h — units are checked against the quantity's dimension
 * and converted here, once; (2) facts that depend on the whole file (the
 * geometry may come after the steps that need it, the test type after the
 * stage names) are recorded as "uses" and checked when the file is read;
 * (3) whole-protocol checks: missing test type, ramps that can never end,
 * steps that can never run, values beyond the rig's capacity. Every problem
 * is collected as a rigor_diag (file:line:col: message) — one per line at most
 * from stage 1, all of stages 2-3 — so the user fixes them in one pass. The
 * grammar, the units and every error class are in docs/protocols.md.
 *
 * NOTE: the input may be any bytes (tests fuzz it): nothing here may read
 * past the buffer, and every copy into a fixed array is bounded.
 */
#include "protocol.h"

#include "../common/textfile.h"
#include "../common/units.h"
#include "lexer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- words ------------------------------------------------------------- */

static const char *const statement_words[] = {
    "name",  "test",       "width", "thickness", "gauge-length", "diameter", "height", "area",
    "limit", "preload",    "zero",  "ramp",      "hold",         "cycle",    "unload", "return",
    "on",    "compliance", NULL};

static const char *const quantity_words[] = {"force",     "stress", "strain",    "position",
                                             "extension", "time",   "test-time", NULL};
static const proto_quantity quantity_ids[] = {
    PQ_FORCE, PQ_STRESS, PQ_STRAIN, PQ_POSITION, PQ_EXTENSION, PQ_STEP_TIME, PQ_TEST_TIME};

static const char *const stage_words[] = {"elastic", "yield",         "plastic",
                                          "plateau", "densification", NULL};

static const char *const event_words[] = {"fracture", "contact", "stage", "limit", NULL};

static const char *const action_words[] = {"stop",   "mark", "hold", "unload",
                                           "return", "next", NULL};

static const char *const zero_words[] = {"position", "extension", "force", NULL};

/* Units offered as suggestions for a misspelt unit (units.c accepts more). */
static const char *const unit_words[] = {
    "N",    "kN",   "mN",    "lbf", "mm",  "um",    "m",    "cm",     "in", "mm2", "m2",
    "Pa",   "kPa",  "MPa",   "GPa", "psi", "%",     "s",    "min",    "h",  "ms",  "mm/min",
    "mm/s", "um/s", "%/min", "%/s", "N/s", "N/min", "kN/s", "in/min", NULL};

/* ---- parser state ------------------------------------------------------ */

/* A value whose check needs the whole file (geometry, test type, rig). */
typedef enum { USE_QTY = 0, USE_RATE, USE_STAGE } use_kind;

typedef struct {
    use_kind kind;
    int line, col;
    proto_quantity q;   /* USE_QTY */
    bool upper;         /* the value bounds the test's direction (limit <, until >=, target) */
    bool is_limit;      /* from a limit line */
    double value;       /* SI */
    proto_rate_kind rk; /* USE_RATE */
    char stage[24];     /* USE_STAGE */
    bool noise_check;   /* a force (stress) the load must reach: must stand out of the noise */
    bool on_ext;        /* USE_RATE: a strain rate `on extensometer` (col: that word) */
} use_rec;

typedef struct {
    const char *file;
    int line;
    lex_result lx;
    int i; /* next token */

    rigor_diag *diags;
    size_t maxdiag, ndiag, nerrors;

    protocol *p;
    int cap_steps;
    int *step_col; /* column of each step's keyword, parallel to p->steps */
    use_rec *uses;
    int nuses, cap_uses;
    bool oom;

    int seen_name, seen_test; /* line of first occurrence, 0 = none */
    bool tried_test;          /* a 'test' line, even a wrong one, was seen */
    int seen_geom[6];         /* width thickness gauge diameter height area */
    int seen_compliance;      /* line of the compliance statement */
    int reaction_col[PROTO_MAX_REACTIONS];
} parser;

static void diag(parser *P, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag(parser *P, int line, int col, const char *fmt, ...)
{
    P->nerrors++;
    if (P->ndiag >= P->maxdiag || !P->diags)
        return;
    rigor_diag *d = &P->diags[P->ndiag++];
    char msg[sizeof d->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rigor_diag_set(d, P->file, line, col, "%s", msg);
}

static void warn(parser *P, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void warn(parser *P, int line, int col, const char *fmt, ...)
{
    protocol *p = P->p;
    if (p->nwarnings >= PROTO_MAX_WARNINGS)
        return;
    rigor_diag *d = &p->warning[p->nwarnings++];
    char msg[sizeof d->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rigor_diag_set(d, P->file, line, col, "%s", msg);
}

/* ---- token helpers ----------------------------------------------------- */

static const lex_token *peek(parser *P)
{
    return P->i < P->lx.ntok ? &P->lx.tok[P->i] : NULL;
}

/* Column just past the last token of the line (for "missing ..." errors). */
static int end_col(parser *P)
{
    if (P->lx.ntok == 0)
        return 1;
    const lex_token *t = &P->lx.tok[P->lx.ntok - 1];
    return t->col + t->n + (t->k == TK_STR ? 2 : 0);
}

static int tok_col(parser *P)
{
    const lex_token *t = peek(P);
    return t ? t->col : end_col(P);
}

static bool tok_is(const lex_token *t, const char *w)
{
    return t && t->k == TK_WORD && (size_t)t->n == strlen(w) &&
           !strncasecmp(t->s, w, (size_t)t->n);
}

static bool accept(parser *P, const char *w)
{
    if (tok_is(peek(P), w)) {
        P->i++;
        return true;
    }
    return false;
}

/* Printable, bounded copy of a token for messages. */
static const char *tok_text(const lex_token *t, char *buf, size_t len)
{
    if (!t)
        return "end of line";
    size_t n = (size_t)t->n < len - 1 ? (size_t)t->n : len - 1;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)t->s[j];
        buf[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[k] = '\0';
    if (n < (size_t)t->n && len > 4)
        memcpy(buf + len - 4, "...", 4);
    return buf;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Levenshtein distance (case-insensitive), words up to 31 bytes. */
static int edit_distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b);
    if (na > 31 || nb > 31)
        return 99;
    int d[32][32];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int cost = lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            d[i][j] = v;
        }
    return d[na][nb];
}

/* Words lab users reach for, and the word of the language they mean. */
static const char *const synonyms[][2] = {{"load", "force"},
                                          {"displacement", "position"},
                                          {"travel", "position"},
                                          {"elongation", "extension"},
                                          {"break", "fracture"},
                                          {"rupture", "fracture"},
                                          {"failure", "fracture"},
                                          {"crosshead", "position"},
                                          {"tension", "tensile"},
                                          {"compressive", "compression"},
                                          {"wait", "hold"},
                                          {"dwell", "hold"},
                                          {"tare", "zero"},
                                          {"speed", "at"},
                                          {"when", "until"},
                                          {"gauge", "gauge-length"},
                                          {"length", "gauge-length"},
                                          {"diam", "diameter"},
                                          {"abort", "stop"},
                                          {"end", "stop"},
                                          {NULL, NULL}};

/* The closest word of set to t, or NULL when nothing is close. */
static const char *closest(const lex_token *t, const char *const *set)
{
    if (!t || t->k != TK_WORD)
        return NULL;
    for (int k = 0; synonyms[k][0]; k++)
        if ((size_t)t->n == strlen(synonyms[k][0]) &&
            !strncasecmp(t->s, synonyms[k][0], (size_t)t->n))
            for (int j = 0; set[j]; j++)
                if (!strcmp(set[j], synonyms[k][1]))
                    return set[j];
    const char *best = NULL;
    int bd = 99;
    for (int k = 0; set[k]; k++) {
        int dd = edit_distance(t->s, (size_t)t->n, set[k]);
        /* Ties go to a word with the same first letter ("umm" -> "um"). */
        if (dd == bd && best &&
            lower((unsigned char)best[0]) != lower((unsigned char)t->s[0]) &&
            lower((unsigned char)set[k][0]) == lower((unsigned char)t->s[0]))
            best = set[k];
        if (dd < bd) {
            bd = dd;
            best = set[k];
        }
    }
    int tol = t->n <= 3 ? 1 : t->n <= 6 ? 2 : 3;
    return bd <= tol ? best : NULL;
}

static void list_words(const char *const *set, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int j = 0; set[j] && k + 1 < len; j++) {
        int w =
            snprintf(buf + k, len - k, "%s%s", j ? (set[j + 1] ? ", " : " or ") : "", set[j]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

/* Error for an unexpected token where one of set was expected. */
static void expected_word(parser *P, const char *const *set, const char *what)
{
    const lex_token *t = peek(P);
    char tb[64], lb[256], full[320];
    list_words(set, lb, sizeof lb);
    /* "a stage name: one of elastic, ..." or, for one word, just what. */
    if (set[0] && set[1])
        snprintf(full, sizeof full, "%s: one of %s", what, lb);
    else
        snprintf(full, sizeof full, "%s", what);
    if (!t) {
        diag(P, P->line, end_col(P), "missing %s", full);
        return;
    }
    const char *s = closest(t, set);
    if (t->k == TK_WORD && s)
        diag(P, P->line, t->col, "unknown word '%s' (did you mean '%s'?)",
             tok_text(t, tb, sizeof tb), s);
    else if (t->k == TK_WORD)
        diag(P, P->line, t->col, "unknown word '%s': expected %s", tok_text(t, tb, sizeof tb),
             full);
    else
        diag(P, P->line, t->col, "expected %s, found '%s'", full, tok_text(t, tb, sizeof tb));
}

/* Index of the current word in set (and consume it), or -1 after an error. */
static int expect_word(parser *P, const char *const *set, const char *what)
{
    const lex_token *t = peek(P);
    for (int k = 0; t && set[k]; k++)
        if (tok_is(t, set[k])) {
            P->i++;
            return k;
        }
    expected_word(P, set, what);
    return -1;
}

static bool expect_end(parser *P, const char *after)
{
    const lex_token *t = peek(P);
    if (!t)
        return true;
    char tb[64];
    diag(P, P->line, t->col, "unexpected '%s' after %s", tok_text(t, tb, sizeof tb), after);
    return false;
}

/* ---- values with units ------------------------------------------------- */

/* What a value must be: the accepted dimensions and how to say so. */
typedef struct {
    const char *what;     /* "force", "width", "a rate" */
    unit_dim dim[4];      /* accepted, DIM_NONE-terminated */
    const char *examples; /* "N, kN, lbf..." */
    const char *unitkind; /* "a force unit" */
} value_spec;

static const value_spec spec_force = {"force", {DIM_FORCE}, "N, kN, lbf...", "a force unit"};
static const value_spec spec_stress = {
    "stress", {DIM_STRESS}, "MPa, kPa, psi...", "a stress unit"};
static const value_spec spec_strain = {"strain", {DIM_RATIO}, "%, mm/mm...", "a strain unit"};
static const value_spec spec_length = {
    "position", {DIM_LENGTH}, "mm, um, in...", "a length unit"};
static const value_spec spec_time = {"time", {DIM_TIME}, "s, min, h", "a time unit"};
static const value_spec spec_area = {"area", {DIM_AREA}, "mm2, m2, in2", "an area unit"};
static const value_spec spec_compliance = {
    "compliance", {DIM_COMPLIANCE}, "um/N, mm/kN, m/N", "a compliance unit"};
static const value_spec spec_rate = {"a rate",
                                     {DIM_VELOCITY, DIM_STRAIN_RATE, DIM_FORCE_RATE,
                                      DIM_STRESS_RATE},
                                     "mm/min, mm/s, %/min, N/s, MPa/s",
                                     "a speed, strain-rate, force-rate or stress-rate unit"};
static const value_spec spec_level = {"a cycle level",
                                      {DIM_FORCE, DIM_STRESS, DIM_RATIO, DIM_LENGTH},
                                      "N, MPa, %, mm",
                                      "a force, stress, strain or length unit"};

static const value_spec *spec_of(proto_quantity q)
{
    switch (q) {
    case PQ_FORCE: return &spec_force;
    case PQ_STRESS: return &spec_stress;
    case PQ_STRAIN: return &spec_strain;
    case PQ_POSITION:
    case PQ_EXTENSION: return &spec_length;
    default: return &spec_time;
    }
}

/* Read "NUMBER UNIT" checked against spec. what_override names the value in
 * messages ("width"); NULL uses spec->what. On success *si is SI, *dim the
 * unit's dimension, *col the number's column. */
static bool read_value(parser *P, const value_spec *spec, const char *name, double *si,
                       unit_dim *dim, int *col)
{
    const lex_token *t = peek(P);
    char tb[64];
    const char *what = name ? name : spec->what;
    if (!t) {
        diag(P, P->line, end_col(P), "missing value: %s needs a number with %s (%s)", what,
             spec->unitkind, spec->examples);
        return false;
    }
    if (t->k != TK_NUM) {
        diag(P, P->line, t->col, "expected a number for %s, found '%s'", what,
             tok_text(t, tb, sizeof tb));
        return false;
    }
    double v = t->num;
    int ncol = t->col;
    P->i++;
    const lex_token *u = peek(P);
    if (!u || u->k != TK_WORD) {
        diag(P, P->line, ncol, "missing unit after %.*s: %s needs %s (%s)", t->n, t->s, what,
             spec->unitkind, spec->examples);
        return false;
    }
    char ub[64];
    tok_text(u, ub, sizeof ub);
    unit_info ui;
    if (!units_parse(ub, &ui)) {
        const char *s = closest(u, unit_words);
        if (s)
            diag(P, P->line, u->col, "unknown unit '%s' (did you mean '%s'?)", ub, s);
        else
            diag(P, P->line, u->col, "unknown unit '%s': %s needs %s (%s)", ub, what,
                 spec->unitkind, spec->examples);
        return false;
    }
    bool ok = false;
    for (int k = 0; k < 4 && spec->dim[k] != DIM_NONE; k++)
        ok |= ui.dim == spec->dim[k];
    if (!ok) {
        diag(P, P->line, u->col, "%s needs %s (%s), got '%s' (%s)", what, spec->unitkind,
                 spec->examples, ub, units_dim_name(ui.dim));
        return false;
    }
    P->i++;
    *si = v * ui.scale + ui.offset;
    if (dim)
        *dim = ui.dim;
    if (col)
        *col = ncol;
    return true;
}

static bool add_use(parser *P, use_rec u)
{
    if (P->nuses == P->cap_uses) {
        int nc = P->cap_uses ? 2 * P->cap_uses : 32;
        use_rec *nu = realloc(P->uses, (size_t)nc * sizeof *nu);
        if (!nu) {
            P->oom = true;
            return false;
        }
        P->uses = nu;
        P->cap_uses = nc;
    }
    P->uses[P->nuses++] = u;
    return true;
}

static void use_qty(parser *P, int col, proto_quantity q, double v, bool upper)
{
    use_rec u = {0};
    u.kind = USE_QTY;
    u.line = P->line;
    u.col = col;
    u.q = q;
    u.value = v;
    u.upper = upper;
    add_use(P, u);
}

/* A rate: "at 10 mm/min". Fills kind and SI value. */
static bool read_rate(parser *P, const char *stepname, unsigned allowed, proto_rate_kind *rk,
                      double *rate)
{
    double v;
    unit_dim d;
    int col;
    char what[64];
    snprintf(what, sizeof what, "the %s rate", stepname);
    if (!read_value(P, &spec_rate, what, &v, &d, &col))
        return false;
    proto_rate_kind k = d == DIM_VELOCITY      ? PRATE_VELOCITY
                        : d == DIM_STRAIN_RATE ? PRATE_STRAIN
                        : d == DIM_STRESS_RATE ? PRATE_STRESS
                                               : PRATE_FORCE;
    if (!(allowed & (1u << k))) {
        const lex_token *u = &P->lx.tok[P->i - 1];
        diag(P, P->line, u->col, "%s needs a crosshead speed (mm/min, mm/s)%s, got '%.*s' (%s)",
             stepname, (allowed & (1u << PRATE_STRAIN)) ? " or a strain rate (%/min)" : "",
             u->n, u->s, units_dim_name(d));
        return false;
    }
    if (!(v > 0) || !isfinite(v)) {
        diag(P, P->line, col,
             "the rate must be positive (the direction comes from the test type)");
        return false;
    }
    *rk = k;
    *rate = v;
    use_rec u = {0};
    u.kind = USE_RATE;
    u.line = P->line;
    u.col = col;
    u.rk = k;
    u.value = v;
    add_use(P, u);
    return true;
}

#define RATE_ANY                                                                               \
    ((1u << PRATE_VELOCITY) | (1u << PRATE_STRAIN) | (1u << PRATE_FORCE) | (1u << PRATE_STRESS))
#define RATE_MOVE ((1u << PRATE_VELOCITY) | (1u << PRATE_STRAIN))

/* ---- conditions -------------------------------------------------------- */

static bool read_stage(parser *P, char *out, size_t len)
{
    int k = expect_word(P, stage_words, "a stage name");
    if (k < 0)
        return false;
    snprintf(out, len, "%s", stage_words[k]);
    use_rec u = {0};
    u.kind = USE_STAGE;
    u.line = P->line;
    u.col = P->lx.tok[P->i - 1].col;
    snprintf(u.stage, sizeof u.stage, "%s", stage_words[k]);
    add_use(P, u);
    return true;
}

static const char *const atom_words[] = {"force",     "stress", "strain",    "position",
                                         "extension", "time",   "test-time", "fracture",
                                         "contact",   "stage",  NULL};

static bool read_atom(parser *P, proto_atom *a)
{
    memset(a, 0, sizeof *a);
    int k = expect_word(P, atom_words, "a condition");
    if (k < 0)
        return false;
    if (k >= 7) {
        a->is_event = true;
        a->ev = k == 7 ? PEV_FRACTURE : k == 8 ? PEV_CONTACT : PEV_STAGE;
        if (a->ev == PEV_STAGE)
            return read_stage(P, a->stage, sizeof a->stage);
        return true;
    }
    a->q = quantity_ids[k];
    const lex_token *t = peek(P);
    char tb[64];
    if (!t || t->k != TK_OP) {
        if (!t)
            diag(P, P->line, end_col(P), "missing comparison after '%s': use >=, >, <= or <",
                 quantity_words[k]);
        else
            diag(P, P->line, t->col,
                 "expected a comparison (>=, >, <=, <) after '%s', found '%s'",
                 quantity_words[k], tok_text(t, tb, sizeof tb));
        return false;
    }
    a->op = t->op;
    P->i++;
    int col;
    if (!read_value(P, spec_of(a->q), quantity_words[k], &a->value, NULL, &col))
        return false;
    if ((a->q == PQ_STEP_TIME || a->q == PQ_TEST_TIME) && a->value < 0) {
        diag(P, P->line, col, "%s cannot be negative", quantity_words[k]);
        return false;
    }
    use_qty(P, col, a->q, a->value, a->op == POP_GE || a->op == POP_GT);
    if ((a->q == PQ_FORCE || a->q == PQ_STRESS) && (a->op == POP_GE || a->op == POP_GT) &&
        P->nuses > 0)
        P->uses[P->nuses - 1].noise_check = true;
    return true;
}

/* cond = clause { "or" clause } ; clause = atom { "and" atom } */
static bool read_cond(parser *P, proto_cond *c)
{
    memset(c, 0, sizeof *c);
    for (;;) {
        if (c->nclauses >= PROTO_MAX_CLAUSES) {
            diag(P, P->line, tok_col(P), "too many 'or' alternatives (at most %d)",
                 PROTO_MAX_CLAUSES);
            return false;
        }
        int ci = c->nclauses++;
        for (;;) {
            if (c->natoms[ci] >= PROTO_MAX_ATOMS) {
                diag(P, P->line, tok_col(P),
                     "too many 'and' terms in one alternative (at most %d)", PROTO_MAX_ATOMS);
                return false;
            }
            if (!read_atom(P, &c->atom[ci][c->natoms[ci]]))
                return false;
            c->natoms[ci]++;
            if (!accept(P, "and"))
                break;
        }
        if (!accept(P, "or"))
            break;
    }
    return true;
}

/* ---- statements -------------------------------------------------------- */

static proto_step *new_step(parser *P, proto_step_kind kind)
{
    protocol *p = P->p;
    if (p->nsteps == P->cap_steps) {
        int nc = P->cap_steps ? 2 * P->cap_steps : 16;
        proto_step *ns = realloc(p->steps, (size_t)nc * sizeof *ns);
        if (!ns) {
            P->oom = true;
            return NULL;
        }
        p->steps = ns;
        int *nsc = realloc(P->step_col, (size_t)nc * sizeof *nsc);
        if (!nsc) {
            P->oom = true;
            return NULL;
        }
        P->step_col = nsc;
        P->cap_steps = nc;
    }
    proto_step *s = &p->steps[p->nsteps];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->line = P->line;
    P->step_col[p->nsteps] = P->lx.ntok ? P->lx.tok[0].col : 1;
    s->level_q = PQ_FORCE;
    s->lo = s->hi = NAN;
    s->target = NAN;
    s->duration_s = NAN;
    return s;
}

/* Steps are appended only when the whole line parsed. */
static void commit_step(parser *P)
{
    P->p->nsteps++;
}

static bool read_string(parser *P, char *out, size_t len, const char *what)
{
    const lex_token *t = peek(P);
    char tb[64];
    if (!t || t->k != TK_STR) {
        if (t)
            diag(P, P->line, t->col, "%s needs text in double quotes, found '%s'", what,
                 tok_text(t, tb, sizeof tb));
        else
            diag(P, P->line, end_col(P), "%s needs text in double quotes", what);
        return false;
    }
    if ((size_t)t->n >= len) {
        diag(P, P->line, t->col, "%s is too long (%d bytes, at most %zu)", what, t->n, len - 1);
        return false;
    }
    memcpy(out, t->s, (size_t)t->n);
    out[t->n] = '\0';
    P->i++;
    return true;
}

static void st_name(parser *P, int col)
{
    if (P->seen_name) {
        diag(P, P->line, col, "duplicate 'name' (first given on line %d)", P->seen_name);
        return;
    }
    int scol = tok_col(P);
    if (!read_string(P, P->p->name, sizeof P->p->name, "name") || !expect_end(P, "the name"))
        return;
    if (!P->p->name[0]) {
        diag(P, P->line, scol, "the name is empty");
        return;
    }
    P->seen_name = P->line;
}

static void st_test(parser *P, int col)
{
    static const char *const kinds[] = {"tensile", "compression", NULL};
    P->tried_test = true;
    if (P->seen_test) {
        diag(P, P->line, col, "duplicate 'test' (first given on line %d)", P->seen_test);
        return;
    }
    int k = expect_word(P, kinds, "the test type");
    if (k < 0 || !expect_end(P, "the test type"))
        return;
    P->p->test = k ? PTEST_COMPRESSION : PTEST_TENSILE;
    P->seen_test = P->line;
}

static void st_geom(parser *P, int which, const char *word, int col)
{
    if (P->seen_geom[which]) {
        diag(P, P->line, col, "duplicate '%s' (first given on line %d)", word,
             P->seen_geom[which]);
        return;
    }
    double v;
    int vcol;
    if (!read_value(P, which == 5 ? &spec_area : &spec_length, word, &v, NULL, &vcol))
        return;
    if (!(v > 0) || !isfinite(v)) {
        diag(P, P->line, vcol, "%s must be positive", word);
        return;
    }
    if (!expect_end(P, word))
        return;
    curve_geom *g = &P->p->geom;
    double *f[6] = {&g->width_m,    &g->thickness_m, &g->gauge_m,
                    &g->diameter_m, &g->height_m,    &g->area_m2};
    *f[which] = v;
    P->seen_geom[which] = P->line;
}

/* compliance C: the frame's deflection per newton (constant, ISO 604 9.2). */
static void st_compliance(parser *P, int col)
{
    if (P->seen_compliance) {
        diag(P, P->line, col, "duplicate 'compliance' (first given on line %d)",
             P->seen_compliance);
        return;
    }
    double v;
    int vcol;
    if (!read_value(P, &spec_compliance, NULL, &v, NULL, &vcol))
        return;
    if (!(v >= 0) || !isfinite(v)) {
        diag(P, P->line, vcol, "the compliance cannot be negative");
        return;
    }
    if (!expect_end(P, "the compliance"))
        return;
    P->p->compliance_m_N = v;
    P->seen_compliance = P->line;
}

static void st_limit(parser *P)
{
    static const char *const lq[] = {"force",     "stress",    "strain", "position",
                                     "extension", "test-time", NULL};
    static const proto_quantity lid[] = {PQ_FORCE,    PQ_STRESS,    PQ_STRAIN,
                                         PQ_POSITION, PQ_EXTENSION, PQ_TEST_TIME};
    protocol *p = P->p;
    int k = expect_word(P, lq, "the limited quantity");
    if (k < 0)
        return;
    const lex_token *t = peek(P);
    char tb[64];
    if (!t || t->k != TK_OP) {
        if (t)
            diag(
                P, P->line, t->col,
                "expected a comparison after 'limit %s', found '%s' (write 'limit %s < VALUE')",
                lq[k], tok_text(t, tb, sizeof tb), lq[k]);
        else
            diag(P, P->line, end_col(P), "missing comparison: write 'limit %s < VALUE'", lq[k]);
        return;
    }
    proto_op op = t->op;
    P->i++;
    double v;
    int col;
    if (!read_value(P, spec_of(lid[k]), lq[k], &v, NULL, &col) || !expect_end(P, "the limit"))
        return;
    bool upper = op == POP_LT || op == POP_LE;
    if (upper && !(v > 0)) {
        diag(P, P->line, col, "an upper limit must be positive (the test starts at zero)");
        return;
    }
    /* A lower limit only makes sense below the start: the crosshead must not
     * go back past the zero by more than so much. Force, stress, strain and
     * time start at zero and rise, so a lower limit on them would stop the
     * test at once (or never mean anything). */
    if (!upper && lid[k] != PQ_POSITION && lid[k] != PQ_EXTENSION) {
        diag(P, P->line, t->col,
             "a limit on %s must be an upper bound (< or <=): it starts at zero and rises",
             lq[k]);
        return;
    }
    if (!upper && !(v < 0)) {
        diag(P, P->line, col,
             "a lower limit on %s must be negative (it starts at zero, so this would stop the "
             "test at once)",
             lq[k]);
        return;
    }
    for (int j = 0; j < p->nlimits; j++) {
        bool ju = p->limit[j].op == POP_LT || p->limit[j].op == POP_LE;
        if (p->limit[j].q == lid[k] && ju == upper) {
            diag(P, P->line, col, "duplicate limit on %s (first given on line %d)", lq[k],
                 p->limit[j].line);
            return;
        }
    }
    if (p->nlimits >= PROTO_MAX_LIMITS) {
        diag(P, P->line, 1, "too many limits (at most %d)", PROTO_MAX_LIMITS);
        return;
    }
    proto_limit *l = &p->limit[p->nlimits++];
    l->line = P->line;
    l->q = lid[k];
    l->op = op;
    l->value = v;
    use_qty(P, col, lid[k], v, upper);
    if (P->nuses > 0 && P->uses[P->nuses - 1].line == P->line)
        P->uses[P->nuses - 1].is_limit = true;
}

static bool read_until(parser *P, proto_step *s)
{
    if (!peek(P))
        return true;
    if (!accept(P, "until")) {
        static const char *const u[] = {"until", NULL};
        expected_word(P, u, "'until CONDITION' or the end of the line");
        return false;
    }
    if (!read_cond(P, &s->until))
        return false;
    return expect_end(P, "the condition");
}

static void st_preload(parser *P)
{
    proto_step *s = new_step(P, PSTEP_PRELOAD);
    if (!s)
        return;
    int col;
    if (!read_value(P, &spec_force, "preload", &s->target, NULL, &col))
        return;
    if (!(s->target > 0)) {
        diag(P, P->line, col, "the preload force must be positive");
        return;
    }
    use_qty(P, col, PQ_FORCE, s->target, true);
    if (P->nuses > 0)
        P->uses[P->nuses - 1].noise_check = true;
    if (!accept(P, "at")) {
        static const char *const w[] = {"at", NULL};
        expected_word(P, w, "'at RATE' (preload 0.5 N at 1 mm/min)");
        return;
    }
    if (!read_rate(P, "preload", RATE_MOVE, &s->rate_kind, &s->rate) ||
        !expect_end(P, "the preload rate"))
        return;
    commit_step(P);
}

static void st_zero(parser *P)
{
    proto_step *s = new_step(P, PSTEP_ZERO);
    if (!s)
        return;
    static const unsigned bits[] = {PZERO_POSITION, PZERO_EXTENSION, PZERO_FORCE};
    for (;;) {
        const lex_token *t = peek(P);
        int k = expect_word(P, zero_words, "what to zero");
        if (k < 0)
            return;
        if (s->zero_mask & bits[k]) {
            diag(P, P->line, t->col, "'%s' is zeroed twice on this line", zero_words[k]);
            return;
        }
        s->zero_mask |= bits[k];
        if (!peek(P))
            break;
        if (peek(P)->k == TK_COMMA || tok_is(peek(P), "and"))
            P->i++;
    }
    commit_step(P);
}

/* "on extensometer" / "on crosshead" after a ramp's strain rate: the
 * channel the rate is controlled on (proto_strain_on). */
static bool read_ramp_on(parser *P, proto_step *s)
{
    if (!accept(P, "on"))
        return true;
    const lex_token *w = peek(P);
    int col = w ? w->col : end_col(P);
    if (s->rate_kind != PRATE_STRAIN) {
        diag(P, P->line, col,
             "'on extensometer' / 'on crosshead' goes with a strain rate (1/s, %%/min)");
        return false;
    }
    if (accept(P, "crosshead")) {
        s->strain_on = PSTRAIN_ON_CROSSHEAD;
        return true;
    }
    if (!accept(P, "extensometer")) {
        static const char *const w2[] = {"extensometer", "crosshead", NULL};
        expected_word(P, w2, "the channel the strain rate is controlled on");
        return false;
    }
    s->strain_on = PSTRAIN_ON_EXTENSOMETER;
    use_rec u = {0};
    u.kind = USE_RATE;
    u.line = P->line;
    u.col = col;
    u.rk = PRATE_STRAIN;
    u.value = s->rate;
    u.on_ext = true;
    add_use(P, u);
    return true;
}

static void st_ramp(parser *P)
{
    proto_step *s = new_step(P, PSTEP_RAMP);
    if (!s)
        return;
    if (!accept(P, "at")) {
        static const char *const w[] = {"at", NULL};
        expected_word(P, w, "'at RATE' (ramp at 10 mm/min until fracture)");
        return;
    }
    if (!read_rate(P, "ramp", RATE_ANY, &s->rate_kind, &s->rate) || !read_ramp_on(P, s) ||
        !read_until(P, s))
        return;
    commit_step(P);
}

/* hold TIME [until COND] | hold at FORCE for TIME [until COND] */
static void st_hold(parser *P)
{
    proto_step *s = new_step(P, PSTEP_HOLD);
    if (!s)
        return;
    int col;
    if (accept(P, "at")) {
        s->hold_at_force = true;
        if (!read_value(P, &spec_force, "hold at", &s->target, NULL, &col))
            return;
        if (!(s->target > 0)) {
            diag(P, P->line, col, "the force to hold must be positive");
            return;
        }
        use_qty(P, col, PQ_FORCE, s->target, true);
        if (P->nuses > 0)
            P->uses[P->nuses - 1].noise_check = true;
        if (!accept(P, "for")) {
            if (!peek(P))
                diag(P, P->line, end_col(P),
                     "hold without a time: write 'hold at %.6g N for 60 s'", s->target);
            else {
                static const char *const w[] = {"for", NULL};
                expected_word(P, w, "'for TIME'");
            }
            return;
        }
    } else if (!peek(P) || peek(P)->k != TK_NUM) {
        if (!peek(P))
            diag(P, P->line, end_col(P),
                 "hold without a time: write 'hold 30 s' or 'hold at 10 N for 60 s'");
        else
            expected_word(P, (const char *const[]){"at", NULL},
                          "a time or 'at FORCE for TIME'");
        return;
    }
    if (!read_value(P, &spec_time, "hold", &s->duration_s, NULL, &col))
        return;
    if (!(s->duration_s > 0)) {
        diag(P, P->line, col, "the hold time must be positive");
        return;
    }
    if (!read_until(P, s))
        return;
    commit_step(P);
}

static proto_quantity level_quantity(unit_dim d)
{
    return d == DIM_FORCE    ? PQ_FORCE
           : d == DIM_STRESS ? PQ_STRESS
           : d == DIM_RATIO  ? PQ_STRAIN
                             : PQ_POSITION;
}

/* cycle N between LO and HI at RATE */
static void st_cycle(parser *P)
{
    proto_step *s = new_step(P, PSTEP_CYCLE);
    if (!s)
        return;
    const lex_token *t = peek(P);
    char tb[64];
    if (!t || t->k != TK_NUM) {
        if (t)
            diag(P, P->line, t->col, "expected the number of cycles, found '%s'",
                 tok_text(t, tb, sizeof tb));
        else
            diag(P, P->line, end_col(P),
                 "missing the number of cycles: write 'cycle 5 between 1 N and 10 N at 2 "
                 "mm/min'");
        return;
    }
    if (t->num != floor(t->num) || t->num < 1 || t->num > 1e6) {
        diag(P, P->line, t->col,
             "the cycle count must be a whole number from 1 to 1000000, got %.*s", t->n, t->s);
        return;
    }
    s->count = (int)t->num;
    P->i++;
    static const char *const bw[] = {"between", NULL};
    static const char *const aw[] = {"and", NULL};
    static const char *const atw[] = {"at", NULL};
    if (expect_word(P, bw, "'between LO and HI'") < 0)
        return;
    unit_dim dlo, dhi;
    int clo, chi;
    if (!read_value(P, &spec_level, "the lower level", &s->lo, &dlo, &clo))
        return;
    if (expect_word(P, aw, "'and HI'") < 0)
        return;
    if (!read_value(P, &spec_level, "the upper level", &s->hi, &dhi, &chi))
        return;
    if (dlo != dhi) {
        diag(P, P->line, chi,
             "both levels must be the same quantity: the lower is a %s, the upper a %s",
             units_dim_name(dlo), units_dim_name(dhi));
        return;
    }
    s->level_q = level_quantity(dlo);
    if (s->lo < 0) {
        diag(P, P->line, clo, "the lower level cannot be negative");
        return;
    }
    if (!(s->lo < s->hi)) {
        diag(P, P->line, chi, "the upper level must be above the lower level");
        return;
    }
    use_qty(P, chi, s->level_q, s->hi, true);
    if (s->level_q == PQ_STRESS || s->level_q == PQ_STRAIN)
        use_qty(P, clo, s->level_q, s->lo, false);
    if (expect_word(P, atw, "'at RATE'") < 0)
        return;
    if (!read_rate(P, "cycle", RATE_ANY, &s->rate_kind, &s->rate) ||
        !expect_end(P, "the cycle rate"))
        return;
    commit_step(P);
}

/* unload at RATE [to FORCE] [until COND] */
static void st_unload(parser *P)
{
    proto_step *s = new_step(P, PSTEP_UNLOAD);
    if (!s)
        return;
    static const char *const atw[] = {"at", NULL};
    if (expect_word(P, atw, "'at RATE' (unload at 5 mm/min)") < 0)
        return;
    if (!read_rate(P, "unload", RATE_ANY, &s->rate_kind, &s->rate))
        return;
    s->target = 0;
    if (accept(P, "to")) {
        int col;
        if (!read_value(P, &spec_force, "unload to", &s->target, NULL, &col))
            return;
        if (s->target < 0) {
            diag(P, P->line, col, "the unload force cannot be negative");
            return;
        }
        use_qty(P, col, PQ_FORCE, s->target, true);
    }
    if (!read_until(P, s))
        return;
    commit_step(P);
}

static void st_return(parser *P)
{
    proto_step *s = new_step(P, PSTEP_RETURN);
    if (!s)
        return;
    static const char *const atw[] = {"at", NULL};
    if (expect_word(P, atw, "'at SPEED' (return at 20 mm/min)") < 0)
        return;
    if (!read_rate(P, "return", 1u << PRATE_VELOCITY, &s->rate_kind, &s->rate) ||
        !expect_end(P, "the return speed"))
        return;
    commit_step(P);
}

/* on EVENT ACTION { then ACTION } */
static void st_on(parser *P, int col)
{
    protocol *p = P->p;
    proto_reaction r;
    memset(&r, 0, sizeof r);
    r.line = P->line;
    int k = expect_word(P, event_words, "an event");
    if (k < 0)
        return;
    r.ev = k == 0 ? PEV_FRACTURE : k == 1 ? PEV_CONTACT : k == 2 ? PEV_STAGE : PEV_LIMIT;
    if (r.ev == PEV_STAGE && !read_stage(P, r.stage, sizeof r.stage))
        return;
    for (;;) {
        const lex_token *t = peek(P);
        if (r.nactions >= PROTO_MAX_ACTIONS) {
            diag(P, P->line, tok_col(P), "too many actions (at most %d)", PROTO_MAX_ACTIONS);
            return;
        }
        int a = expect_word(P, action_words, "an action");
        if (a < 0)
            return;
        if (r.nactions > 0) {
            proto_action_kind last = r.action[r.nactions - 1];
            if (last == PACT_STOP || last == PACT_UNLOAD || last == PACT_RETURN ||
                last == PACT_NEXT) {
                diag(P, P->line, t->col, "nothing can follow '%s' (%s)",
                     proto_action_name(last),
                     last == PACT_NEXT ? "it ends the step" : "it ends the test");
                return;
            }
        }
        proto_action_kind ak = (proto_action_kind)a;
        if (r.ev == PEV_LIMIT && (ak == PACT_NEXT || ak == PACT_HOLD)) {
            diag(P, P->line, t->col,
                 "a limit always ends the test: 'on limit' takes mark, stop, unload or return, "
                 "not '%s'",
                 proto_action_name(ak));
            return;
        }
        r.action[r.nactions] = ak;
        r.duration_s[r.nactions] = NAN;
        if (ak == PACT_MARK) {
            if (r.label[0]) {
                diag(P, P->line, t->col, "only one 'mark' per reaction");
                return;
            }
            if (!read_string(P, r.label, sizeof r.label, "mark"))
                return;
        } else if (ak == PACT_HOLD) {
            int vcol;
            if (!peek(P) || tok_is(peek(P), "then")) {
                diag(P, P->line, tok_col(P), "hold without a time: write 'hold 10 s'");
                return;
            }
            if (!read_value(P, &spec_time, "hold", &r.duration_s[r.nactions], NULL, &vcol))
                return;
            if (!(r.duration_s[r.nactions] > 0)) {
                diag(P, P->line, vcol, "the hold time must be positive");
                return;
            }
        }
        r.nactions++;
        if (!peek(P))
            break;
        if (!accept(P, "then")) {
            static const char *const tw[] = {"then", NULL};
            expected_word(P, tw, "'then ACTION' or the end of the line");
            return;
        }
    }
    for (int j = 0; j < p->nreactions; j++)
        if (p->reaction[j].ev == r.ev &&
            (r.ev != PEV_STAGE || !strcmp(p->reaction[j].stage, r.stage))) {
            diag(P, P->line, col, "duplicate reaction to %s%s%s (first given on line %d)",
                 proto_event_name(r.ev), r.ev == PEV_STAGE ? " " : "", r.stage,
                 p->reaction[j].line);
            return;
        }
    if (p->nreactions >= PROTO_MAX_REACTIONS) {
        diag(P, P->line, col, "too many reactions (at most %d)", PROTO_MAX_REACTIONS);
        return;
    }
    P->reaction_col[p->nreactions] = col;
    p->reaction[p->nreactions++] = r;
}

static void parse_line(parser *P)
{
    const lex_token *t = peek(P);
    if (!t)
        return;
    if (t->k != TK_WORD) {
        char tb[64];
        diag(P, P->line, t->col,
             "a line starts with a keyword (name, test, width, limit, ramp, on...), found '%s'",
             tok_text(t, tb, sizeof tb));
        return;
    }
    int col = t->col;
    int k = expect_word(P, statement_words, "a keyword");
    if (k < 0)
        return;
    switch (k) {
    case 0: st_name(P, col); break;
    case 1: st_test(P, col); break;
    case 2: st_geom(P, 0, "width", col); break;
    case 3: st_geom(P, 1, "thickness", col); break;
    case 4: st_geom(P, 2, "gauge-length", col); break;
    case 5: st_geom(P, 3, "diameter", col); break;
    case 6: st_geom(P, 4, "height", col); break;
    case 7: st_geom(P, 5, "area", col); break;
    case 8: st_limit(P); break;
    case 9: st_preload(P); break;
    case 10: st_zero(P); break;
    case 11: st_ramp(P); break;
    case 12: st_hold(P); break;
    case 13: st_cycle(P); break;
    case 14: st_unload(P); break;
    case 15: st_return(P); break;
    case 16: st_on(P, col); break;
    case 17: st_compliance(P, col); break;
    default: break;
    }
}

/* ---- whole-protocol checks --------------------------------------------- */

bool proto_event_ends_test(const protocol *p, proto_event ev, const char *stage,
                           const proto_reaction **rout)
{
    if (rout)
        *rout = NULL;
    for (int j = 0; j < p->nreactions; j++) {
        const proto_reaction *r = &p->reaction[j];
        if (r->ev != ev || (ev == PEV_STAGE && (!stage || strcmp(r->stage, stage))))
            continue;
        if (rout)
            *rout = r;
        proto_action_kind last = r->nactions ? r->action[r->nactions - 1] : PACT_MARK;
        /* A broken specimen ends the test unless the reaction explicitly
         * goes on with the next step; a limit always ends it. */
        if (ev == PEV_FRACTURE)
            return last != PACT_NEXT;
        if (ev == PEV_LIMIT)
            return true;
        return last == PACT_STOP || last == PACT_UNLOAD || last == PACT_RETURN;
    }
    return ev == PEV_FRACTURE || ev == PEV_LIMIT;
}

/* Does the atom become true as a ramp goes on (in the test direction)? */
static bool atom_grows(const proto_atom *a)
{
    return a->is_event || a->op == POP_GE || a->op == POP_GT;
}

/* A limit that stops a ramp in the test direction. */
static bool limit_bounds_ramp(const proto_limit *l)
{
    return (l->op == POP_LT || l->op == POP_LE) && l->q != PQ_STEP_TIME;
}

/* Can a ramp end on its own condition? Some clause must be made only of
 * atoms that become true as the ramp goes on. */
static bool cond_can_end(const proto_cond *c)
{
    for (int i = 0; i < c->nclauses; i++) {
        bool all = true;
        for (int j = 0; j < c->natoms[i]; j++)
            all &= atom_grows(&c->atom[i][j]);
        if (all)
            return true;
    }
    return false;
}

/* Does every way out of step s end the test? Sets a reason. */
static bool step_ends_test(const protocol *p, const proto_step *s, char *why, size_t len)
{
    if (s->kind != PSTEP_RAMP)
        return false;
    if (s->until.nclauses == 0) {
        /* It can only end at a limit, and a limit always ends the test. */
        snprintf(why, len,
                 "it has no 'until', so only a limit ends it, and a limit ends the "
                 "test (give it an 'until' to go on)");
        return true;
    }
    for (int i = 0; i < s->until.nclauses; i++) {
        bool terminal = false;
        for (int j = 0; j < s->until.natoms[i] && !terminal; j++) {
            const proto_atom *a = &s->until.atom[i][j];
            if (a->is_event && proto_event_ends_test(p, a->ev, a->stage, NULL)) {
                terminal = true;
                const proto_reaction *r;
                proto_event_ends_test(p, a->ev, a->stage, &r);
                if (r)
                    snprintf(why, len,
                             "it ends only at %s%s%s, and 'on %s%s%s' on line %d ends the test",
                             proto_event_name(a->ev), a->ev == PEV_STAGE ? " " : "", a->stage,
                             proto_event_name(a->ev), a->ev == PEV_STAGE ? " " : "", a->stage,
                             r->line);
                else
                    snprintf(
                        why, len,
                        "it ends only at %s, which stops the test (add 'on %s next' to go on)",
                        proto_event_name(a->ev), proto_event_name(a->ev));
            }
        }
        if (!terminal)
            return false;
    }
    return true;
}

static const char *fmt_si(char *buf, size_t len, double v, const char *unit)
{
    snprintf(buf, len, "%.6g %s", v, unit);
    return buf;
}

/* A value in the unit a lab user wrote it in, for messages. */
static const char *fmt_qty(char *buf, size_t len, proto_quantity q, double v)
{
    switch (q) {
    case PQ_STRESS: snprintf(buf, len, "%.6g MPa", v / 1e6); break;
    case PQ_STRAIN: snprintf(buf, len, "%.6g %%", v * 100); break;
    case PQ_POSITION:
    case PQ_EXTENSION: snprintf(buf, len, "%.6g mm", v * 1e3); break;
    case PQ_FORCE: snprintf(buf, len, "%.6g N", v); break;
    default: snprintf(buf, len, "%.6g s", v); break;
    }
    return buf;
}

static void check_uses(parser *P, const proto_rig_limits *rig)
{
    protocol *p = P->p;
    const curve_geom *g = &p->geom;
    bool comp = p->test == PTEST_COMPRESSION;
    double cap = rig ? rig->force_capacity_N : NAN;
    double travel = rig ? rig->travel_max_m - rig->travel_min_m : NAN;
    double vmax = rig ? rig->speed_max_m_s : NAN;
    double noise = rig && rig->force_noise_N > 0 ? rig->force_noise_N : NAN;
    char b1[48], b2[48];
    for (int k = 0; k < P->nuses; k++) {
        const use_rec *u = &P->uses[k];
        /* A force the load must reach is a signal only well out of the
         * noise at rest: below PROTO_NOISE_SD standard deviations one
         * noise excursion (or a few in a row) could end the step. */
        if (u->kind == USE_RATE && u->on_ext && rig && rig->extensometer == 0)
            diag(P, u->line, u->col,
                 "the rig has no extensometer: a strain rate 'on extensometer' cannot be "
                 "controlled (a rig file with an [point extension], or 'on crosshead')");
        if (u->kind == USE_QTY && u->q == PQ_EXTENSION && rig && rig->extensometer == 0)
            diag(P, u->line, u->col,
                 "the rig has no extensometer: 'extension' is never measured (a rig file "
                 "with an [point extension], or a condition on strain)");
        if (u->kind == USE_QTY && u->noise_check && isfinite(noise)) {
            double f = u->q == PQ_STRESS ? u->value * p->area_m2 : u->value;
            if (isfinite(f) && f < PROTO_NOISE_SD * noise) {
                char what[64];
                if (u->q == PQ_STRESS)
                    snprintf(what, sizeof what, "a stress of %.4g MPa (%.4g N)", u->value / 1e6,
                             f);
                else
                    snprintf(what, sizeof what, "a force of %.4g N", f);
                diag(P, u->line, u->col,
                     "%s is within the force noise at rest (SD %.3g N): a force to reach needs "
                     "at least %d SD (%.3g N)",
                     what, noise, PROTO_NOISE_SD, PROTO_NOISE_SD * noise);
            }
        }
        switch (u->kind) {
        case USE_STAGE:
            if (P->seen_test && !comp &&
                (!strcmp(u->stage, "densification") || !strcmp(u->stage, "plateau")))
                diag(P, u->line, u->col,
                     "stage %s never occurs in a tensile test (it is a compression stage)",
                     u->stage);
            break;
        case USE_RATE:
            if (u->on_ext)
                break; /* the rate itself has its own record */
            if (u->rk == PRATE_STRESS && !isfinite(p->area_m2)) {
                diag(P, u->line, u->col, "a stress rate needs the cross-section: give %s",
                     comp ? "'diameter' or 'area'"
                          : "'width' and 'thickness', 'diameter' or 'area'");
            } else if (u->rk == PRATE_STRAIN && !isfinite(p->length0_m)) {
                diag(P, u->line, u->col, "a strain rate needs %s to become a crosshead speed",
                     comp ? "'height' (or 'thickness')" : "'gauge-length'");
            } else if (isfinite(vmax)) {
                double v = u->rk == PRATE_STRAIN ? u->value * p->length0_m : u->value;
                if ((u->rk == PRATE_VELOCITY || u->rk == PRATE_STRAIN) &&
                    v > vmax * (1 + 1e-9))
                    diag(P, u->line, u->col,
                         "crosshead speed %.4g mm/min is beyond the rig's maximum speed (%.4g "
                         "mm/min)",
                         v * 60e3, vmax * 60e3);
            }
            break;
        case USE_QTY:
            /* A target at or beyond a limit on the same quantity is never
             * reached: the limit stops the test first. */
            for (int j = 0; j < p->nlimits && u->upper && !u->is_limit; j++) {
                const proto_limit *l = &p->limit[j];
                if (l->q != u->q || (l->op != POP_LT && l->op != POP_LE))
                    continue;
                if (u->value > l->value || (l->op == POP_LT && u->value == l->value)) {
                    diag(P, u->line, u->col,
                         "%s %s can never be reached: 'limit %s %s %s' on line %d stops the "
                         "test first",
                         proto_quantity_name(u->q), fmt_qty(b1, sizeof b1, u->q, u->value),
                         proto_quantity_name(l->q), proto_op_name(l->op),
                         fmt_qty(b2, sizeof b2, l->q, l->value), l->line);
                    break;
                }
            }
            switch (u->q) {
            case PQ_STRESS:
                if (!isfinite(p->area_m2)) {
                    if (comp && isfinite(g->width_m) && isfinite(g->thickness_m))
                        diag(P, u->line, u->col,
                             "stress needs the cross-section: a compression test takes "
                             "'diameter' or 'area' (width x thickness is a tensile strip)");
                    else
                        diag(P, u->line, u->col, "stress needs the cross-section: give %s",
                             comp ? "'diameter' or 'area'"
                                  : "'width' and 'thickness', 'diameter' or 'area'");
                } else if (u->upper && isfinite(cap) &&
                           u->value * p->area_m2 > cap * (1 + 1e-9)) {
                    diag(P, u->line, u->col,
                         "%s needs %s on this cross-section, beyond the rig's force capacity "
                         "(%s)",
                         fmt_si(b1, sizeof b1, u->value / 1e6, "MPa"),
                         fmt_si(b2, sizeof b2, u->value * p->area_m2, "N"),
                         fmt_si((char[48]){0}, 48, cap, "N"));
                }
                break;
            case PQ_STRAIN:
                if (!isfinite(p->length0_m))
                    diag(P, u->line, u->col, "strain needs %s",
                         comp ? "'height' (or 'thickness') of the specimen" : "'gauge-length'");
                else if (comp && u->upper && u->value >= 1.0)
                    diag(P, u->line, u->col,
                         "a compression strain (thickness reduction) must be below 100 %%");
                else if (u->upper && isfinite(travel) &&
                         u->value * p->length0_m > travel * (1 + 1e-9))
                    diag(P, u->line, u->col,
                         "%.4g %% strain needs %.4g mm of travel, beyond the rig's travel "
                         "range (%.4g mm)",
                         u->value * 100, u->value * p->length0_m * 1e3, travel * 1e3);
                break;
            case PQ_FORCE:
                if (u->upper && isfinite(cap) && u->value > cap * (1 + 1e-9))
                    diag(P, u->line, u->col, "%s is beyond the rig's force capacity (%s)",
                         fmt_si(b1, sizeof b1, u->value, "N"), fmt_si(b2, sizeof b2, cap, "N"));
                break;
            case PQ_POSITION:
                if (u->upper && isfinite(travel) && u->value > travel * (1 + 1e-9))
                    diag(P, u->line, u->col,
                         "%.4g mm is beyond the rig's travel range (%.4g mm)", u->value * 1e3,
                         travel * 1e3);
                if (comp && u->upper && isfinite(p->length0_m) && u->value >= p->length0_m)
                    diag(P, u->line, u->col,
                         "%.4g mm of travel would crush the whole %.4g mm specimen (platens "
                         "touch)",
                         u->value * 1e3, p->length0_m * 1e3);
                break;
            default: break;
            }
            break;
        }
    }
}

static void check_protocol(parser *P, const proto_rig_limits *rig)
{
    protocol *p = P->p;
    const curve_geom *g = &p->geom;
    /* Derived geometry: the cross-section and the strain reference length. */
    if (p->test == PTEST_COMPRESSION) {
        p->area_m2 = isfinite(g->area_m2)      ? g->area_m2
                     : isfinite(g->diameter_m) ? M_PI * g->diameter_m * g->diameter_m / 4
                                               : NAN;
        if (!isfinite(g->height_m) && isfinite(g->thickness_m))
            p->geom.height_m = g->thickness_m;
        p->length0_m = p->geom.height_m;
    } else {
        p->area_m2 = curve_geom_area(g);
        p->length0_m = g->gauge_m;
    }
    if (!P->seen_test && !P->tried_test)
        diag(P, 0, 0, "missing 'test tensile' or 'test compression'");
    if (p->nsteps == 0 && P->nerrors == 0)
        diag(P, 0, 0, "no steps: a protocol needs at least one step (preload, ramp, hold...)");
    if (!P->seen_name)
        warn(P, 0, 0, "no 'name' line: the run file will name the protocol after its file");
    check_uses(P, rig);

    /* Ramps that can never end. */
    bool bounded = false;
    for (int j = 0; j < p->nlimits; j++)
        bounded |= limit_bounds_ramp(&p->limit[j]);
    for (int k = 0; k < p->nsteps; k++) {
        const proto_step *s = &p->steps[k];
        if (s->kind != PSTEP_RAMP)
            continue;
        if (s->until.nclauses == 0 && !bounded)
            diag(P, s->line, P->step_col[k],
                 "this ramp can never end: add 'until CONDITION' or a limit (limit position < "
                 "10 mm)");
        else if (s->until.nclauses > 0 && !cond_can_end(&s->until) && !bounded)
            diag(P, s->line, P->step_col[k],
                 "this ramp can never end: every alternative of its 'until' needs a quantity "
                 "to fall (<, <=) while the ramp raises it; use >= or add a limit");
        else if (s->until.nclauses > 0 && !cond_can_end(&s->until))
            warn(P, s->line, P->step_col[k],
                 "this ramp's 'until' only holds when a quantity falls; a limit will end it");
    }
    /* Position and strain count from the protocol's zero; without a
     * 'zero position' that is the rig's own zero, wherever it is. */
    bool zeroed = false;
    for (int k = 0; k < p->nsteps; k++)
        zeroed |= p->steps[k].kind == PSTEP_ZERO && (p->steps[k].zero_mask & PZERO_POSITION);
    for (int k = 0; k < P->nuses && !zeroed; k++) {
        const use_rec *u = &P->uses[k];
        if (u->kind == USE_QTY && (u->q == PQ_POSITION || u->q == PQ_STRAIN)) {
            warn(P, u->line, u->col,
                 "%s counts from the rig's own zero: no step says 'zero position' (put one "
                 "after the preload)",
                 proto_quantity_name(u->q));
            break;
        }
    }

    /* Zeroing the force while the preload is on makes the preload read 0 N
     * and shifts every force after it (ISO 527-1 zeroes strain at the
     * preload, never force). Legal, but rarely meant. */
    bool loaded = false;
    for (int k = 0; k < p->nsteps; k++) {
        const proto_step *s = &p->steps[k];
        if (s->kind == PSTEP_PRELOAD || s->kind == PSTEP_RAMP || s->kind == PSTEP_CYCLE ||
            (s->kind == PSTEP_HOLD && s->hold_at_force))
            loaded = true;
        else if (s->kind == PSTEP_UNLOAD || s->kind == PSTEP_RETURN)
            loaded = false;
        else if (s->kind == PSTEP_ZERO && (s->zero_mask & PZERO_FORCE) && loaded)
            warn(P, s->line, P->step_col[k],
                 "'zero force' while the specimen is loaded: the load now on it will read 0 N "
                 "(zero the force before the preload)");
    }

    /* Steps after a step that always ends the test can never run. */
    for (int k = 0; k + 1 < p->nsteps; k++) {
        char why[320];
        if (step_ends_test(p, &p->steps[k], why, sizeof why)) {
            const proto_step *n = &p->steps[k + 1];
            diag(P, n->line, P->step_col[k + 1],
                 "unreachable step: the test always ends during the %s on line %d: %s",
                 proto_step_name(p->steps[k].kind), p->steps[k].line, why);
            break;
        }
    }
    /* A reaction to a stage that no step of this test can see is harmless
     * but likely a mistake; the stage check above catches tensile ones. */
}

/* ---- entry points ------------------------------------------------------ */

/* Order diagnostics by line and column (whole-file ones first), keeping the
 * order of equal positions: insertion sort, the list is short. */
static void sort_diags(rigor_diag *d, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rigor_diag t = d[i];
        size_t j = i;
        while (j > 0 &&
               (d[j - 1].line > t.line || (d[j - 1].line == t.line && d[j - 1].col > t.col))) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = t;
    }
}

static void apply_geom(protocol *p, const curve_geom *o)
{
    if (!o)
        return;
    curve_geom *g = &p->geom;
    if (isfinite(o->width_m))
        g->width_m = o->width_m;
    if (isfinite(o->thickness_m))
        g->thickness_m = o->thickness_m;
    if (isfinite(o->diameter_m))
        g->diameter_m = o->diameter_m;
    if (isfinite(o->area_m2))
        g->area_m2 = o->area_m2;
    if (isfinite(o->gauge_m))
        g->gauge_m = o->gauge_m;
    if (isfinite(o->height_m))
        g->height_m = o->height_m;
}

int proto_parse_buffer_geom(const char *name, const char *text, size_t len,
                            const proto_rig_limits *rig, const curve_geom *geom, protocol **out,
                            rigor_diag *diags, size_t maxdiag, size_t *ndiag)
{
    if (out)
        *out = NULL;
    if (ndiag)
        *ndiag = 0;
    if (!out || (!text && len))
        return RIGOR_EINVAL;
    parser P;
    memset(&P, 0, sizeof P);
    P.file = name ? name : "<protocol>";
    P.diags = diags;
    P.maxdiag = diags ? maxdiag : 0;
    protocol *p = calloc(1, sizeof *p);
    if (!p)
        return RIGOR_ENOMEM;
    P.p = p;
    snprintf(p->path, sizeof p->path, "%s", P.file);
    curve_geom_clear(&p->geom);
    p->area_m2 = p->length0_m = p->compliance_m_N = NAN;
    p->text = malloc(len + 1);
    if (!p->text) {
        free(p);
        return RIGOR_ENOMEM;
    }
    if (len)
        memcpy(p->text, text, len);
    p->text[len] = '\0';

    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3; /* UTF-8 byte-order mark */
    int lineno = 0;
    while (pos < len && !P.oom) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        P.line = lineno;
        P.i = 0;
        if (lex_line(text + pos, e - pos, 1, &P.lx) < 0)
            diag(&P, lineno, P.lx.err_col, "%s", P.lx.err);
        else
            parse_line(&P);
        pos = e + 1;
    }
    if (P.oom) {
        free(P.uses);
        free(P.step_col);
        proto_free(p);
        return RIGOR_ENOMEM;
    }
    apply_geom(p, geom);
    check_protocol(&P, rig);
    free(P.uses);
    free(P.step_col);
    if (P.diags)
        sort_diags(P.diags, P.ndiag);
    sort_diags(p->warning, (size_t)p->nwarnings);
    if (ndiag)
        *ndiag = P.ndiag;
    if (P.nerrors) {
        proto_free(p);
        return RIGOR_EPARSE;
    }
    *out = p;
    return RIGOR_OK;
}

int proto_parse_buffer(const char *name, const char *text, size_t len,
                       const proto_rig_limits *rig, protocol **out, rigor_diag *diags,
                       size_t maxdiag, size_t *ndiag)
{
    return proto_parse_buffer_geom(name, text, len, rig, NULL, out, diags, maxdiag, ndiag);
}

int proto_parse_file_geom(const char *path, const proto_rig_limits *rig, const curve_geom *geom,
                          protocol **out, rigor_diag *diags, size_t maxdiag, size_t *ndiag)
{
    if (out)
        *out = NULL;
    if (ndiag)
        *ndiag = 0;
    if (!path || !out)
        return RIGOR_EINVAL;
    char *buf;
    size_t n;
    rigor_diag d0 = {0};
    /* NUL bytes are the lexer's to report, with their line and column. */
    int rc = textfile_read(path, "the protocol", (size_t)16 << 20, TEXTFILE_ALLOW_NUL, &buf, &n,
                           &d0);
    if (rc != RIGOR_OK) {
        if (diags && maxdiag) {
            diags[0] = d0;
            if (ndiag)
                *ndiag = 1;
        }
        return rc;
    }
    rc = proto_parse_buffer_geom(path, buf, n, rig, geom, out, diags, maxdiag, ndiag);
    free(buf);
    return rc;
}

int proto_parse_file(const char *path, const proto_rig_limits *rig, protocol **out,
                     rigor_diag *diags, size_t maxdiag, size_t *ndiag)
{
    return proto_parse_file_geom(path, rig, NULL, out, diags, maxdiag, ndiag);
}

void proto_free(protocol *p)
{
    if (!p)
        return;
    free(p->steps);
    free(p->text);
    free(p);
}

void proto_rig_limits_unknown(proto_rig_limits *r)
{
    r->force_capacity_N = r->travel_min_m = r->travel_max_m = r->speed_max_m_s = NAN;
    r->force_noise_N = NAN;
    r->extensometer = -1;
}
