/* csvin_text.c — bytes to lines to fields to numbers, for the importer.
 *
 * Encoding: a UTF-8 BOM is dropped; text that is valid UTF-8 is kept; any
 * other text is taken as Latin-1 (ISO-8859-1, what Windows exports from
 * Western-European machines use) and converted to UTF-8, and the assumption
 * is reported. Text with NUL bytes is refused (a binary file, UTF-16 or a
 * spreadsheet). Lines end at LF, CRLF or a lone CR.
 *
 * Fields follow RFC 4180 quoting ("a,b" and "" inside quotes); unquoted
 * fields are trimmed of blanks. Numbers (csvin_number.c) are parsed
 * strictly: the whole field must be a number, so "12abc" is an error and
 * not 12.
 */
#include "csvin_priv.h"

#include "../../common/bigmem.h"
#include "../../common/pool.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool valid_utf8(const unsigned char *p, size_t n, bool *nonascii)
{
    *nonascii = false;
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time: the common case of a data file. */
        uint64_t w8;
        while (i + 8 <= n && (memcpy(&w8, p + i, 8), !(w8 & UINT64_C(0x8080808080808080))))
            i += 8;
        if (i >= n)
            break;
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        *nonascii = true;
        size_t k;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3;
        else
            return false;
        for (size_t j = 1; j <= k; j++)
            if (i + j >= n || (p[i + j] & 0xC0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

/* ---- the passes over a whole file ----
 *
 * A long run is hundreds of MB of text, read three times before its rows
 * are: a check of its bytes (NUL, non-ASCII, CR), a count of its lines and
 * the cut into lines. Each pass splits the text into one part per thread
 * (common/pool.h) and, on x86-64, looks at 16 bytes per step with SSE2
 * compares (byte counts in a vector, summed with a SAD); elsewhere plain
 * loops and memchr give the same results. */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    const char *p; /* bytes of this part */
    size_t n;
    bool nul, high, cr; /* out: a NUL byte, a byte >= 0x80, a CR seen */
    size_t lf;          /* out (count pass): line feeds */
} byte_part;

static void check_bytes(void *ctx, size_t k)
{
    byte_part *b = &((byte_part *)ctx)[k];
    const char *p = b->p;
    size_t i = 0, n = b->n;
    bool nul = false, high = false, cr = false;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128(), crv = _mm_set1_epi8('\r');
    __m128i acc = zero;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmpeq_epi8(v, zero),
                                             _mm_cmpeq_epi8(v, crv)));
        high |= _mm_movemask_epi8(v) != 0;
    }
    /* acc has 0xFF where some block had a NUL or a CR: tell which below */
    if (_mm_movemask_epi8(acc)) {
        nul = memchr(p, '\0', i) != NULL;
        cr = memchr(p, '\r', i) != NULL;
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        nul |= c == 0;
        cr |= c == '\r';
        high |= c >= 0x80;
    }
    b->nul = nul;
    b->high = high;
    b->cr = cr;
}

static void count_lf(void *ctx, size_t k)
{
    byte_part *b = &((byte_part *)ctx)[k];
    const char *p = b->p;
    size_t i = 0, n = b->n, lf = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128(), lfv = _mm_set1_epi8('\n');
    while (i + 16 <= n) {
        /* up to 255 blocks per byte counter (each match subtracts -1) */
        __m128i acc = zero;
        for (int r = 0; r < 255 && i + 16 <= n; r++, i += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(
                                        _mm_loadu_si128((const __m128i *)(const void *)(p + i)), lfv));
        __m128i sum = _mm_sad_epu8(acc, zero);
        lf += (size_t)_mm_cvtsi128_si32(sum) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
    }
#endif
    for (; i < n; i++)
        lf += p[i] == '\n';
    b->lf = lf;
}

/* Parts of the text for the line passes: they start at a line start (just
 * after a line feed), so no line spans two. */
typedef struct {
    char *text;        /* the whole text (lines are cut in it) */
    size_t n;          /* its length */
    cin_line *lines;   /* the line table (cut pass) */
    size_t from, to;   /* this part */
    size_t nlines;     /* lines that start in it */
    size_t first;      /* index of its first line in the table */
} line_part;

static void cut_lines(void *ctx, size_t k)
{
    line_part *w = &((line_part *)ctx)[k];
    char *t = w->text;
    size_t start = w->from, j = w->first, i = w->from, to = w->to;
#define EMIT(e)                                                                            \
    do {                                                                                   \
        t[(e)] = '\0';                                                                     \
        w->lines[j].s = t + start;                                                         \
        w->lines[j].len = (uint32_t)((e)-start);                                           \
        w->lines[j].no = (uint32_t)(j + 1);                                                \
        j++;                                                                               \
        start = (e) + 1;                                                                   \
    } while (0)
#if defined(__SSE2__)
    const __m128i lfv = _mm_set1_epi8('\n');
    for (; i + 16 <= to; i += 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(t + i)), lfv));
        while (m) {
            size_t e = i + (size_t)__builtin_ctz(m);
            m &= m - 1;
            EMIT(e);
        }
    }
