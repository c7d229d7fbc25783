/* console_layout.c — where the panels go for a terminal size (pure).
 *
 * 80 x 24 is the design size: a title line, the readouts panel on the left
 * (30 columns), the plot on the right, a status line and two lines of key
 * hints. A wider terminal widens the readouts a little and gives the rest to
 * the plot; a taller one gives everything to the panels.
 */
#include "console.h"

#include <stdio.h>
#include <string.h>

void clayout_compute(int w, int h, clayout *o)
{
    memset(o, 0, sizeof *o);
    o->small = w < 80 || h < 24;
    if (w < 20)
        w = 20;
    if (h < 8)
        h = 8;
    int keys_h = w >= 120 ? 1 : 2;
    o->title = (crect){0, 0, 1, w};
    o->keys = (crect){h - keys_h, 0, keys_h, w};
    o->status = (crect){h - keys_h - 1, 0, 1, w};
    int body_h = h - keys_h - 2;
    int rw = w >= 120 ? 36 : w >= 100 ? 32 : 30;
    if (rw > w / 2)
        rw = w / 2;
    o->readouts = (crect){1, 0, body_h, rw};
    o->plot = (crect){1, rw, body_h, w - rw};
}

size_t cutf8_cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void cutf8_clip(char *out, size_t len, const char *s, size_t cols)
{
    size_t k = 0, n = 0;
    if (!len)
        return;
    for (; *s && k + 1 < len; s++) {
        bool lead = ((unsigned char)*s & 0xC0) != 0x80;
        if (lead) {
            if (n == cols)
                break;
            /* a whole code point must fit */
            size_t need = 1;
            unsigned char c = (unsigned char)*s;
            if (c >= 0xF0)
                need = 4;
            else if (c >= 0xE0)
                need = 3;
            else if (c >= 0xC0)
                need = 2;
            if (k + need + 1 > len)
                break;
            n++;
        }
        out[k++] = *s;
    }
    out[k] = '\0';
}

/* Byte offset of code point number cp of s (or its end). */
static size_t cp_off(const char *s, size_t cp)
{
    size_t k = 0, n = 0;
    for (; s[k]; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80 && n++ == cp)
            return k;
    return k;
}

void cpath_elide(char *out, size_t len, const char *tok, size_t cols)
{
    if (!len)
        return;
    size_t n = cutf8_cols(tok);
    if (n <= cols) {
        snprintf(out, len, "%s", tok);
        return;
    }
    /* the last component: after the last '/' (the file name, ":line:col:") */
    const char *slash = strrchr(tok, '/');
    const char *tail = slash ? slash : tok;
    size_t ntail = cutf8_cols(tail);
    if (cols < 2) {
        cutf8_clip(out, len, tok, cols);
        return;
    }
    if (ntail + 1 >= cols) {
        /* even the file name does not fit: keep its end, after "…" */
        const char *end = tail + cp_off(tail, ntail - (cols - 1));
        snprintf(out, len, "…%s", end);
        return;
    }
    size_t nhead = cols - 1 - ntail; /* code points of the start kept */
    size_t hb = cp_off(tok, nhead);
    snprintf(out, len, "%.*s…%s", (int)hb, tok, tail);
}

void ctext_fit(char *out, size_t len, const char *s, size_t cols)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", s);
    for (int guard = 0; cutf8_cols(buf) > cols && guard < 16; guard++) {
        /* the longest word with a '/' */
        const char *best = NULL;
        size_t bestn = 0, bestb = 0;
        for (const char *p = buf; *p;) {
            while (*p == ' ')
                p++;
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            size_t b = (size_t)(e - p);
            if (b && memchr(p, '/', b)) {
                char w[4096];
                snprintf(w, sizeof w, "%.*s", (int)b, p);
                size_t nw = cutf8_cols(w);
                if (nw > bestn) {
                    best = p;
                    bestn = nw;
                    bestb = b;
                }
            }
            p = e;
        }
        size_t over = cutf8_cols(buf) - cols;
        if (!best || bestn <= over + 8)
            break; /* nothing left to shorten sensibly */
        char w[4096], e[4096], nb[4096];
        snprintf(w, sizeof w, "%.*s", (int)bestb, best);
        cpath_elide(e, sizeof e, w, bestn - over);
        if (!strcmp(e, w))
            break;
        /* the elided word is shorter than the word: the line fits in buf */
        size_t pre = (size_t)(best - buf), el = strlen(e), post = strlen(best + bestb);
        if (pre + el + post + 1 > sizeof nb)
            break;
        memcpy(nb, buf, pre);
        memcpy(nb + pre, e, el);
        memcpy(nb + pre + el, best + bestb, post + 1);
        memcpy(buf, nb, pre + el + post + 1);
    }
    cutf8_clip(out, len, buf, cols);
}
