/* plan.c — names of the protocol model's enums and the printed plan.
 *
 * The plan is what `rigor check` and `rigor run --dry-run` print for a valid
 * protocol: every value in SI with the lab unit beside it, and an estimate of
 * each step's duration and crosshead travel where the protocol alone decides
 * it (a ramp to a position or strain, a hold, a cycle between positions, a
 * return). Steps whose end depends on the specimen (until fracture, until a
 * force) are shown as "depends on the specimen", bounded by the limits when
 * a limit bounds them.
 */
#include "protocol.h"

#include <math.h>
#include <string.h>

const char *proto_quantity_name(proto_quantity q)
{
    switch (q) {
    case PQ_FORCE: return "force";
    case PQ_STRESS: return "stress";
    case PQ_STRAIN: return "strain";
    case PQ_POSITION: return "position";
    case PQ_EXTENSION: return "extension";
    case PQ_STEP_TIME: return "time";
    case PQ_TEST_TIME: return "test-time";
    default: return "?";
    }
}

const char *proto_step_name(proto_step_kind k)
{
    switch (k) {
    case PSTEP_PRELOAD: return "preload";
    case PSTEP_ZERO: return "zero";
    case PSTEP_RAMP: return "ramp";
    case PSTEP_HOLD: return "hold";
    case PSTEP_CYCLE: return "cycle";
    case PSTEP_UNLOAD: return "unload";
    case PSTEP_RETURN: return "return";
    default: return "?";
    }
}

const char *proto_event_name(proto_event e)
{
    switch (e) {
    case PEV_FRACTURE: return "fracture";
    case PEV_CONTACT: return "contact";
    case PEV_STAGE: return "stage";
    case PEV_MAX: return "max";
    case PEV_LIMIT: return "limit";
    default: return "?";
    }
}

const char *proto_action_name(proto_action_kind a)
{
    switch (a) {
    case PACT_STOP: return "stop";
    case PACT_MARK: return "mark";
    case PACT_HOLD: return "hold";
    case PACT_UNLOAD: return "unload";
    case PACT_RETURN: return "return";
    case PACT_NEXT: return "next";
    default: return "?";
    }
}

const char *proto_op_name(proto_op op)
{
    switch (op) {
    case POP_LT: return "<";
    case POP_LE: return "<=";
    case POP_GT: return ">";
    case POP_GE: return ">=";
    default: return "?";
    }
}

/* "80000000 Pa (80 MPa)" for a quantity value. */
static void put_qty(FILE *out, proto_quantity q, double v)
{
    switch (q) {
    case PQ_FORCE: fprintf(out, "%.6g N", v); break;
    case PQ_STRESS: fprintf(out, "%.6g Pa (%.6g MPa)", v, v / 1e6); break;
    case PQ_STRAIN: fprintf(out, "%.6g (%.6g %%)", v, v * 100); break;
    case PQ_POSITION:
    case PQ_EXTENSION: fprintf(out, "%.6g m (%.6g mm)", v, v * 1e3); break;
    default: fprintf(out, "%.6g s", v); break;
    }
}

static void put_rate(FILE *out, proto_rate_kind k, double r, double l0)
{
    switch (k) {
    case PRATE_VELOCITY: fprintf(out, "%.6g m/s (%.6g mm/min)", r, r * 60e3); break;
    case PRATE_STRAIN:
        fprintf(out, "%.6g 1/s (%.6g %%/min", r, r * 6000);
        if (isfinite(l0))
            fprintf(out, " = %.6g mm/min", r * l0 * 60e3);
        fprintf(out, ")");
        break;
    case PRATE_FORCE: fprintf(out, "%.6g N/s (force rate)", r); break;
    case PRATE_STRESS: fprintf(out, "%.6g Pa/s (%.6g MPa/s, stress rate)", r, r / 1e6); break;
    }
}

