/* csvin_meta.c — specimen geometry, test type and metadata lines in any
 * language and layout.
 *
 * Geometry keys are recognised in English, German, French, Spanish, Italian,
 * Portuguese, Polish, Chinese and Japanese (docs/import.md). The gauge
 * length L0 (ISO 6892-1 cl. 3.1.1: the length on which elongation is
 * measured) is never taken from the parallel length Lc (cl. 3.2: the
 * parallel reduced section, "Versuchslänge", "Parallellänge"), nor from a
 * total or free length between grips where a gauge length is also stated.
 * Metadata lines come as "key, value, unit", "key:<TAB>value<TAB>unit" or
 * "key<TAB><TAB><TAB>unit<TAB>value": cin_meta_fields finds the three.
 */
#include "csvin_priv.h"

#include "../../common/units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Lower case of ASCII and of the Latin letters of UTF-8 (Latin-1
 * supplement and Latin Extended-A: Á -> á, Ł -> ł, Ś -> ś), so that
 * "Área", "ŚREDNICA" match their lower-case words. Other bytes are copied. */
void cin_lower(char *d, size_t dn, const char *s)
{
    size_t i = 0, o = 0;
    while (s[i] && o + 1 < dn) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            d[o++] = (char)tolower(c);
            i++;
            continue;
        }
        unsigned char c2 = (unsigned char)s[i + 1];
        if ((c == 0xC3 || c == 0xC4 || c == 0xC5) && c2 >= 0x80 && c2 <= 0xBF && o + 2 < dn) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | (c2 & 0x3F);
            if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
                cp += 0x20;
            else if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
                cp |= 1;
            else if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && (cp & 1))
                cp += 1;
            d[o++] = (char)(0xC0 | (cp >> 6));
            d[o++] = (char)(0x80 | (cp & 0x3F));
            i += 2;
            continue;
        }
        d[o++] = (char)c;
        i++;
    }
    d[o] = '\0';
}

/* 0 width 1 thickness 2 diameter 3 area 4 gauge 5 height */
typedef struct {
    const char *w;
    int which;
} geom_word;

/* First match wins: specific words before generic ones ("gauge length"
 * before "length"; area words before "section" words of other meanings). */
static const geom_word geom_words[] = {
    {"width", 0},           {"breite", 0},          {"largeur", 0},        {"anchura", 0},
    {"ancho", 0},           {"larghezza", 0},       {"largura", 0},        {"szerokość", 0},
    {"genişlik", 0},        {"宽度", 0},            {"試験片幅", 0},        {"幅", 0},
    {"thickness", 1},       {"dicke", 1},           {"paisseur", 1},       {"épaisseur", 1},
    {"espesor", 1},         {"spessore", 1},        {"espessura", 1},      {"grubość", 1},
    {"kalınlık", 1},        {"厚度", 1},            {"厚さ", 1},            {"板厚", 1},
    {"diameter", 2},        {"durchmesser", 2},     {"diamètre", 2},       {"diámetro", 2},
    {"diametro", 2},        {"diâmetro", 2},        {"średnica", 2},       {"直径", 2},
    {"径", 2},
    {"cross-section", 3},   {"cross section", 3},   {"area", 3},           {"área", 3},
    {"querschnitt", 3},     {"grundfläche", 3},     {"fläche", 3},         {"section", 3},
    {"sezione", 3},         {"sección", 3},         {"seção", 3},          {"przekrój", 3},
    {"pole przekroju", 3},  {"面积", 3},            {"断面積", 3},         {"面積", 3},
    {"ölçü boyu", 4},       {"kesit alanı", 3},     {"gage length", 4},     {"gauge length", 4},    {"messlänge", 4},      {"l0", 4},
    {"original length", 4}, {"longitud calibrada", 4}, {"longueur de référence", 4},
    {"lunghezza", 4},       {"comprimento", 4},     {"długość pomiarowa", 4}, {"długość", 4},
    {"标距", 4},            {"標点距離", 4},        {"評点間距離", 4},     {"span", 4},
    {"longitud", 4},        {"longueur", 4},        {"länge", 4},          {"length", 4},
    {"height", 5},          {"höhe", 5},            {"hauteur", 5},        {"altura", 5},
    {"altezza", 5},         {"wysokość", 5},        {"高度", 5},           {"高さ", 5},
};

