/* csvin_encoding.c — the legacy encoding of a text that is not UTF-8.
 *
 * Old Windows installs of Bluehill, testXpert, Trapezium and the like write
 * the system code page: Windows-1252 (western Europe), Windows-1250
 * (Polish, Czech, Hungarian), Shift-JIS (CP932, Japan) or GBK (CP936,
 * China). The bytes say which, with enough certainty to name it:
 *   - Shift-JIS when the text decodes as CP932 and holds full-width kana
 *     (U+3040..U+30FF), or holds only well-formed kanji pairs;
 *   - GBK when it decodes as GBK and nearly all high bytes (>= 90 %) form
 *     GB2312 pairs (both bytes 0xA1..0xFE) of at least two characters;
 *   - Windows-1250 when letters that exist only there sit inside words
 *     (ł ą ż between letters; ś ź Ś Ź Ą at 0x9C 0x9F 0x8C 0x8F 0xA5);
 *   - Windows-1252 when bytes 0x80..0x9F occur (C1 controls in Latin-1,
 *     punctuation such as – ’ € in 1252);
 *   - else Latin-1 (ISO-8859-1), identical to 1252 for these bytes.
 * Conversion goes through glibc iconv (part of libc: no new dependency);
 * a byte iconv cannot map is taken as Latin-1 so that nothing is lost.
 */
#include "csvin_priv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

static bool letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xC0;
}

/* Convert with iconv; bytes it cannot map become their Latin-1 letter.
 * Returns the bytes written (out has room for 3 * len + 1), or SIZE_MAX when
 * strict and a byte did not convert. */
