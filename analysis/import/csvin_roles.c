/* csvin_roles.c — the role of a column (time, extension, force, strain,
 * stress) from its name and unit.
 *
 * Names are matched as lower-case substrings in English, German, French,
 * Spanish, Italian, Portuguese, Polish, Chinese and Japanese (docs/import.md
 * lists them). Three kinds of names change how a column competes:
 *   - setpoint/command channels (Sollwert, setpoint, command, demand,
 *     consigne, commande): the controller's demand, not a measurement. They
 *     never take a role while a measured column of that role exists, and
 *     never the strain role at all (a "command [%]" is % of the actuator's
 *     range, not a strain);
 *   - extensometer channels (Extensometer, Dehnung, Feindehnung, Déform1,
 *     clip-on, video/laser extensometer, MTS "Strain 1" in mm, a clip-on
 *     named only by a serial number): ISO 6892-1 clause 10 / ASTM E8 take the
 *     strain from the extensometer, so in a length unit they beat every
 *     crosshead channel for the extension role and in % or mm/mm they are
 *     the strain;
 *   - crosshead channels (Weg, Standardweg, Stroke, Traverse, Déplacement,
 *     Position): the machine's travel, used when nothing better exists.
 * A unit alone gives a role only where it cannot mean anything else: mm/mm
 * is a strain, but "%" alone is not (a controller output in % of range).
 */
#include "csvin_priv.h"

#include "../../common/units.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const unit_dim cin_role_dim[CURVE_NROLES] = {DIM_TIME, DIM_LENGTH, DIM_FORCE, DIM_RATIO,
                                             DIM_STRESS};

static const char *const role_names[CURVE_NROLES] = {"time", "ext", "force", "strain",
                                                     "stress"};

const char *csvin_role_name(int role)
{
    return role >= 0 && role < CURVE_NROLES ? role_names[role] : "-";
}

