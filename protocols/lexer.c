/* lexer.c — splits one line of a protocol file into tokens.
 *
 * The language is line-oriented (docs/protocols.md), so the lexer works on
 * one line at a time and never looks past its end: a token is a word, a
 * plain decimal number, a quoted string, a comparison operator or a comma.
 * Tokens point into the caller's buffer (no allocation), carry their 1-based
 * byte column, and the lexer reports the first problem of the line (control
 * byte, unterminated string, decimal comma, exponent) instead of guessing.
 * It must never read outside [line, line + len): fuzzed input goes through it.
 */
#include "lexer.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Bytes that end a word: blanks, comment, quote, comma and operator chars. */
static bool is_word_end(unsigned char c)
{
    return is_space(c) || c == '#' || c == '"' || c == ',' || c == '<' || c == '>' || c == '=';
}

/* Value of a plain decimal ([+-] digits [. digits]) without the C library's
 * locale: a console that called setlocale() for curses may have ',' as its
 * decimal point, and "0.5" must still be one half. Up to 18 significant
 * digits and 22 decimals the result is m / 10^k, exact operands, so
 * correctly rounded; longer numbers go through strtod with the locale's own
 * decimal point put in. */
static double parse_decimal(const char *s, size_t n)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    uint64_t m = 0;
    int digits = 0, frac = 0;
    bool in_frac = false, exact = true;
    for (; i < n; i++) {
        if (s[i] == '.') {
            in_frac = true;
            continue;
        }
        if (m == 0 && s[i] == '0' && !in_frac)
            continue; /* leading zeros */
        if (digits >= 18) {
            exact = false;
            break;
        }
        m = m * 10 + (uint64_t)(s[i] - '0');
        if (m)
            digits++;
        if (in_frac)
            frac++;
    }
    if (exact && frac <= 22 && m < ((uint64_t)1 << 53)) {
        double v = (double)m / pow10[frac];
        return neg ? -v : v;
    }
    char buf[80];
    const char *dp = localeconv()->decimal_point;
    size_t k = 0;
    for (size_t j = 0; j < n && k + 8 < sizeof buf; j++) {
        if (s[j] == '.' && dp && *dp)
            for (const char *q = dp; *q && k + 2 < sizeof buf; q++)
                buf[k++] = *q;
        else
            buf[k++] = s[j];
    }
    buf[k] = '\0';
    return strtod(buf, NULL);
}

/* UTF-8 "≤" (E2 89 A4) and "≥" (E2 89 A5) at p? Returns the op or -1. */
static int unicode_op(const unsigned char *p, size_t left)
{
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x89 && (p[2] == 0xA4 || p[2] == 0xA5))
        return p[2] == 0xA4 ? POP_LE : POP_GE;
    return -1;
}

int lex_line(const char *line, size_t len, int col0, lex_result *r)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0;
    r->ntok = 0;
    r->err_col = 0;
    r->err[0] = '\0';
#define FAIL(c, ...)                                                                           \
    do {                                                                                       \
        r->err_col = (int)(c) + col0;                                                          \
        snprintf(r->err, sizeof r->err, __VA_ARGS__);                                          \
        return -1;                                                                             \
    } while (0)
    while (i < len) {
        unsigned char c = s[i];
        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '#')
            break;
        if (c < 0x20 || c == 0x7f)
            FAIL(i, "unexpected control character (byte 0x%02x)", c);
        if (r->ntok >= LEX_MAX_TOKENS)
            FAIL(i, "line too long: more than %d words", LEX_MAX_TOKENS);
        lex_token *t = &r->tok[r->ntok];
        t->col = (int)i + col0;
        t->s = line + i;
        t->num = 0;
        t->op = POP_LT;
        if (c == '"') {
            size_t j = i + 1;
            while (j < len && s[j] != '"')
                j++;
            if (j >= len)
                FAIL(i, "unterminated string: add the closing '\"'");
            t->k = TK_STR;
            t->s = line + i + 1;
            t->n = (int)(j - i - 1);
            i = j + 1;
            r->ntok++;
            continue;
        }
        if (c == ',') {
            t->k = TK_COMMA;
            t->n = 1;
            i++;
            r->ntok++;
            continue;
        }
        int uop = unicode_op(s + i, len - i);
        if (c == '<' || c == '>' || c == '=' || uop >= 0) {
            t->k = TK_OP;
            if (uop >= 0) {
                t->op = (proto_op)uop;
                t->n = 3;
            } else if (c == '=') {
                FAIL(i, "'%s' is not a comparison: use >=, >, <= or <",
                     (i + 1 < len && s[i + 1] == '=') ? "==" : "=");
            } else if (i + 1 < len && s[i + 1] == '=') {
                t->op = c == '<' ? POP_LE : POP_GE;
                t->n = 2;
            } else if (i + 1 < len && ((c == '<' && s[i + 1] == '>') || s[i + 1] == c)) {
                FAIL(i, "'%c%c' is not a comparison: use >=, >, <= or <", c, s[i + 1]);
            } else {
                t->op = c == '<' ? POP_LT : POP_GT;
                t->n = 1;
            }
            i += (size_t)t->n;
            r->ntok++;
            continue;
        }
        /* A number: [+-] digits [. digits], or [+-] . digits. */
        size_t j = i;
        if ((s[j] == '-' || s[j] == '+') && j + 1 < len &&
            (is_digit(s[j + 1]) || (s[j + 1] == '.' && j + 2 < len && is_digit(s[j + 2]))))
            j++;
        if (j < len && (is_digit(s[j]) || (s[j] == '.' && j + 1 < len && is_digit(s[j + 1])))) {
            size_t k = j;
            while (k < len && is_digit(s[k]))
                k++;
            if (k < len && s[k] == '.') {
                k++;
                while (k < len && is_digit(s[k]))
                    k++;
            }
            if (k < len && s[k] == ',' && k + 1 < len && is_digit(s[k + 1]))
                FAIL(i, "decimal comma in '%.*s,%c...': numbers use a decimal point (0.5)",
                     (int)(k - i), line + i, s[k + 1]);
            /* "1/s" and "1/min" are units, not the number 1. */
            if (k < len && s[k] == '/')
                goto word;
            if (k < len && (s[k] == 'e' || s[k] == 'E') && k + 1 < len &&
                (is_digit(s[k + 1]) ||
                 ((s[k + 1] == '-' || s[k + 1] == '+') && k + 2 < len && is_digit(s[k + 2]))))
                FAIL(i, "exponents are not accepted: write '%.*s' as a plain decimal",
                     (int)(k - i + 3 < len - i ? k - i + 3 : len - i), line + i);
            size_t n = k - i;
            if (n >= 64)
                FAIL(i, "number too long (%zu digits)", n);
            t->k = TK_NUM;
            t->n = (int)n;
            t->num = parse_decimal(line + i, n);
            i = k;
            r->ntok++;
            /* "10mm" → number then word: the word continues right here. */
            continue;
        }
    word:
        j = i;
        while (j < len && !is_word_end(s[j]) && unicode_op(s + j, len - j) < 0) {
            if (s[j] < 0x20 || s[j] == 0x7f)
                FAIL(j, "unexpected control character (byte 0x%02x)", s[j]);
            j++;
        }
        t->k = TK_WORD;
        t->n = (int)(j - i);
        i = j;
        r->ntok++;
    }
#undef FAIL
    return 0;
}