/* Keys that are lengths but not the gauge length L0. */
static const char *const not_gauge[] = {
    "parallel",   "parallèle",  "paralela",  "parallela", "równoległ", "versuchslänge",
    "平行部",     "平行长度",   "total",     "gesamt",    "free",      "freie",
    "reduced",
};

/* Keys naming a dimension of something else than the specimen's measured
 * section ("Grip Diameter (Hardness correction)", "Einspannlänge"). The
 * extensometer's own gauge length ("Gage Length (Extensometer)") is the L0
 * of a strain measured by it and stays a gauge length. */
static const char *const not_specimen[] = {
    "grip",   "einspann", "hardness", "härte",  "jaw",    "clamp",  "fixture",
    "punch",  "platen",   "indenter", "shoulder", "kopf", "mors",   "mâchoire",
};

static bool token_lc(const char *k)
{
    /* "Lc", "Lc (mm)": the parallel length symbol (ISO 6892-1). */
    return (k[0] == 'l' && k[1] == 'c' && !isalnum((unsigned char)k[2]));
}

bool cin_geom_key(curve *c, const char *key, const char *value, const char *unit, char dec)
{
    char k[200];
    cin_lower(k, sizeof k, key);
    if (strstr(k, "final") || strstr(k, "after") || strstr(k, "break") || strstr(k, "nach") ||
        strstr(k, "rotura") || strstr(k, "rupture"))
        return false;
    for (size_t i = 0; i < sizeof not_specimen / sizeof not_specimen[0]; i++)
        if (strstr(k, not_specimen[i]))
            return false;
    int which = -1;
    for (size_t i = 0; i < sizeof geom_words / sizeof geom_words[0]; i++)
        if (strstr(k, geom_words[i].w)) {
            which = geom_words[i].which;
            break;
        }
    if (which < 0)
        return false;
    if (which == 4) {
        if (token_lc(k))
            return false;
        for (size_t i = 0; i < sizeof not_gauge / sizeof not_gauge[0]; i++)
            if (strstr(k, not_gauge[i]))
                return false;
    }
    double v;
    /* "12,5" in a file whose numbers use a point: a decimal comma in the
     * header (Deben, European Bluehill installs); "1,250" stays grouped. */
    if (cin_num(value, dec, true, &v, NULL) != NUM_OK &&
        (dec == ',' || cin_num(value, ',', false, &v, NULL) != NUM_OK))
        return false;
    unit_info ui;
    unit_dim want = which == 3 ? DIM_AREA : DIM_LENGTH;
    double scale;
    if (unit && unit[0]) {
        if (!units_parse(unit, &ui) || ui.dim != want)
            return false;
        scale = ui.scale;
    } else {
        scale = which == 3 ? 1e-6 : 1e-3; /* mm, mm^2 by convention of the formats */
    }
    v *= scale;
    switch (which) {
    case 0: c->geom.width_m = v; break;
    case 1: c->geom.thickness_m = v; break;
    case 2: c->geom.diameter_m = v; break;
    case 3: c->geom.area_m2 = v; break;
    case 4: c->geom.gauge_m = v; break;
    case 5: c->geom.height_m = v; break;
    }
    return true;
}

/* "tension" but not "extension". */
static bool has_word_tension(const char *low)
{
    for (const char *p = strstr(low, "tension"); p; p = strstr(p + 1, "tension"))
        if (p == low || !isalpha((unsigned char)p[-1]))
            return true;
    return false;
}

void cin_test_from_text(curve *c, const char *text)
{
    if (c->test[0] || !text)
        return;
    char low[512];
    cin_lower(low, sizeof low, text);
    if (strstr(low, "compress") || strstr(low, "druck") || strstr(low, "is_comp") ||
        strstr(low, "compresión") || strstr(low, "ściskan") || strstr(low, "压缩") ||
        strstr(low, "圧縮"))
        snprintf(c->test, sizeof c->test, "compression");
    else if (strstr(low, "tensile") || has_word_tension(low) || strstr(low, "zugversuch") ||
             strstr(low, "traction") || strstr(low, "is_tens") || strstr(low, "tracción") ||
             strstr(low, "trazione") || strstr(low, "rozciągan") || strstr(low, "拉伸") ||
             strstr(low, "引張"))
        snprintf(c->test, sizeof c->test, "tensile");
}

/* Keys whose value names the test type (lower case, compared whole after
 * trimming spaces and a trailing colon). */