int csvin_role_from_name(const char *name)
{
    static const struct {
        const char *n;
        int r;
    } t[] = {{"time", CURVE_TIME},        {"t", CURVE_TIME},         {"ext", CURVE_EXT},
             {"extension", CURVE_EXT},    {"position", CURVE_EXT},   {"crosshead", CURVE_EXT},
             {"displacement", CURVE_EXT}, {"elongation", CURVE_EXT}, {"force", CURVE_FORCE},
             {"load", CURVE_FORCE},       {"strain", CURVE_STRAIN},  {"stress", CURVE_STRESS}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (name && !strcasecmp(name, t[i].n))
            return t[i].r;
    return -1;
}

static void set_why(cin_col *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(cin_col *c, const char *fmt, ...)
{
    char tmp[sizeof c->why];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    cin_copy(c->why, sizeof c->why, tmp);
}

typedef struct {
    const char *word; /* lower-case substring of the name (UTF-8 as written) */
    int role;
    int prio; /* higher wins */
} vocab;

/* Non-ASCII words are matched on the lower-cased ASCII of the name, so they
 * are written here as they appear in lower case (ä, é, ł stay as UTF-8). */
static const vocab words[] = {
    /* time */
    {"total time", CURVE_TIME, 5},
    {"prüfzeit", CURVE_TIME, 4},
    {"time", CURVE_TIME, 4},
    {"zeit", CURVE_TIME, 4},
    {"temps", CURVE_TIME, 4},
    {"tiempo", CURVE_TIME, 4},
    {"tempo", CURVE_TIME, 4},
    {"czas", CURVE_TIME, 4},
    {"godzina", CURVE_TIME, 3}, /* Polish Bluehill: "Godzina (s)", the sample time */
    {"zaman", CURVE_TIME, 4},
    {"时间", CURVE_TIME, 4},
    {"時間", CURVE_TIME, 4},
    /* force */
    {"standardkraft", CURVE_FORCE, 5},
    {"standard force", CURVE_FORCE, 5},
    {"force standard", CURVE_FORCE, 5},
    {"prüfkraft", CURVE_FORCE, 4},
    {"force", CURVE_FORCE, 4},
    {"load", CURVE_FORCE, 4},
    {"kraft", CURVE_FORCE, 4},
    {"fuerza", CURVE_FORCE, 4},
    {"forza", CURVE_FORCE, 4},
    {"força", CURVE_FORCE, 4},
    {"siła", CURVE_FORCE, 4},
    {"sila", CURVE_FORCE, 4},
    {"obciążenie", CURVE_FORCE, 4},
    {"carico", CURVE_FORCE, 4},
    {"carga", CURVE_FORCE, 3},
    {"charge", CURVE_FORCE, 3},
    {"kuvvet", CURVE_FORCE, 4},
    {"試験力", CURVE_FORCE, 5},
    {"荷重", CURVE_FORCE, 4},
    {"载荷", CURVE_FORCE, 4},
    {"荷载", CURVE_FORCE, 4},
    {"负荷", CURVE_FORCE, 4},
    {"力", CURVE_FORCE, 3}, /* after 应力/応力 (stress) below, which rank higher */
    /* extension: displacement-type names, then crosshead position */
    {"standard travel", CURVE_EXT, 6},
    {"course standard", CURVE_EXT, 6},
    {"standardweg", CURVE_EXT, 5},
    {"extension", CURVE_EXT, 5},
    {"elongation", CURVE_EXT, 5},
    {"allongement", CURVE_EXT, 5},
    {"alargamiento", CURVE_EXT, 5},
    {"allungamento", CURVE_EXT, 5},
    {"alongamento", CURVE_EXT, 5},
    {"wydłużenie", CURVE_EXT, 5},
    {"dehnweg", CURVE_EXT, 5},
    {"伸长", CURVE_EXT, 5},
    {"伸び", CURVE_EXT, 5},
    {"displacement", CURVE_EXT, 4},
    {"deformation", CURVE_EXT, 4},
    {"verformung", CURVE_EXT, 4},
    {"def.", CURVE_EXT, 4},
    {"desplazamiento", CURVE_EXT, 4},
    {"desplaz.", CURVE_EXT, 4}, /* abbreviated: "Desplaz. [mm]" */
    {"spostamento", CURVE_EXT, 4},
    {"deslocamento", CURVE_EXT, 4},
    {"przemieszczenie", CURVE_EXT, 4},
    {"位移", CURVE_EXT, 4},
    {"変位", CURVE_EXT, 4},
    {"变形", CURVE_EXT, 4},
    {"travel", CURVE_EXT, 3},
    {"distance", CURVE_EXT, 3},
    {"weg", CURVE_EXT, 3},
    {"déplacement", CURVE_EXT, 3},
    {"uzama", CURVE_EXT, 4},
    {"deplasman", CURVE_EXT, 4},
    {"grip separation", CURVE_EXT, 2},
    {"crosshead", CURVE_EXT, 2},
    {"traverse", CURVE_EXT, 2},
    {"trawers", CURVE_EXT, 2},
    {"position", CURVE_EXT, 2},
    {"stroke", CURVE_EXT, 2},
    {"ストローク", CURVE_EXT, 2},
    {"横梁", CURVE_EXT, 2},
    {"course", CURVE_EXT, 1},
    {"extern", CURVE_EXT, 1},
    /* strain, stress */
    {"strain", CURVE_STRAIN, 4},
    {"dehnung", CURVE_STRAIN, 4},
    {"deformación", CURVE_STRAIN, 5},
    {"deformazione", CURVE_STRAIN, 5},
    {"deformação", CURVE_STRAIN, 5},
    {"odkształcenie", CURVE_STRAIN, 5},
    {"应变", CURVE_STRAIN, 5},
    {"ひずみ", CURVE_STRAIN, 5},
    {"歪み", CURVE_STRAIN, 5},
    {"birim uzama", CURVE_STRAIN, 5},
    {"birim şekil", CURVE_STRAIN, 5},
    {"stress", CURVE_STRESS, 4},
    {"gerilme", CURVE_STRESS, 4},
    {"spannung", CURVE_STRESS, 4},
    {"contrainte", CURVE_STRESS, 4},
    {"tensión", CURVE_STRESS, 4},
    {"esfuerzo", CURVE_STRESS, 4},
    {"tensione", CURVE_STRESS, 4},
    {"sollecitazione", CURVE_STRESS, 4},
    {"tensão", CURVE_STRESS, 4},
    {"naprężenie", CURVE_STRESS, 5},
    {"应力", CURVE_STRESS, 6},
    {"応力", CURVE_STRESS, 6},
};

/* Words that make a column never a role even if a role word appears. */
static const char *const never[] = {
    "speed",      "slope",    "count",           "cycles",    "step",
    "index",      "marker",   "markierung",      "code",      "accel",
    "endstop",    "loss",     "temperature",     "pyrometer", "rotation",
    "torque",     "angle",    "drehwinkel",      "raw",       "date",
    "cell",       "velocity", "geschwindigkeit", "energy",    "original",
    "final",      "lookup",   "element",         "direction", "samplerate",
    "motorspeed", "pressure",
    /* transverse channels: the width or thickness change, not the extension */
    "breitenänderung", "dickenänderung", "width change", "thickness change", "transverse",
    "lateral"};

/* The controller's demand. "soll" only at the start of a word (Sollweg,
 * Kraft Soll), so that no measured name containing the letters is caught. */
static const char *const setpoint_words[] = {
    "sollwert", "setpoint", "set point", "set-point", "command", "demand", "commande",
    "consigne", "target",   "cmd",       "valor de consigna", "comando", "zadana", "设定",
    "指令",     "目標"};

/* Extensometer channels (names and makers of clip-on, video and laser
 * extensometers). "dehnung" alone is also one: in testXpert "Dehnung" is
 * the extensometer, "Standardweg" the crosshead. */
static const char *const extenso_words[] = {
    "extensometer", "extenso",   "feindehnung", "dehnungsaufnehmer", "déform",
    "clip-on",      "clip on",   "clipon",      "video",             "laser",
    "maytec",       "epsilon",   "multisens",   "makrosens",         "videoxtens",
    "引伸计",       "伸び計",    "ekstensometr", "estensimetro",     "extensómetro",
    "extensômetro", "dehnung"};

static bool word_start(const char *low, const char *at)
{
    return at == low || !isalpha((unsigned char)at[-1]);
}

/* Width-change channels (the transverse extensometer of an r-value test,
 * ISO 10113): German, English, French, Italian, Spanish, Portuguese,
 * Polish and the symbol Δb. Thickness change is not one: r is measured on
 * the width (the thickness follows from volume constancy). */
static const char *const width_change_words[] = {
    "breitenänderung", "breitenaenderung", "width change",  "change in width",
    "width variation", "variation largeur", "variation de largeur", "variation de la largeur",
    "variazione larghezza", "variazione di larghezza", "variación de ancho",
    "variación del ancho", "cambio de ancho", "variação de largura", "zmiana szerokości",
    "Δb", "δb", "delta b", "delta-b", "幅変化", "宽度变化"};

bool cin_is_width_change(const char *name)
{
    char low[160];
    cin_lower(low, sizeof low, name);
    for (size_t i = 0; i < sizeof width_change_words / sizeof width_change_words[0]; i++) {
        const char *w = width_change_words[i];
        const char *p = strstr(low, w);
        if (!p)
            continue;
        /* "Δb", "delta b": a symbol, so a whole word only (not "Δbreak"). */
        if ((w[0] == '\xce' || !strncmp(w, "delta", 5)) &&
            (!word_start(low, p) || isalnum((unsigned char)p[strlen(w)])))
            continue;
        return true;
    }
    return false;
}

bool cin_is_setpoint(const char *name)
{
    char low[160];
    cin_lower(low, sizeof low, name);
    for (size_t i = 0; i < sizeof setpoint_words / sizeof setpoint_words[0]; i++)
        if (strstr(low, setpoint_words[i]))
            return true;
    for (const char *p = low; (p = strstr(p, "soll")) != NULL; p++)
        if (word_start(low, p))
            return true;
    return false;
}

/* A clip-on gauge named only by its serial number: "3542-050M-025",
 * "SN 12345", "#2630-112": at least three digits, no letters run longer than
 * three, no spaces but after an "SN" prefix. */
static bool serial_name(const char *low)
{
    const char *p = low;
    if (!strncmp(p, "sn", 2) || !strncmp(p, "s/n", 3))
        p += p[1] == '/' ? 3 : 2;
    while (*p == ' ' || *p == '#' || *p == ':')
        p++;
    size_t digits = 0, run = 0;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            digits++;
            run = 0;
        } else if (isalpha((unsigned char)*p)) {
            if (++run > 3)
                return false;
        } else if (*p != '-' && *p != '/' && *p != '.' && *p != '_') {
            return false;
        } else {
            run = 0;
        }
    }
    return digits >= 3;
}

