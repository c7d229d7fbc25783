/* json.c — see json.h. Numbers use %.10g: ten significant digits exceed any
 * load cell's resolution while keeping files readable. */
#include "json.h"

#include <math.h>

void json_init(json_writer *w, FILE *out, bool pretty)
{
    w->out = out;
    w->depth = 0;
    w->first[0] = true;
    w->after_key = false;
    w->pretty = pretty;
}

static void indent(json_writer *w)
{
    if (!w->pretty)
        return;
    fputc('\n', w->out);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->out);
}

/* Separator before a value or key at the current depth. */
static void sep(json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth])
            fputc(',', w->out);
        indent(w);
    }
    w->first[w->depth] = false;
}

static void open(json_writer *w, char c)
{
    sep(w);
    fputc(c, w->out);
    if (w->depth + 1 < JSON_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close(json_writer *w, char c)
{
    bool empty = w->first[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!empty)
        indent(w);
    fputc(c, w->out);
    if (w->depth == 0 && w->pretty)
        fputc('\n', w->out);
}

void json_begin_object(json_writer *w) { open(w, '{'); }
void json_end_object(json_writer *w) { close(w, '}'); }
void json_begin_array(json_writer *w) { open(w, '['); }
void json_end_array(json_writer *w) { close(w, ']'); }

static void put_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void json_key(json_writer *w, const char *key)
{
    sep(w);
    put_escaped(w->out, key);
    fputs(w->pretty ? ": " : ":", w->out);
    w->after_key = true;
}

void json_string(json_writer *w, const char *s)
{
    sep(w);
    if (s)
        put_escaped(w->out, s);
    else
        fputs("null", w->out);
}

void json_number(json_writer *w, double v)
{
    sep(w);
    if (isfinite(v))
        fprintf(w->out, "%.10g", v);
    else
        fputs("null", w->out);
}

void json_int(json_writer *w, long long v)
{
    sep(w);
    fprintf(w->out, "%lld", v);
}

void json_bool(json_writer *w, bool v)
{
    sep(w);
    fputs(v ? "true" : "false", w->out);
}

void json_null(json_writer *w)
{
    sep(w);
    fputs("null", w->out);
}

void json_kv_string(json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_string(w, s);
}

void json_kv_number(json_writer *w, const char *key, double v)
{
    json_key(w, key);
    json_number(w, v);
}

void json_kv_int(json_writer *w, const char *key, long long v)
{
    json_key(w, key);
    json_int(w, v);
}

void json_kv_bool(json_writer *w, const char *key, bool v)
{
    json_key(w, key);
    json_bool(w, v);
}