#endif
    for (; i < to; i++)
        if (t[i] == '\n')
            EMIT(i);
    if (start < to || (to == w->n && start == to && w->n == 0))
        EMIT(to); /* the last line without a line end (t[n] is the NUL already) */
#undef EMIT
}

/* The LF-only text s->text[0, n) cut into lines in `threads` parts: the
 * lines of the sequential rule (a line per line feed, and the text after
 * the last one unless it is empty, and one empty line for an empty text).
 * Returns RIGOR_OK or RIGOR_ENOMEM. */
static int cut_lf(cin_src *s, size_t n, int threads)
{
    int k = threads < 1 ? 1 : threads > POOL_MAX_THREADS ? POOL_MAX_THREADS : threads;
    if (n < ((size_t)1 << 20))
        k = 1; /* small files: not worth a thread */
    line_part part[POOL_MAX_THREADS];
    byte_part cnt[POOL_MAX_THREADS];
    size_t a = 0;
    for (int i = 0; i < k; i++) {
        size_t b = n;
        if (i + 1 < k) { /* just after the first line feed from the i+1-th k-th on */
            size_t from = n / (size_t)k * (size_t)(i + 1);
            if (from < a)
                from = a;
            const char *nl = memchr(s->text + from, '\n', n - from);
            b = nl ? (size_t)(nl - s->text) + 1 : n;
        }
        part[i] = (line_part){.text = s->text, .n = n, .from = a, .to = b};
        cnt[i] = (byte_part){.p = s->text + a, .n = b - a};
        a = b;
    }
    pool_run((size_t)k, k, count_lf, cnt);
    size_t total = 0;
    for (int i = 0; i < k; i++) {
        line_part *w = &part[i];
        /* lines starting in the part: one at its start, one after each line
         * feed except one that ends the part (the next part, or the end) */
        w->nlines = w->to > w->from ? 1 + cnt[i].lf - (s->text[w->to - 1] == '\n') : 0;
        w->first = total;
        total += w->nlines;
    }
    if (n == 0)
        part[0].nlines = total = 1;
    s->lines = bigmem_alloc(total * sizeof *s->lines);
    if (!s->lines)
        return RIGOR_ENOMEM;
    for (int i = 0; i < k; i++)
        part[i].lines = s->lines;
    pool_run((size_t)k, k, cut_lines, part);
    s->nlines = total;
    return RIGOR_OK;
}

/* Load from buf. When own is not NULL it is buf itself, malloc'd with room
 * for len + 1 bytes, and ownership passes to s (also on error): text that is
 * already UTF-8 is then cut into lines in place instead of copied, which
 * saves one copy of the file (a whole file size of peak memory). */
