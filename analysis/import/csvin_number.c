/* csvin_number.c — fields to numbers, for the importer (split from
 * csvin_text.c, no behaviour change).
 *
 * Numbers are parsed strictly: the whole field must be a number, so "12abc"
 * is an error and not 12. cin_fast_decimal is the exact fast path for plain
 * decimals (Clinger's algorithm, below); cin_num handles the rest (decimal
 * comma, thousands separators, exponents, NaN/inf spelled out); cin_fast_row
 * reads a whole plain data line.
 */
#include "csvin_priv.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Exact powers of ten: 10^k for k <= 22 is exactly representable in an IEEE
 * double (5^22 < 2^53), so each entry is the exact value. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The correctness argument below needs every double operation rounded once
 * to double precision (no x87 extended intermediates). */
_Static_assert(FLT_EVAL_METHOD == 0, "cin_fast_decimal needs FLT_EVAL_METHOD 0");

/* w * 10^q, correctly rounded, for w <= 2^53 and |q| <= 22 (Clinger). */
static double fast_scale(uint64_t w, long q)
{
    double v = (double)w; /* exact: w <= 2^53 */
    return q < 0 ? v / pow10_exact[-q] : v * pow10_exact[q];
}

/* The decimal w * 10^q written at *pp as digits [dec digits] [(e|E) [+-]
 * digits]: the significant digits in w (leading zeros dropped), the
 * exponent in q. Reading stops at `end`, or with end NULL at the first
 * other character (NUL-terminated text); *pp is left there. false when
 * there is no mantissa digit, more than 19 significant digits (w would
 * overflow), an exponent without digits or one beyond 100000 (far outside
 * any fast range). One scanner for the normalised text and the raw cell. */
static bool scan_decimal(const char **pp, const char *end, char dec, uint64_t *w_out,
                         long *q_out)
{
#define AT(x) ((end && (x) >= end) ? '\0' : *(x))
    const char *p = *pp;
    uint64_t w = 0;
    int nd = 0;
    long q = 0;
    bool any = false;
    for (; AT(p) >= '0' && AT(p) <= '9'; p++) {
        any = true;
        if (w == 0 && *p == '0')
            continue;
        if (++nd > 19)
            return false;
        w = w * 10 + (uint64_t)(*p - '0');
    }
    if (AT(p) == dec) {
        for (p++; AT(p) >= '0' && AT(p) <= '9'; p++) {
            any = true;
            q--;
            if (w == 0 && *p == '0')
                continue;
            if (++nd > 19)
                return false;
            w = w * 10 + (uint64_t)(*p - '0');
        }
    }
    if (!any)
        return false;
    if (AT(p) == 'e' || AT(p) == 'E') {
        p++;
        bool eneg = AT(p) == '-';
        if (AT(p) == '+' || AT(p) == '-')
            p++;
        if (!(AT(p) >= '0' && AT(p) <= '9'))
            return false;
        long x = 0;
        for (; AT(p) >= '0' && AT(p) <= '9'; p++) {
            if (x > 100000)
                return false;
            x = x * 10 + (*p - '0');
        }
        q += eneg ? -x : x;
    }
#undef AT
    *pp = p;
    *w_out = w;
    *q_out = q;
    return true;
}

bool cin_fast_decimal(const char *s, size_t n, double *out)
{
    /* Clinger's fast path (W. D. Clinger, "How to read floating point
     * numbers accurately", PLDI 1990): a decimal w * 10^q with integer
     * 0 <= w <= 2^53 and |q| <= 22 has w and 10^|q| both exactly
     * representable, so the single IEEE multiplication or division
     * w * 10^q or w / 10^-q is correctly rounded (round to nearest even), the
     * same double strtod returns. s is the normalised text cin_num builds:
     * [+-] digits [. digits] [e [+-] digits]. Anything else (more than 19
     * significant digits, w > 2^53, |q| > 22) returns false and the caller
     * uses strtod. */
    const char *p = s, *e = s + n;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    uint64_t w;
    long q;
    if (!scan_decimal(&p, e, '.', &w, &q) || p != e)
        return false;
    if (w > (UINT64_C(1) << 53) || q < -22 || q > 22)
        return false;
    double v = fast_scale(w, q);
    *out = neg ? -v : v;
    return true;
}