static size_t conv(const char *code, const unsigned char *p, size_t len, char *out, size_t cap,
                   bool strict)
{
    iconv_t cd = iconv_open("UTF-8", code);
    if (cd == (iconv_t)-1) // NOLINT(performance-no-int-to-ptr): iconv_open's documented error value
        return SIZE_MAX;
    char *in = (char *)p, *o = out;
    size_t il = len, ol = cap - 1;
    while (il > 0) {
        if (iconv(cd, &in, &il, &o, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG || strict) {
            iconv_close(cd);
            return SIZE_MAX;
        }
        /* EILSEQ / EINVAL: one byte as Latin-1. */
        unsigned char c = (unsigned char)*in;
        if (ol < 2) {
            iconv_close(cd);
            return SIZE_MAX;
        }
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
        ol -= 2;
        in++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    return (size_t)(o - out);
}

/* Count full-width kana and CJK ideographs in UTF-8 text. */
static void cjk_count(const char *s, size_t n, size_t *kana, size_t *han)
{
    *kana = *han = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned char a = (unsigned char)s[i];
        if ((a & 0xF0) != 0xE0)
            continue;
        unsigned cp = ((unsigned)(a & 0x0F) << 12) | ((unsigned)(s[i + 1] & 0x3F) << 6) |
                      ((unsigned)s[i + 2] & 0x3F);
        if (cp >= 0x3040 && cp <= 0x30FF)
            (*kana)++;
        else if (cp >= 0x4E00 && cp <= 0x9FFF)
            (*han)++;
        i += 2;
    }
}

size_t cin_decode_legacy(const unsigned char *p, size_t len, char *out, size_t cap,
                         char *name, size_t nn, char *note, size_t ntn)
{
    size_t high = 0, gb_pairs = 0, sj_pairs = 0, sj_c1 = 0, c1 = 0, cz = 0, we = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c < 0x80)
            continue;
        high++;
        if (c <= 0x9F)
            c1++;
        unsigned char prev = i ? p[i - 1] : ' ', next = i + 1 < len ? p[i + 1] : ' ';
        /* 1250-only letters: ś ź Ś Ź (0x9C 0x9F 0x8C 0x8F) and Ą (0xA5) in a
         * word; ł ą ż (0xB3 0xB9 0xBF) between letters (in 1252 they are
         * ³ ¹ ¿, which never sit inside a word). */
        if ((c == 0x9C || c == 0x9F || c == 0x8C || c == 0x8F || c == 0xA5) &&
            (letter(prev) || letter(next)))
            cz++;
        if ((c == 0xB3 || c == 0xB9 || c == 0xBF) && letter(prev) && letter(next))
            cz++;
        /* 1252 punctuation with no letter in 1250 at the same byte. */
        if (c == 0x80 || c == 0x85 || c == 0x91 || c == 0x92 || c == 0x93 || c == 0x94 ||
            c == 0x96 || c == 0x97)
            we++;
        if (i + 1 < len) {
            if (c >= 0xA1 && c <= 0xFE && next >= 0xA1 && next <= 0xFE)
                gb_pairs++;
            if (((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xEF)) &&
                ((next >= 0x40 && next <= 0x7E) || (next >= 0x80 && next <= 0xFC))) {
                sj_pairs++;
                sj_c1 += c <= 0x9F; /* kana (0x82, 0x83) and most kanji lead here */
            }
        }
        if (i + 1 < len && next >= 0x80 &&
            ((c >= 0xA1 && c <= 0xFE && next >= 0xA1) || (c >= 0x81 && c <= 0x9F) ||
             (c >= 0xE0 && c <= 0xEF)))
            i++; /* the pair's trail byte is not a letter of its own */
    }
    size_t n, kana, han;
    /* Shift-JIS first: Japanese text nearly always has kana. */
    /* Japanese text leads most characters with 0x81..0x9F, bytes that a
     * Latin text never has in a word (C1 controls in Latin-1). */
    bool sj_ok = sj_pairs * 2 * 10 >= high * 9 && sj_pairs >= 2 && sj_c1 * 2 >= sj_pairs;
    if (sj_ok && (n = conv("CP932", p, len, out, cap, true)) != SIZE_MAX) {
        cjk_count(out, n, &kana, &han);
        if (kana > 0) {
            snprintf(name, nn, "Shift-JIS (detected: not valid UTF-8)");
            snprintf(note, ntn, "Shift-JIS (CP932)");
            return n;
        }
    }
    if (gb_pairs * 2 * 10 >= high * 9 && gb_pairs >= 2 &&
        (n = conv("GBK", p, len, out, cap, true)) != SIZE_MAX) {
        cjk_count(out, n, &kana, &han);
        if (han >= 2) {
            snprintf(name, nn, "GBK (detected: not valid UTF-8)");
            snprintf(note, ntn, "GBK (CP936)");
            return n;
        }
    }
    if (sj_ok && (n = conv("CP932", p, len, out, cap, true)) != SIZE_MAX) {
        cjk_count(out, n, &kana, &han);
        if (han >= 2) {
            snprintf(name, nn, "Shift-JIS (detected: not valid UTF-8)");
            snprintf(note, ntn, "Shift-JIS (CP932)");
            return n;
        }
    }
    if (cz > we && (n = conv("WINDOWS-1250", p, len, out, cap, false)) != SIZE_MAX) {
        snprintf(name, nn, "Windows-1250 (detected: not valid UTF-8)");
        snprintf(note, ntn, "Windows-1250 (Central European)");
        return n;
    }
    if (c1 && (n = conv("WINDOWS-1252", p, len, out, cap, false)) != SIZE_MAX) {
        snprintf(name, nn, "Windows-1252 (detected: not valid UTF-8)");
        snprintf(note, ntn, "Windows-1252");
        return n;
    }
    /* Latin-1: every byte is its code point. */
    n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c < 0x80) {
            out[n++] = (char)c;
        } else {
            out[n++] = (char)(0xC0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    snprintf(name, nn, "Latin-1 (assumed: not valid UTF-8)");
    snprintf(note, ntn, "Latin-1 (ISO-8859-1)");
    return n;
}