static int src_load(cin_src *s, const char *name, const char *buf, size_t len, char *own,
                    int threads, rigor_diag *diag)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    const unsigned char *p = (const unsigned char *)buf;
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        rigor_diag_set(diag, name, 1, 1,
                     "UTF-16 text is not supported; expected UTF-8, ASCII or Latin-1 text "
                     "(re-export or convert the file)");
        free(own);
        return RIGOR_EUNSUPPORTED;
    }
    /* One pass over the bytes (in parts): NUL, non-ASCII, CR. */
    int k = threads < 1 || len < ((size_t)1 << 20) ? 1
            : threads > POOL_MAX_THREADS          ? POOL_MAX_THREADS
                                                  : threads;
    byte_part bp[POOL_MAX_THREADS];
    for (int i = 0; i < k; i++) {
        size_t a = len / (size_t)k * (size_t)i, b = i + 1 < k ? len / (size_t)k * (size_t)(i + 1) : len;
        bp[i] = (byte_part){.p = buf + a, .n = b - a};
    }
    pool_run((size_t)k, k, check_bytes, bp);
    bool any_nul = false, any_high = false, any_cr = false;
    for (int i = 0; i < k; i++) {
        any_nul |= bp[i].nul;
        any_high |= bp[i].high;
        any_cr |= bp[i].cr;
    }
    if (any_nul) {
        const char *z = memchr(buf, '\0', len);
        long line = 1;
        for (const char *q = buf; q < z; q++)
            line += *q == '\n';
        rigor_diag_set(diag, name, line, 0,
                     "binary data (NUL byte); expected a text export (CSV/TXT), not a "
                     "spreadsheet or binary file");
        free(own);
        return RIGOR_EPARSE;
    }
    bool bom = len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF;
    if (bom) {
        p += 3;
        len -= 3;
    }
    bool nonascii = false;
    bool utf8 = !any_high || valid_utf8(p, len, &nonascii); /* ASCII is UTF-8 */
    size_t n = 0;
    size_t cap = utf8 ? len + 1 : 3 * len + 1;
    if (utf8 && own) {
        s->alloc = own;
        s->text = own + (bom ? 3 : 0);
        n = len;
    } else {
        s->text = s->alloc = bigmem_alloc(cap ? cap : 1);
        if (!s->text) {
            free(own);
            return RIGOR_ENOMEM;
        }
    }
    if (utf8) {
        if (!own)
            memcpy(s->text, p, len);
        n = len;
        snprintf(s->encoding, sizeof s->encoding, "%s",
                 bom        ? "UTF-8 with BOM"
                 : nonascii ? "UTF-8"
                            : "ASCII");
    } else {
        n = cin_decode_legacy(p, len, s->text, cap, s->encoding, sizeof s->encoding, s->legacy,
                              sizeof s->legacy);
        s->latin1 = true;
        free(own); /* converted into s->alloc */
    }
    s->text[n] = '\0';
    s->final_newline = n > 0 && (s->text[n - 1] == '\n' || s->text[n - 1] == '\r');

    if (!any_cr) { /* legacy conversion adds no CR: the text has none either */
        /* LF only (or no line end at all), the common case. */
        cin_copy(s->eol, sizeof s->eol, "LF");
        if (cut_lf(s, n, threads) != RIGOR_OK) {
            cin_src_free(s);
            return RIGOR_ENOMEM;
        }
        return RIGOR_OK;
    }

    /* Count lines, then cut them in place. */
    size_t nl = 1, ncr = 0, nlf = 0, ncrlf = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->text[i] == '\n') {
            nl++;
            nlf++;
            if (i > 0 && s->text[i - 1] == '\r')
                ncrlf++;
        } else if (s->text[i] == '\r') {
            ncr++;
        }
    }
    bool cr_only = nlf == 0 && ncr > 0;
    if (cr_only)
        nl = ncr + 1;
    cin_copy(s->eol, sizeof s->eol,
             cr_only                       ? "CR"
             : (ncrlf && ncrlf * 2 >= nlf) ? "CRLF"
                                           : "LF");
    s->lines = calloc(nl, sizeof *s->lines);
    if (!s->lines) {
        cin_src_free(s);
        return RIGOR_ENOMEM;
    }
    char sep = cr_only ? '\r' : '\n';
    size_t start = 0;
    uint32_t no = 1;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s->text[i] == sep) {
            if (i == n && start == n && n > 0 && s->final_newline)
                break; /* nothing after the last line end */
            size_t end = i;
            if (end > start && s->text[end - 1] == '\r')
                end--;
            s->text[end] = '\0';
            if (i < n)
                s->text[i] = '\0';
            s->lines[s->nlines].s = s->text + start;
            s->lines[s->nlines].len = (uint32_t)(end - start);
            s->lines[s->nlines].no = no++;
            s->nlines++;
            start = i + 1;
        }
    }
    /* Stray CRs inside a line (mixed line ends) are treated as blanks. */
    for (size_t i = 0; i < s->nlines; i++)
        for (size_t j = 0; j < s->lines[i].len; j++)
            if (s->lines[i].s[j] == '\r')
                ((char *)s->lines[i].s)[j] = ' ';
    return RIGOR_OK;
}

int cin_src_load(cin_src *s, const char *name, const char *buf, size_t len, int threads,
                 rigor_diag *diag)
{
    return src_load(s, name, buf, len, NULL, threads, diag);
}

int cin_src_adopt(cin_src *s, const char *name, char *buf, size_t len, int threads,
                  rigor_diag *diag)
{
    int rc = src_load(s, name, buf, len, buf, threads, diag);
    if (rc == RIGOR_OK)
        s->releasable = true;
    return rc;
}

void cin_src_free(cin_src *s)
{
    free(s->alloc);
    free(s->lines);
    s->alloc = NULL;
    s->text = NULL;
    s->lines = NULL;
    s->nlines = 0;
}

void cin_copy(char *d, size_t n, const char *s)
{
    if (!n)
        return;
    size_t k = s ? strlen(s) : 0;
    if (k >= n)
        k = n - 1;
    if (k)
        memmove(d, s, k);
    d[k] = '\0';
}

bool cin_blank(const cin_line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->s[i] != ' ' && l->s[i] != '\t')
            return false;
    return true;
}