static const char *const test_keys[] = {
    "test type", "type of test", "test", "test mode", "method", "methode", "prüfart",
    "versuchsart", "prüfverfahren", "type d'essai", "type d’essai", "essai", "méthode",
    "tipo de ensayo", "ensayo", "método", "tipo di prova", "prova", "metodo", "rodzaj próby",
    "tipo de ensaio", "試験種類", "試験方法", "试验类型", "试验方法"};

static bool is_test_key(const char *key, size_t n)
{
    char low[96];
    while (n && (key[n - 1] == ' ' || key[n - 1] == ':' || key[n - 1] == '\t'))
        n--;
    while (n && (*key == ' ' || *key == '"')) {
        key++;
        n--;
    }
    if (n >= sizeof low)
        return false;
    char k[96];
    memcpy(k, key, n);
    k[n] = '\0';
    cin_lower(low, sizeof low, k);
    for (size_t i = 0; i < sizeof test_keys / sizeof test_keys[0]; i++)
        if (!strcmp(low, test_keys[i]))
            return true;
    return false;
}

void cin_test_from_meta(curve *c)
{
    for (size_t i = 0; i < c->nmeta && !c->test[0]; i++) {
        const curve_meta *m = &c->meta[i];
        const char *val = m->value;
        const char *colon = strchr(m->key, ':');
        if (is_test_key(m->key, strlen(m->key)))
            ;
        else if (colon && !val[0] && is_test_key(m->key, (size_t)(colon - m->key)))
            val = colon + 1; /* "Methode: Zugversuch" read as one key */
        else
            continue;
        cin_test_from_text(c, val);
        if (c->test[0])
            curve_note(c, "test type '%s' from the metadata '%s%s%s'", c->test, m->key,
                       m->value[0] ? ": " : "", m->value);
    }
}

/* A unit-looking text: parses as a unit, or is short and bracketed. */
static bool unitish(const char *f)
{
    unit_info ui;
    char u[40];
    cin_copy(u, sizeof u, f);
    size_t n = strlen(u);
    if (n >= 2 && (u[0] == '(' || u[0] == '[') && (u[n - 1] == ')' || u[n - 1] == ']')) {
        u[n - 1] = '\0';
        memmove(u, u + 1, n - 1);
    }
    return units_parse(u, &ui);
}

static bool numberish(const char *f)
{
    double v;
    return cin_num(f, '.', true, &v, NULL) == NUM_OK || cin_num(f, ',', true, &v, NULL) == NUM_OK;
}

void cin_meta_fields(const cin_row *row, char *key, size_t kn, const char **val,
                     const char **unit)
{
    size_t n = cin_row_used(row);
    cin_copy(key, kn, n ? row->f[0].s : "");
    /* "Width:" -> "Width" */
    size_t kl = strlen(key);
    while (kl && (key[kl - 1] == ':' || key[kl - 1] == ' '))
        key[--kl] = '\0';
    const char *rest[4] = {"", "", "", ""};
    size_t nr = 0;
    for (size_t i = 1; i < n && nr < 4; i++)
        if (row->f[i].s[0])
            rest[nr++] = row->f[i].s;
    *val = rest[0];
    *unit = nr > 1 ? rest[1] : "";
    /* "key<TAB><TAB><TAB>unit<TAB>value": the unit came first. */
    if (nr == 2 && !numberish(rest[0]) && numberish(rest[1]) && unitish(rest[0])) {
        *val = rest[1];
        *unit = rest[0];
    }
    /* "key,,unit": a blank value stays blank. */
    if (nr == 1 && n > 1 && !row->f[1].s[0] && !numberish(rest[0]) && unitish(rest[0])) {
        *val = "";
        *unit = rest[0];
    }
    /* Empty cells between key, value and unit kept the old layout working
     * for "key,value,unit" rows; a row whose first non-empty fields are not
     * at 1 and 2 is only read the new way when it has exactly two. */
    if (n > 2 && row->f[1].s[0] && nr != 2) {
        *val = row->f[1].s;
        *unit = row->f[2].s;
    }
}

bool cin_flexure_word(const char *text)
{
    static const char *const w[] = {"flexur", "flexion", "flexión", "flessione", "bending",
                                    "biege", "3-point", "three-point", "4-point", "four-point",
                                    "support span", "zginan", "曲げ", "弯曲"};
    char low[200];
    cin_lower(low, sizeof low, text ? text : "");
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strstr(low, w[i]))
            return true;
    return false;
}