/* The common cell in one scan, without the normalising copy: p (after the
 * sign) is digits [dec digits] [e|E [+-] digits], then only blanks, at most
 * 60 characters, inside the fast range of cin_fast_decimal. Everything
 * else (grouping, several commas, long or out-of-range text) returns false
 * and takes the general path of cin_num, which reads such plain text the
 * same way, so the result does not depend on the path. */
static bool num_plain(const char *p, char dec, bool neg, double *out)
{
    const char *p0 = p;
    uint64_t w;
    long q;
    if (!scan_decimal(&p, NULL, dec, &w, &q))
        return false;
    if (p - p0 > 60)
        return false;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p || w > (UINT64_C(1) << 53) || q < -22 || q > 22)
        return false;
    double v = fast_scale(w, q);
    *out = neg ? -v : v;
    return true;
}

/* A number of a data line that cin_fast_row's digit loops leave aside
 * (more than 15 digits, an exponent, no digit at all): num_plain's scan and range checks. Out of line, so that the common
 * path keeps its values in registers. */
static __attribute__((noinline)) bool plain_slow(const char **pp, char dec, double *out)
{
    const char *p = *pp;
    uint64_t w;
    long q;
    if (!scan_decimal(&p, NULL, dec, &w, &q) || p - *pp > 60 || w > (UINT64_C(1) << 53) ||
        q < -22 || q > 22)
        return false;
    *out = fast_scale(w, q);
    *pp = p;
    return true;
}

bool cin_fast_row(const cin_line *l, char delim, char dec, const signed char *role, size_t need,
                  double *v)
{
    /* For each of the first `need` fields, what cin_split + cin_num would
     * read from it, in one scan of the line text: cin_split trims blanks
     * (and reads a field whose first non-blank is '"' as quoted), cin_num
     * skips blanks and a sign, num_plain takes one scan_decimal within the
     * fast range and then blanks only. The scan runs on the line itself:
     * the delimiter (never the decimal separator here, a digit or an
     * exponent letter) or the line's NUL ends a number as the NUL after a
     * copied field would.
     *
     * The common cell -- at most 15 digits, no exponent -- is read by two
     * digit loops: w = int * 10^nf + frac and q = -nf, the w and q
     * scan_decimal gives (leading zeros add nothing to w, every fractional
     * digit lowers q), always inside Clinger's range (w < 10^15 < 2^53,
     * nf <= 15), so x = w / 10^nf is fast_scale's correctly rounded value.
     * Everything else goes through plain_slow. */
    const char *p = l->s;
    const char tab = delim == '\t' ? ' ' : '\t'; /* a blank unless it is the delimiter */
    for (size_t k = 0; k < need; k++) {
        while (*p == ' ' || *p == tab)
            p++;
        const signed char r = role[k];
        if (r >= 0) {
            bool neg = *p == '-';
            p += *p == '-' || *p == '+';
            uint64_t w = 0;
            const char *e = p;
            while ((unsigned char)(*e - '0') < 10)
                w = w * 10 + (uint64_t)(*e++ - '0');
            size_t nd = (size_t)(e - p), nf = 0;
            if (*e == dec) {
                const char *f0 = ++e;
                while ((unsigned char)(*e - '0') < 10)
                    w = w * 10 + (uint64_t)(*e++ - '0');
                nf = (size_t)(e - f0);
                nd += nf;
            }
            double x;
            if (nd == 0 || nd > 15 || (*e | 0x20) == 'e') {
                if (!plain_slow(&p, dec, &x))
                    return false;
            } else {
                x = (double)(int64_t)w / pow10_exact[nf]; /* exact: w < 10^15, nf <= 15 */
                p = e;
            }
            while (*p == ' ' || *p == tab)
                p++;
            v[r] = neg ? -x : x;
        } else {
            if (*p == '"')
                return false; /* quoted: may hold delimiters */
            while (*p && *p != delim)
                p++;
        }
        if (*p != delim && !(*p == '\0' && k + 1 == need))
            return false; /* more text in the field, or fewer fields than needed */
        if (*p)
            p++;
    }
    return true;
}

