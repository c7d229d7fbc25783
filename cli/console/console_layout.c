/* console_layout.c — where the panels go for a terminal size (pure).
 *
 * 80 x 24 is the design size: a title line, the readouts panel on the left
 * (30 columns), the plot on the right, a status line and two lines of key
 * hints. A wider terminal widens the readouts a little and gives the rest to
 * the plot; a taller one gives everything to the panels.
 */
#include "console.h"

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