static bool extenso_name(const char *low)
{
    for (size_t i = 0; i < sizeof extenso_words / sizeof extenso_words[0]; i++)
        if (strstr(low, extenso_words[i]))
            return true;
    /* "Ext.1", "Ext. 2" (Shimadzu Trapezium's extensometer channels). */
    for (const char *e = low; (e = strstr(e, "ext.")) != NULL; e++) {
        const char *d = e + 4;
        while (*d == ' ')
            d++;
        if (word_start(low, e) && isdigit((unsigned char)*d))
            return true;
    }
    /* "AVE 2" (Instron advanced video extensometer), "AVX". */
    const char *a = strstr(low, "ave");
    if (a && word_start(low, a) && !isalpha((unsigned char)a[3]))
        return true;
    return serial_name(low);
}

int cin_classify(cin_col *c, const unit_info *ui, bool has_unit, int *prio)
{
    char low[160];
    cin_lower(low, sizeof low, c->name);
    const char *nm = low;
    while (*nm == '_')
        nm++;
    *prio = 0;
    c->setpoint = c->extenso = false;
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(nm, never[i])) {
            set_why(c, "name contains '%s'", never[i]);
            return -1;
        }
    int role = -1, best = -1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(nm, words[i].word) && words[i].prio > best) {
            role = words[i].role;
            best = words[i].prio;
        }
    bool setpoint = cin_is_setpoint(nm);
    /* "Nominelle Dehnung" / "nominal strain" is the crosshead's strain. */
    /* MTS "Strain 1" in mm is the extensometer's elongation. */
    bool strain_len = role == CURVE_STRAIN && has_unit && ui->dim == DIM_LENGTH;
    bool extenso = !setpoint && !strstr(nm, "nomin") && (strain_len || extenso_name(nm)) &&
                   role != CURVE_STRESS && role != CURVE_FORCE && role != CURVE_TIME;
    if (extenso && has_unit && (ui->dim == DIM_LENGTH || ui->dim == DIM_RATIO)) {
        /* The extensometer: in a length unit the extension (its elongation
         * over its own gauge length), in % or mm/mm the strain. */
        c->extenso = true;
        *prio = 20 + (ui->dim == DIM_RATIO);
        set_why(c, "extensometer ('%s'); strain is taken from the extensometer "
                   "(ISO 6892-1 cl. 10)", c->name);
        return ui->dim == DIM_LENGTH ? CURVE_EXT : CURVE_STRAIN;
    }
    if (role >= 0 && has_unit && ui->dim != cin_role_dim[role]) {
        /* The unit overrides the name: "_Strain1 (mm)" is a length. */
        if (ui->dim == DIM_LENGTH) {
            set_why(c, "named like %s but its unit %s is a length", role_names[role], c->unit);
            role = CURVE_EXT;
            best = 0;
        } else if (ui->dim == DIM_RATIO && role == CURVE_EXT) {
            /* "Elongation (%)", "Allongement [%]": a percentage elongation
             * is a strain (ISO 6892-1 cl. 3.4). */
            set_why(c, "an elongation in %s is a strain", c->unit);
            role = CURVE_STRAIN;
        } else if (ui->dim == DIM_MASS && role == CURVE_FORCE) {
            /* grams in a force column: grams-force, handled by the caller */
        } else {
            set_why(c, "named like %s but unit '%s' is %s", role_names[role], c->unit,
                    units_dim_name(ui->dim));
            return -1;
        }
    }
    if (setpoint) {
        c->setpoint = true;
        if (role < 0 && has_unit && ui->dim != DIM_RATIO)
            for (int r = 0; r < CURVE_NROLES; r++)
                if (ui->dim == cin_role_dim[r] && r != CURVE_TIME)
                    role = r;
        if (role < 0 || role == CURVE_STRAIN || role == CURVE_TIME) {
            set_why(c, "setpoint/command channel (the controller's demand, not a "
                       "measurement)%s",
                    has_unit && ui->dim == DIM_RATIO ? "; its % is of the actuator's range, "
                                                       "not a strain"
                                                     : "");
            return -1;
        }
        /* Below every measured column: used only when the file has no
         * measured twin, and then with a warning (cin_read_table). */
        *prio = -10;
        set_why(c, "setpoint/command channel (the controller's demand, not a measurement)");
        return role;
    }
    if (role < 0 && has_unit) {
        /* Unknown name with a telling unit: a weak candidate. Not "%" alone,
         * which is as often a controller output in % of range as a strain. */
        for (int r = 0; r < CURVE_NROLES; r++)
            if (ui->dim == cin_role_dim[r] && r != CURVE_TIME) {
                if (r == CURVE_STRAIN && ui->scale != 1.0) {
                    set_why(c, "unit %s alone does not make a strain (could be %% of a "
                               "range); name it with --column strain=NAME",
                            c->unit);
                    return -1;
                }
                role = r;
                best = 0;
                set_why(c, "unit %s is %s", c->unit, units_dim_name(ui->dim));
            }
    }
    if (role < 0)
        return -1;
    /* A column with the right unit beats one without a unit. */
    *prio = best * 2 + (has_unit ? 1 : 0);
    if (!c->why[0])
        set_why(c, "name");
    return role;
}