cin_numst cin_num(const char *s, char dec, bool group, double *out, bool *multi)
{
    char buf[96];
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return NUM_EMPTY;
    const char *p = s;
    if (*p == '+' || *p == '-')
        buf[n++] = *p++;
    /* Spelled-out non-finite values: "nan", "inf" (any case), "1.#INF" and
     * the like. (c | 0x20) folds the case of letters only; a NUL ends the
     * comparison before the next byte is read. */
    if (((p[0] | 0x20) == 'n' && (p[1] | 0x20) == 'a' && (p[2] | 0x20) == 'n') ||
        ((p[0] | 0x20) == 'i' && (p[1] | 0x20) == 'n' && (p[2] | 0x20) == 'f') ||
        (p[0] == '1' && p[1] == '.' && p[2] == '#'))
        return NUM_NONFINITE;
    if (num_plain(p, dec, *s == '-', out))
        return NUM_OK;
    char grp = dec == ',' ? '.' : ',';
    int ncomma = 0;
    if (dec == ',')
        for (const char *q = p; *q; q++)
            ncomma += *q == ',';
    int seen_comma = 0;
    bool digits = false, exp = false, point = false;
    for (; *p; p++) {
        char c = *p;
        if (n + 2 >= sizeof buf)
            return NUM_BAD;
        if (c >= '0' && c <= '9') {
            buf[n++] = c;
            digits = true;
        } else if (c == dec && dec == ',' && ncomma > 1) {
            /* Several commas in decimal-comma text: the last is the point. */
            if (++seen_comma == ncomma) {
                buf[n++] = '.';
                point = true;
            }
            if (multi)
                *multi = true;
        } else if (c == dec && !point && !exp) {
            buf[n++] = '.';
            point = true;
        } else if (c == grp && group && digits && !point && !exp) {
            /* A grouping separator is followed by exactly three digits:
             * "2,252.98" is grouping, "12,5" is not a number in point mode. */
            if (!(isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                  isdigit((unsigned char)p[3])) ||
                isdigit((unsigned char)p[4]))
                return NUM_BAD;
            continue;
        } else if (group && digits && !point && !exp &&
                   (c == '\'' || c == ' ' || (c == '\xC2' && p[1] == '\xA0') ||
                    (c == '\xE2' && p[1] == '\x80' && p[2] == '\xAF'))) {
            /* Other thousands separators inside quotes: an apostrophe
             * (Swiss), a space, a no-break space U+00A0 or a narrow no-break
             * space U+202F (French, Polish locales), each followed by
             * exactly three digits. */
            size_t w = c == '\xC2' ? 2 : c == '\xE2' ? 3 : 1;
            const char *d = p + w;
            if (!(isdigit((unsigned char)d[0]) && isdigit((unsigned char)d[1]) &&
                  isdigit((unsigned char)d[2])) ||
                isdigit((unsigned char)d[3])) {
                if (c == ' ') {
                    const char *q = p;
                    while (*q == ' ' || *q == '\t')
                        q++;
                    if (*q)
                        return NUM_BAD;
                    break;
                }
                return NUM_BAD;
            }
            p += w - 1;
            continue;
        } else if ((c == 'e' || c == 'E') && digits && !exp) {
            buf[n++] = 'e';
            exp = true;
            if (p[1] == '+' || p[1] == '-')
                buf[n++] = *++p;
            if (!isdigit((unsigned char)p[1]))
                return NUM_BAD;
        } else if (c == ' ' || c == '\t') {
            const char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q)
                return NUM_BAD;
            break;
        } else {
            return NUM_BAD;
        }
    }
    if (!digits)
        return NUM_BAD;
    buf[n] = '\0';
    double v;
    if (cin_fast_decimal(buf, n, &v)) {
        *out = v; /* finite by construction */
        return NUM_OK;
    }
    errno = 0;
    char *end;
    v = strtod(buf, &end);
    if (*end)
        return NUM_BAD;
    if (!isfinite(v))
        return NUM_NONFINITE;
    *out = v;
    return NUM_OK;
}