static void put_cond(FILE *out, const proto_cond *c)
{
    for (int i = 0; i < c->nclauses; i++) {
        if (i)
            fprintf(out, " or ");
        for (int j = 0; j < c->natoms[i]; j++) {
            const proto_atom *a = &c->atom[i][j];
            if (j)
                fprintf(out, " and ");
            if (a->is_event) {
                fprintf(out, "%s", proto_event_name(a->ev));
                if (a->ev == PEV_STAGE)
                    fprintf(out, " %s", a->stage);
            } else {
                fprintf(out, "%s %s ", proto_quantity_name(a->q), proto_op_name(a->op));
                put_qty(out, a->q, a->value);
            }
        }
    }
}

static void put_len(FILE *out, const char *what, double v, double scale, const char *unit,
                    bool *first)
{
    if (!isfinite(v))
        return;
    fprintf(out, "%s%s %.6g %s (%.6g %s)", *first ? "" : ", ", what, v,
            !strcmp(unit, "mm2") ? "m^2" : "m", v * scale, unit);
    *first = false;
}

/* Crosshead speed of a step in m/s, NAN when it depends on the specimen. */
static double step_speed(const protocol *p, const proto_step *s)
{
    if (s->rate_kind == PRATE_VELOCITY)
        return s->rate;
    if (s->rate_kind == PRATE_STRAIN)
        return s->rate * p->length0_m;
    return NAN;
}

/* Position (m from the zero) at which a growing atom becomes true, or NAN. */
static double atom_position(const protocol *p, const proto_atom *a)
{
    if (a->is_event || (a->op != POP_GE && a->op != POP_GT))
        return NAN;
    if (a->q == PQ_POSITION)
        return a->value;
    if (a->q == PQ_STRAIN)
        return a->value * p->length0_m;
    return NAN;
}

/* Largest position the limits allow, NAN when none bounds it. */
static double limit_position(const protocol *p)
{
    double m = NAN;
    for (int j = 0; j < p->nlimits; j++) {
        const proto_limit *l = &p->limit[j];
        if (l->op != POP_LT && l->op != POP_LE)
            continue;
        double v = l->q == PQ_POSITION ? l->value
                   : l->q == PQ_STRAIN ? l->value * p->length0_m
                                       : NAN;
        if (isfinite(v) && !(v >= m))
            m = v;
    }
    return m;
}