const char *csvin_channel_kind(const char *name, const char *unit)
{
    cin_col c;
    memset(&c, 0, sizeof c);
    cin_copy(c.name, sizeof c.name, name);
    cin_copy(c.unit, sizeof c.unit, unit);
    unit_info ui = {0};
    bool has_unit = unit && unit[0] && units_parse(unit, &ui);
    int prio, r = cin_classify(&c, &ui, has_unit, &prio);
    if (c.extenso)
        return "extensometer";
    if (c.setpoint)
        return "setpoint";
    char low[160];
    cin_lower(low, sizeof low, name ? name : "");
    static const char *const cross[] = {"weg",       "stroke",   "traverse",  "crosshead",
                                        "déplacement", "position", "travel",  "course",
                                        "ストローク", "横梁",     "trawers",   "位移",
                                        "desplaz", "spostamento", "deslocamento",
                                        "przemieszczenie", "traversa", "変位", "displacement",
                                        "extension"};
    if (r == CURVE_EXT)
        for (size_t i = 0; i < sizeof cross / sizeof cross[0]; i++)
            if (strstr(low, cross[i]))
                return "crosshead";
    return "channel";
}

int csvin_parse_columns(const char *spec, csvin_opts *o, char *err, size_t errlen)
{
    o->npos = 0;
    const char *p = spec ? spec : "";
    if (!*p) {
        snprintf(err, errlen, "empty layout; expected ROLE:UNIT,... e.g. strain:%%,stress:MPa");
        return RIGOR_EINVAL;
    }
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char item[64];
        if (n == 0 || n >= sizeof item) {
            snprintf(err, errlen, "column %d: expected ROLE[:UNIT], found '%.*s'", o->npos + 1,
                     (int)(n < 40 ? n : 40), p);
            return RIGOR_EINVAL;
        }
        if (o->npos >= CSVIN_MAX_POS) {
            snprintf(err, errlen, "at most %d columns", CSVIN_MAX_POS);
            return RIGOR_EINVAL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        char *colon = strchr(item, ':');
        const char *unit = "";
        if (colon) {
            *colon = '\0';
            unit = colon + 1;
        }
        csvin_pos *cp = &o->pos[o->npos];
        if (!strcmp(item, "-") || !strcasecmp(item, "skip")) {
            cp->role = -1;
        } else {
            cp->role = csvin_role_from_name(item);
            if (cp->role < 0) {
                snprintf(err, errlen,
                         "column %d: unknown role '%s' (time, ext, force, strain, stress, or "
                         "- to skip)",
                         o->npos + 1, item);
                return RIGOR_EINVAL;
            }
            for (int k = 0; k < o->npos; k++)
                if (o->pos[k].role == cp->role) {
                    snprintf(err, errlen, "column %d: role '%s' given twice", o->npos + 1,
                             item);
                    return RIGOR_EINVAL;
                }
        }
        if (unit[0]) {
            unit_info ui;
            if (!units_parse(unit, &ui)) {
                snprintf(err, errlen, "column %d: unknown unit '%s'", o->npos + 1, unit);
                return RIGOR_EINVAL;
            }
            if (cp->role >= 0 && ui.dim != cin_role_dim[cp->role] &&
                !(cp->role == CURVE_FORCE && ui.dim == DIM_MASS)) {
                snprintf(err, errlen, "column %d: unit '%s' is %s, a %s needs %s", o->npos + 1,
                         unit, units_dim_name(ui.dim), role_names[cp->role],
                         units_dim_name(cin_role_dim[cp->role]));
                return RIGOR_EINVAL;
            }
        }
        cin_copy(cp->unit, sizeof cp->unit, unit);
        o->npos++;
        if (!e)
            break;
        p = e + 1;
    }
    bool f = false, x = false;
    for (int k = 0; k < o->npos; k++) {
        f |= o->pos[k].role == CURVE_FORCE || o->pos[k].role == CURVE_STRESS;
        x |= o->pos[k].role == CURVE_EXT || o->pos[k].role == CURVE_STRAIN;
    }
    if (!f || !x) {
        snprintf(err, errlen, "the layout needs %s column",
                 !f ? "a force or stress" : "an extension or strain");
        return RIGOR_EINVAL;
    }
    return RIGOR_OK;
}