static int row_push(cin_row *row, char *s, bool quoted, long col)
{
    if (row->n == row->cap) {
        size_t nc = row->cap ? row->cap * 2 : 16;
        cin_field *f = realloc(row->f, nc * sizeof *f);
        if (!f)
            return RIGOR_ENOMEM;
        row->f = f;
        row->cap = nc;
    }
    row->f[row->n].s = s;
    row->f[row->n].quoted = quoted;
    row->f[row->n].col = col;
    row->n++;
    return RIGOR_OK;
}

/* row->buf holds at least 2 * len + 2 bytes after the check below; the
 * analyzer loses that (bufcap vs buf) and reports NULL or size-0 writes. */
// NOLINTBEGIN(clang-analyzer-core.NullDereference,clang-analyzer-unix.Malloc)
int cin_split(const cin_line *l, char delim, cin_row *row)
{
    row->n = 0;
    size_t need = 2 * l->len + 2;
    if (row->bufcap < need) {
        char *b = realloc(row->buf, need);
        if (!b)
            return RIGOR_ENOMEM;
        row->buf = b;
        row->bufcap = need;
    }
    char *o = row->buf;
    const char *p = l->s, *e = l->s + l->len;
    if (delim == CIN_SPACES)
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
    for (;;) {
        const char *fs = p;
        while (p < e && (*p == ' ' || (*p == '\t' && delim != '\t')) && delim != CIN_SPACES)
            p++;
        char *start = o;
        bool quoted = false;
        if (p < e && *p == '"') {
            quoted = true;
            p++;
            while (p < e) {
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        *o++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *o++ = *p++;
            }
            /* Text after the closing quote up to the delimiter is kept. */
            while (p < e && !(delim == CIN_SPACES ? (*p == ' ' || *p == '\t') : *p == delim))
                *o++ = *p++;
        } else {
            p = fs;
            while (p < e && !(delim == CIN_SPACES ? (*p == ' ' || *p == '\t') : *p == delim))
                *o++ = *p++;
            while (o > start && (o[-1] == ' ' || (o[-1] == '\t' && delim != '\t')))
                o--;
            char *q = start;
            while (q < o && (*q == ' ' || (*q == '\t' && delim != '\t')))
                q++;
            if (q > start) {
                memmove(start, q, (size_t)(o - q));
                o -= q - start;
            }
        }
        *o++ = '\0';
        int rc = row_push(row, start, quoted, (long)(fs - l->s) + 1);
        if (rc)
            return rc;
        if (p >= e)
            break;
        if (delim == CIN_SPACES) {
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            if (p >= e)
                break;
        } else {
            p++; /* the delimiter */
        }
    }
    return RIGOR_OK;
}
// NOLINTEND(clang-analyzer-core.NullDereference,clang-analyzer-unix.Malloc)

void cin_row_free(cin_row *row)
{
    free(row->f);
    free(row->buf);
    memset(row, 0, sizeof *row);
}

size_t cin_row_used(const cin_row *row)
{
    size_t n = row->n;
    while (n > 0 && row->f[n - 1].s[0] == '\0' && !row->f[n - 1].quoted)
        n--;
    return n;
}

char cin_guess_delim(const cin_src *s, size_t from, size_t to)
{
    /* In priority order: a tab or semicolon file can also split consistently
     * on its decimal commas, so the first candidate that explains nearly as
     * many lines as the best one wins. */
    static const char cand[] = {'\t', ';', ',', CIN_SPACES};
    size_t score[sizeof cand] = {0};
    cin_row row = {0};
    if (to > s->nlines)
        to = s->nlines;
    size_t best = 0;
    for (size_t k = 0; k < sizeof cand; k++) {
        size_t counts[16] = {0}, vals[16] = {0}, nv = 0;
        for (size_t i = from; i < to; i++) {
            if (cin_blank(&s->lines[i]))
                continue;
            if (cin_split(&s->lines[i], cand[k], &row))
                break;
            size_t u = cin_row_used(&row);
            if (u < 2)
                continue;
            size_t j;
            for (j = 0; j < nv; j++)
                if (vals[j] == u)
                    break;
            if (j == nv && nv < 16)
                vals[nv++] = u;
            if (j < 16)
                counts[j]++;
        }
        for (size_t j = 0; j < nv; j++)
            if (counts[j] > score[k])
                score[k] = counts[j];
        if (score[k] > best)
            best = score[k];
    }
    cin_row_free(&row);
    if (!best)
        return 0;
    for (size_t k = 0; k < sizeof cand; k++)
        if (score[k] * 10 >= best * 9)
            return cand[k];
    return 0;
}