void proto_print_plan(const protocol *p, FILE *out)
{
    if (!p || !out)
        return;
    fprintf(out, "protocol: %s (%s)\n", p->name[0] ? p->name : "(unnamed)", p->path);
    fprintf(out, "test: %s\n", p->test == PTEST_COMPRESSION ? "compression" : "tensile");
    const curve_geom *g = &p->geom;
    bool first = true;
    fprintf(out, "specimen: ");
    put_len(out, "width", g->width_m, 1e3, "mm", &first);
    put_len(out, "thickness", g->thickness_m, 1e6, "um", &first);
    put_len(out, "gauge-length", g->gauge_m, 1e3, "mm", &first);
    put_len(out, "diameter", g->diameter_m, 1e3, "mm", &first);
    put_len(out, "height", g->height_m, 1e3, "mm", &first);
    put_len(out, "area", g->area_m2, 1e6, "mm2", &first);
    fprintf(out, "%s\n", first ? "no geometry (force and position only)" : "");
    if (isfinite(p->area_m2))
        fprintf(out, "cross-section: %.6g m^2 (%.6g mm2)\n", p->area_m2, p->area_m2 * 1e6);
    if (isfinite(p->length0_m))
        fprintf(out, "strain reference: %.6g m (%.6g mm)\n", p->length0_m, p->length0_m * 1e3);
    if (isfinite(p->compliance_m_N))
        fprintf(out,
                "machine compliance: %.6g m/N (%.6g um/N); strain = (travel - C force) / L0\n",
                p->compliance_m_N, p->compliance_m_N * 1e6);
    if (p->nlimits) {
        fprintf(out, "limits:\n");
        for (int j = 0; j < p->nlimits; j++) {
            fprintf(out, "  %s %s ", proto_quantity_name(p->limit[j].q),
                    proto_op_name(p->limit[j].op));
            put_qty(out, p->limit[j].q, p->limit[j].value);
            fprintf(out, "   [line %d]\n", p->limit[j].line);
        }
    }
    fprintf(out, "steps:\n");
    double total_t = 0, total_x = 0, pos = 0;
    bool pos_known = true;
    int unknown = 0;
    double lim = limit_position(p);
    for (int k = 0; k < p->nsteps; k++) {
        const proto_step *s = &p->steps[k];
        double t = NAN, x = NAN, v = step_speed(p, s), bound = NAN;
        fprintf(out, "  %d. %s", k + 1, proto_step_name(s->kind));
        switch (s->kind) {
        case PSTEP_PRELOAD:
            fprintf(out, " to %.6g N at ", s->target);
            put_rate(out, s->rate_kind, s->rate, p->length0_m);
            pos_known = false;
            break;
        case PSTEP_ZERO:
            fprintf(out, "%s%s%s", (s->zero_mask & PZERO_POSITION) ? " position" : "",
                    (s->zero_mask & PZERO_EXTENSION) ? " extension" : "",
                    (s->zero_mask & PZERO_FORCE) ? " force" : "");
            if (s->zero_mask & PZERO_POSITION) {
                pos = 0;
                pos_known = true;
            }
            t = x = 0;
            break;
        case PSTEP_RAMP: {
            fprintf(out, " at ");
            put_rate(out, s->rate_kind, s->rate, p->length0_m);
            if (s->rate_kind == PRATE_STRAIN && s->strain_on == PSTRAIN_ON_EXTENSOMETER)
                fprintf(out, " on the extensometer (closed loop)");
            if (s->until.nclauses) {
                fprintf(out, " until ");
                put_cond(out, &s->until);
            } else {
                fprintf(out, " until a limit");
            }
            /* The earliest position at which some clause of one atom holds. */
            double end = NAN, tend = NAN;
            bool only_known = true;
            for (int i = 0; i < s->until.nclauses; i++) {
                if (s->until.natoms[i] != 1) {
                    only_known = false;
                    continue;
                }
                const proto_atom *a = &s->until.atom[i][0];
                double e = atom_position(p, a);
                if (isfinite(e) && !(e >= end))
                    end = e;
                else if (!a->is_event && a->q == PQ_STEP_TIME && a->op >= POP_GT)
                    tend = a->value;
                else if (!a->is_event && a->q == PQ_FORCE && a->op >= POP_GT &&
                         s->rate_kind == PRATE_FORCE)
                    tend = a->value / s->rate;
                else if (!a->is_event && a->q == PQ_STRESS && a->op >= POP_GT &&
                         s->rate_kind == PRATE_STRESS)
                    tend = a->value / s->rate;
                else
                    only_known = false;
            }
            if (s->until.nclauses == 0)
                only_known = false;
            if (only_known && isfinite(end) && pos_known && isfinite(v)) {
                x = fmax(0, end - pos);
                t = x / v;
                if (isfinite(tend) && tend < t) {
                    t = tend;
                    x = v * t;
                }
            } else if (only_known && isfinite(tend) && !isfinite(end)) {
                t = tend;
                x = isfinite(v) ? v * t : NAN;
            }
            if (isfinite(x)) {
                pos += x;
            } else {
                /* Unknown end: the nearest of the limits and the clauses
                 * that stop at a position bounds the travel. */
                double stop_at = isfinite(end) && !(end >= lim) ? end : lim;
                if (isfinite(stop_at) && pos_known && isfinite(v))
                    bound = fmax(0, stop_at - pos);
                pos_known = false;
            }
            break;
        }
        case PSTEP_HOLD:
            if (s->hold_at_force)
                fprintf(out, " at %.6g N", s->target);
            fprintf(out, " for %.6g s", s->duration_s);
            if (s->until.nclauses) {
                fprintf(out, " or until ");
                put_cond(out, &s->until);
            }
            t = s->duration_s;
            for (int i = 0; i < s->until.nclauses; i++) {
                const proto_atom *a = &s->until.atom[i][0];
                if (s->until.natoms[i] == 1 && !a->is_event && a->q == PQ_STEP_TIME &&
                    a->op >= POP_GT && a->value < t)
                    t = a->value;
            }
            x = s->hold_at_force ? NAN : 0;
            if (s->hold_at_force)
                pos_known = false;
            break;
        case PSTEP_CYCLE: {
            fprintf(out, " %d x between ", s->count);
            put_qty(out, s->level_q, s->lo);
            fprintf(out, " and ");
            put_qty(out, s->level_q, s->hi);
            fprintf(out, " at ");
            put_rate(out, s->rate_kind, s->rate, p->length0_m);
            double span = s->level_q == PQ_POSITION ? s->hi - s->lo
                          : s->level_q == PQ_STRAIN ? (s->hi - s->lo) * p->length0_m
                                                    : NAN;
            if (isfinite(span) && isfinite(v)) {
                x = 2.0 * s->count * span;
                t = x / v;
            } else {
                pos_known = false;
            }
            break;
        }
        case PSTEP_UNLOAD:
            fprintf(out, " at ");
            put_rate(out, s->rate_kind, s->rate, p->length0_m);
            fprintf(out, " to %.6g N", s->target);
            if (s->until.nclauses) {
                fprintf(out, " or until ");
                put_cond(out, &s->until);
            }
            pos_known = false;
            break;
        case PSTEP_RETURN:
            fprintf(out, " at ");
            put_rate(out, s->rate_kind, s->rate, p->length0_m);
            fprintf(out, " to the start position");
            if (pos_known) {
                x = fabs(pos);
                t = x / v;
            }
            pos = 0;
            pos_known = true;
            break;
        }
        fprintf(out, "   [line %d]\n", s->line);
        if (s->kind == PSTEP_ZERO) {
            /* instantaneous: nothing to estimate */
        } else if (isfinite(t)) {
            fprintf(out, "       ~%.4g s", t);
            if (isfinite(x))
                fprintf(out, ", %.4g mm of travel", x * 1e3);
            fprintf(out, "\n");
            total_t += t;
            if (isfinite(x))
                total_x += x;
        } else if (isfinite(bound)) {
            fprintf(out, "       depends on the specimen: at most %.4g s, %.4g mm of travel\n",
                    bound / v, bound * 1e3);
            unknown++;
        } else if (s->kind != PSTEP_ZERO) {
            fprintf(out, "       duration depends on the specimen\n");
            unknown++;
        }
    }
    fprintf(out, "reactions:\n");
    {
        for (int j = 0; j < p->nreactions; j++) {
            const proto_reaction *r = &p->reaction[j];
            fprintf(out, "  on %s%s%s:", proto_event_name(r->ev), r->ev == PEV_STAGE ? " " : "",
                    r->stage);
            for (int a = 0; a < r->nactions; a++) {
                fprintf(out, "%s %s", a ? " then" : "", proto_action_name(r->action[a]));
                if (r->action[a] == PACT_MARK)
                    fprintf(out, " \"%s\"", r->label);
                if (r->action[a] == PACT_HOLD)
                    fprintf(out, " %.6g s", r->duration_s[a]);
            }
            fprintf(out, "   [line %d]\n", r->line);
        }
    }
    const proto_reaction *fr, *lr;
    if (proto_event_ends_test(p, PEV_FRACTURE, NULL, &fr) && !fr)
        fprintf(out, "  fracture stops the test (no 'on fracture' line: implicit stop)\n");
    if (p->nlimits && proto_event_ends_test(p, PEV_LIMIT, NULL, &lr) && !lr)
        fprintf(out, "  a limit stops the test (no 'on limit' line: implicit stop)\n");
    if (unknown && total_t == 0)
        fprintf(out, "estimate: depends on the specimen (%d of %d steps)\n", unknown,
                p->nsteps);
    else
        fprintf(out, "estimate: %s%.4g s (%.4g min), %.4g mm of travel%s\n",
                unknown ? "at least " : "", total_t, total_t / 60, total_x * 1e3,
                unknown ? " (more in the steps that depend on the specimen)" : "");
}
