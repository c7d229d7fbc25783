/* csvin.c — public entry points of the importer: files, buffers, folders,
 * MTS runs split over several files, and the description for `rigor
 * inspect`. See csvin.h; the parsing itself is in csvin_text.c,
 * csvin_table.c and csvin_formats.c.
 */
#include "csvin_priv.h"

#include "../../common/bigmem.h"
#include "../../common/pool.h"
#include "../../common/units.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSVIN_MAX_BYTES (512L * 1024 * 1024)

void csvin_opts_default(csvin_opts *o)
{
    memset(o, 0, sizeof *o);
}

typedef struct {
    int fd;
    char *b;
    size_t off, n, got; /* bytes: where in the file (and buffer), how many, read */
} read_part;

static void read_part_fn(void *ctx, size_t k)
{
    read_part *r = &((read_part *)ctx)[k];
    while (r->got < r->n) {
        size_t at = r->off + r->got;
        ssize_t g = pread(r->fd, r->b + at, r->n - r->got, (off_t)at);
        if (g < 0 && errno == EINTR)
            continue;
        if (g <= 0)
            return; /* end of file or error: the part stays short */
        r->got += (size_t)g;
    }
}

/* The first size bytes of f into b by `threads` threads at once, each a
 * part of the file. Why: read() copies the page cache into fresh memory,
 * and on a VM the first touch of that memory is the cost (bigmem.h); in
 * parts, the threads' faults are served side by side. Returns the bytes
 * read: size, or 0 when a part came back short (the file shrank, or an
 * error) and the caller reads the whole file again the sequential way. */
static size_t read_parallel(FILE *f, char *b, size_t size, int threads)
{
    if (threads < 2 || size < ((size_t)8 << 20))
        return 0;
    int k = threads > POOL_MAX_THREADS ? POOL_MAX_THREADS : threads;
    read_part part[POOL_MAX_THREADS];
    size_t step = (size / (size_t)k + 4095) / 4096 * 4096, a = 0;
    int np = 0;
    for (; np < k && a < size; np++) {
        size_t n = size - a < step ? size - a : step;
        part[np] = (read_part){.fd = fileno(f), .b = b, .off = a, .n = n};
        a += n;
    }
    pool_run((size_t)np, np, read_part_fn, part);
    for (int i = 0; i < np; i++)
        if (part[i].got != part[i].n)
            return 0;
    if (fseeko(f, (off_t)size, SEEK_SET) != 0)
        return 0;
    return size;
}

static int slurp(const char *path, int threads, char **buf, size_t *len, rigor_diag *diag)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rigor_diag_set(diag, path, 0, 0, "cannot open: %s", strerror(errno));
        return RIGOR_EIO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        memset(&st, 0, sizeof st);
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        rigor_diag_set(diag, path, 0, 0, "is a directory; expected a file");
        return RIGOR_EIO;
    }
    /* The whole file in one block when its size is known (one allocation,
     * no doubling copies); a file that grows while it is read still is
     * read to its end. */
    size_t cap = 1 << 16, n = 0;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < CSVIN_MAX_BYTES)
        cap = (size_t)st.st_size + 1;
    char *b = bigmem_alloc(cap);
    if (!b) {
        fclose(f);
        return RIGOR_ENOMEM;
    }
    if (cap > 1)
        n = read_parallel(f, b, cap - 1, threads);
    if (n == 0)
        rewind(f);
    for (;;) {
        if (n == cap) {
            if (cap >= (size_t)CSVIN_MAX_BYTES) {
                free(b);
                fclose(f);
                rigor_diag_set(diag, path, 0, 0, "file larger than %ld MiB; not a test export",
                             CSVIN_MAX_BYTES >> 20);
                return RIGOR_EUNSUPPORTED;
            }
            char *nb = bigmem_realloc(b, cap * 2);
            if (!nb) {
                free(b);
                fclose(f);
                return RIGOR_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(b);
        rigor_diag_set(diag, path, 0, 0, "read error");
        return RIGOR_EIO;
    }
    if (n == cap) { /* room for the terminating NUL of cin_src_adopt */
        char *nb = bigmem_realloc(b, cap + 1);
        if (!nb) {
            free(b);
            return RIGOR_ENOMEM;
        }
        b = nb;
    }
    *buf = b;
    *len = n;
    return RIGOR_OK;
}

/* own: buf itself when the caller hands it over (see cin_src_adopt), else
 * NULL and buf is copied. */
static int parse_buffer(const char *name, const char *buf, size_t len, char *own,
                        const csvin_opts *opts, curve_list *out, cin_info *info, cin_src *keep,
                        rigor_diag *diag)
{
    cin_src s;
    int threads = opts && opts->table_threads > 1 ? opts->table_threads : 1;
    int rc =
        own ? cin_src_adopt(&s, name, own, len, threads, diag)
            : cin_src_load(&s, name, buf, len, threads, diag);
    if (rc)
        return rc;
    size_t n0 = out->n;
    rc = cin_parse(&s, opts, out, info, diag);
    if (rc) {
        for (size_t k = n0; k < out->n; k++)
            curve_free(out->v[k]);
        out->n = n0;
    }
    if (keep)
        *keep = s;
    else
        cin_src_free(&s);
    return rc;
}

int csvin_read_buffer(const char *name, const char *buf, size_t len, const csvin_opts *opts,
                      curve_list *out, rigor_diag *diag)
{
    return parse_buffer(name, buf, len, NULL, opts, out, NULL, NULL, diag);
}

int csvin_read_file(const char *path, const csvin_opts *opts, curve_list *out, rigor_diag *diag)
{
    char *buf;
    size_t len;
    int rc = slurp(path, opts ? opts->table_threads : 1, &buf, &len, diag);
    if (rc)
        return rc;
    /* buf is handed over: the text is cut into lines where it was read. */
    return parse_buffer(path, buf, len, buf, opts, out, NULL, NULL, diag);
}

/* ---- folders and split MTS runs ---- */

typedef struct {
    char **v;
    size_t n, cap;
} strvec;

static int sv_push(strvec *sv, const char *s)
{
    if (sv->n == sv->cap) {
        size_t nc = sv->cap ? sv->cap * 2 : 32;
        char **v = realloc(sv->v, nc * sizeof *v);
        if (!v)
            return RIGOR_ENOMEM;
        sv->v = v;
        sv->cap = nc;
    }
    sv->v[sv->n] = strdup(s);
    if (!sv->v[sv->n])
        return RIGOR_ENOMEM;
    sv->n++;
    return RIGOR_OK;
}

static void sv_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files in a folder that are documentation, code or pictures, never test
 * exports: skipped when a folder is expanded (a file named explicitly is
 * always read). README.md and FORMATS.md beside real exports even hold
 * example tables that would parse. */
static bool not_data(const char *name)
{
    static const char *const ext[] = {
        ".md",  ".rst", ".html",  ".htm",  ".pdf",  ".png",  ".jpg",  ".jpeg", ".gif", ".svg",
        ".py",  ".m",   ".ipynb", ".r",    ".json", ".yml",  ".yaml", ".xml",  ".tex", ".bib",
        ".zip", ".gz",  ".7z",    ".docx", ".doc",  ".pptx", ".c",    ".h",    ".sh",  ".mat"};
    if (!strncasecmp(name, "LICENSE", 7) || !strncasecmp(name, "COPYING", 7) ||
        !strncasecmp(name, "README", 6))
        return true;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (!strcasecmp(dot, ext[i]))
            return true;
    return false;
}

static int expand(const char *path, strvec *files, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || depth > 16)
        return sv_push(files, path);
    DIR *d = opendir(path);
    if (!d)
        return sv_push(files, path); /* the read reports the error */
    strvec names = {0};
    struct dirent *e;
    int rc = RIGOR_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || not_data(e->d_name))
            continue;
        rc = sv_push(&names, e->d_name);
        if (rc)
            break;
    }
    closedir(d);
    if (!rc && names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; !rc && i < names.n; i++) {
        size_t n = strlen(path) + strlen(names.v[i]) + 2;
        char *p = malloc(n);
        if (!p) {
            rc = RIGOR_ENOMEM;
            break;
        }
        snprintf(p, n, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names.v[i]);
        rc = expand(p, files, depth + 1);
        free(p);
    }
    sv_free(&names);
    return rc;
}

/* "...(Timed).txt" -> part 0, "...(Timed)7.txt" -> part 7; -1 otherwise.
 * *stem_len is the length of the common prefix up to "(Timed)". */
static int mts_part(const char *path, size_t *stem_len)
{
    const char *t = strstr(path, "(Timed)");
    if (!t)
        return -1;
    const char *p = t + 7;
    int part = 0;
    if (*p >= '0' && *p <= '9') {
        part = (int)strtol(p, (char **)&p, 10);
        if (part <= 0)
            return -1;
    }
    if (strcasecmp(p, ".txt") != 0)
        return -1;
    *stem_len = (size_t)(t - path) + 7;
    return part;
}

/* Join the curves of the parts (in part order) into the first one. */
static int join_parts(curve_list *parts, const char *const *names, size_t n, curve **out)
{
    curve *c = parts->v[0];
    for (size_t k = 1; k < n; k++) {
        curve *p = parts->v[k];
        for (int r = 0; r < CURVE_NROLES; r++)
            if ((c->ch[r] != NULL) != (p->ch[r] != NULL)) {
                curve_note(c, "WARNING: part '%s' has different columns; not joined", names[k]);
                goto next;
            }
        if (c->ch[CURVE_TIME] && p->n && c->n &&
            p->ch[CURVE_TIME][0] < c->ch[CURVE_TIME][c->n - 1])
            curve_note(c,
                       "WARNING: part '%s' starts at t = %g s, before the previous part "
                       "ended (%g s)",
                       names[k], p->ch[CURVE_TIME][0], c->ch[CURVE_TIME][c->n - 1]);
        for (size_t i = 0; i < p->n; i++) {
            double row[CURVE_NROLES];
            for (int r = 0; r < CURVE_NROLES; r++)
                row[r] = p->ch[r] ? p->ch[r][i] : NAN;
            int rc = curve_append(c, row);
            if (rc)
                return rc;
        }
        for (size_t i = 0; i < p->nnotes; i++)
            if (strncmp(p->notes[i], "MTS part:", 9) != 0)
                curve_note(c, "%s: %s", names[k], p->notes[i]);
    next:;
    }
    char list[900] = "";
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        const char *b = strrchr(names[k], '/');
        int m =
            snprintf(list + w, sizeof list - w, "%s'%s'", k ? ", " : "", b ? b + 1 : names[k]);
        if (m > 0 && (size_t)m < sizeof list - w)
            w += (size_t)m;
    }
    size_t kept = 0;
    for (size_t i = 0; i < c->nnotes; i++) {
        if (!strncmp(c->notes[i], "MTS part:", 9)) {
            free(c->notes[i]);
            continue;
        }
        c->notes[kept++] = c->notes[i];
    }
    c->nnotes = kept;
    curve_note(c, "one MTS test run split over %zu files, joined in order: %s", n, list);
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%zu", n);
    curve_meta_add(c, "joined_files", nbuf, "");
    *out = c;
    for (size_t k = 1; k < n; k++)
        curve_free(parts->v[k]);
    parts->n = 0;
    free(parts->v);
    parts->v = NULL;
    return RIGOR_OK;
}

/* Add one argument to files: a folder expanded, a file as is; an MTS part
 * brings the other parts of its run from the same folder, in name order. */
static int add_path(strvec *files, const char *path)
{
    size_t stem;
    if (mts_part(path, &stem) < 0)
        return expand(path, files, 0);
    const char *slash = strrchr(path, '/');
    char dir[1024];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    DIR *d = opendir(dir);
    if (!d)
        return sv_push(files, path);
    strvec sib = {0};
    struct dirent *e;
    int rc = RIGOR_OK;
    size_t base = slash ? (size_t)(slash - path) + 1 : 0;
    while ((e = readdir(d)) && !rc) {
        size_t st;
        if (mts_part(e->d_name, &st) >= 0 && st == stem - base &&
            !strncmp(e->d_name, path + base, st))
            rc = sv_push(&sib, e->d_name);
    }
    closedir(d);
    if (!rc && sib.n)
        qsort(sib.v, sib.n, sizeof *sib.v, cmp_str);
    for (size_t i = 0; !rc && i < sib.n; i++) {
        char full[2048];
        snprintf(full, sizeof full, "%.*s%s", (int)base, path, sib.v[i]);
        rc = sv_push(files, full);
    }
    if (!rc && !sib.n)
        rc = sv_push(files, path);
    sv_free(&sib);
    return rc;
}

/* One unit of csvin_read_paths: a file or the parts of a split MTS run,
 * read into its own list so that workers share nothing but the counter. */
typedef struct {
    size_t idx[64]; /* file indices, in part order */
    size_t np;      /* number of files (> 1: an MTS run to join) */
    curve_list got; /* the curves read */
    int rc;         /* RIGOR_OK or the error */
    rigor_diag diag;  /* the error's diagnostic */
} read_unit;

typedef struct {
    const strvec *files;
    const csvin_opts *opts;
    read_unit *u;
} read_pool;

static void read_unit_run(const read_pool *p, read_unit *w)
{
    const strvec *files = p->files;
    if (w->np == 1) {
        w->rc = csvin_read_file(files->v[w->idx[0]], p->opts, &w->got, &w->diag);
        return;
    }
    curve_list parts = {0};
    const char *names[64];
    int prc = RIGOR_OK;
    for (size_t a = 0; a < w->np && !prc; a++) {
        names[a] = files->v[w->idx[a]];
        size_t before = parts.n;
        prc = csvin_read_file(files->v[w->idx[a]], p->opts, &parts, &w->diag);
        if (!prc && parts.n != before + 1)
            prc = RIGOR_EPARSE;
    }
    curve *joined = NULL;
    if (!prc && parts.n < 2)
        prc = RIGOR_EPARSE; /* not reached: np > 1 parts were read */
    if (!prc)
        prc = join_parts(&parts, names, w->np, &joined);
    if (prc) {
        curve_list_free(&parts);
        w->rc = prc;
        return;
    }
    cin_check_curve(joined, NULL, NULL);
    if (curve_list_push(&w->got, joined)) {
        curve_free(joined);
        w->rc = RIGOR_ENOMEM;
    }
}

/* One unit of a pool_run. The importer keeps no global state (no static
 * buffers, no strtok, strtod in the C locale), so files are read
 * concurrently. */
static void read_item(void *ctx, size_t k)
{
    read_pool *p = ctx;
    read_unit_run(p, &p->u[k]);
}

int csvin_read_path(const char *path, const csvin_opts *opts, curve_list *out,
                    csvin_error_fn on_error, void *ctx, size_t *nread, size_t *nfailed)
{
    return csvin_read_paths(&path, 1, opts, out, on_error, ctx, nread, nfailed);
}

int csvin_read_paths(const char *const *paths, size_t npaths, const csvin_opts *opts,
                     curve_list *out, csvin_error_fn on_error, void *ctx, size_t *nread,
                     size_t *nfailed)
{
    strvec all = {0}, files = {0};
    size_t ok = 0, bad = 0;
    int last = RIGOR_OK;
    int rc = RIGOR_OK;
    for (size_t k = 0; k < npaths && !rc; k++)
        rc = add_path(&all, paths[k]);
    /* The same file named twice (or a run part and its folder) is read once. */
    for (size_t i = 0; i < all.n && !rc; i++) {
        bool dup = false;
        for (size_t j = 0; j < files.n && !dup; j++)
            dup = !strcmp(files.v[j], all.v[i]);
        if (!dup)
            rc = sv_push(&files, all.v[i]);
    }
    sv_free(&all);
    if (rc) {
        sv_free(&files);
        return rc;
    }
    /* Units of work: one file, or the parts of one split MTS run. */
    bool *done = calloc(files.n ? files.n : 1, sizeof *done);
    read_unit *u = calloc(files.n ? files.n : 1, sizeof *u);
    size_t nu = 0;
    if (!done || !u) {
        free(done);
        free(u);
        sv_free(&files);
        return RIGOR_ENOMEM;
    }
    for (size_t i = 0; i < files.n; i++) {
        if (done[i])
            continue;
        read_unit *w = &u[nu++];
        size_t st_i;
        int part = mts_part(files.v[i], &st_i);
        if (part >= 0) {
            /* Collect the parts with the same stem, order by part number. */
            int pn[64];
            for (size_t j = i; j < files.n && w->np < 64; j++) {
                size_t st_j;
                int pj = mts_part(files.v[j], &st_j);
                if (pj >= 0 && !done[j] && st_j == st_i &&
                    !strncmp(files.v[j], files.v[i], st_i)) {
                    w->idx[w->np] = j;
                    pn[w->np++] = pj;
                }
            }
            for (size_t a = 1; a < w->np; a++)
                for (size_t b = a; b > 0 && pn[b] < pn[b - 1]; b--) {
                    int tp = pn[b];
                    pn[b] = pn[b - 1];
                    pn[b - 1] = tp;
                    size_t ti = w->idx[b];
                    w->idx[b] = w->idx[b - 1];
                    w->idx[b - 1] = ti;
                }
            if (w->np > 1) {
                for (size_t a = 0; a < w->np; a++)
                    done[w->idx[a]] = true;
                continue;
            }
        }
        done[i] = true;
        w->idx[0] = i;
        w->np = 1;
    }
    free(done);

    int nthreads = opts && opts->jobs > 1 ? opts->jobs : 1;
    if ((size_t)nthreads > nu)
        nthreads = (int)nu;
    /* Threads the files leave over (one long run, fewer files than jobs)
     * read the data lines of each table in parallel. */
    csvin_opts uo = opts ? *opts : (csvin_opts){0};
    if (opts && nthreads > 0 && opts->jobs > nthreads)
        uo.table_threads = opts->jobs / nthreads;
    read_pool p = {.files = &files, .opts = &uo, .u = u};
    pool_run(nu, nthreads < CSVIN_MAX_JOBS ? nthreads : CSVIN_MAX_JOBS, read_item, &p);

    /* In input order from here: results and errors do not depend on the
     * threads. */
    int rc_out = RIGOR_OK;
    for (size_t k = 0; k < nu; k++) {
        read_unit *w = &u[k];
        if (w->rc) {
            bad++;
            last = w->rc;
            if (on_error)
                on_error(ctx, w->rc, &w->diag);
            continue;
        }
        ok++;
        for (size_t c = 0; c < w->got.n; c++) {
            if (rc_out || curve_list_push(out, w->got.v[c])) {
                curve_free(w->got.v[c]);
                rc_out = RIGOR_ENOMEM;
            }
        }
        free(w->got.v);
        w->got.v = NULL;
        w->got.n = 0;
    }
    free(u);
    sv_free(&files);
    if (rc_out)
        return rc_out;
    if (nread)
        *nread = ok;
    if (nfailed)
        *nfailed = bad;
    return ok || !bad ? RIGOR_OK : last;
}

/* ---- describe ---- */

static const char *delim_name(char d)
{
    switch (d) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "tab";
    case CIN_SPACES: return "blanks";
    default: return "-";
    }
}

int csvin_describe(const char *path, const csvin_opts *opts, FILE *out, rigor_diag *diag)
{
    char *buf;
    size_t len;
    int rc = slurp(path, opts ? opts->table_threads : 1, &buf, &len, diag);
    if (rc)
        return rc;
    curve_list cl = {0};
    cin_info info;
    memset(&info, 0, sizeof info);
    cin_src s;
    memset(&s, 0, sizeof s);
    rc = parse_buffer(path, buf, len, NULL, opts, &cl, &info, &s, diag);
    free(buf);
    if (rc && !(rc == RIGOR_ENODATA && info.format[0])) {
        cin_src_free(&s);
        return rc;
    }
    fprintf(out, "%s\n", path);
    fprintf(out, "  format:     %s\n", info.format[0] ? info.format : "unknown");
    if (s.text) {
        fprintf(out, "  encoding:   %s\n", s.encoding);
        fprintf(out, "  lines:      %zu (%s line ends%s)\n", s.nlines, s.eol,
                s.final_newline ? "" : ", no final line end");
    }
    if (rc == RIGOR_ENODATA) {
        fprintf(out, "  content:    %s\n", info.what[0] ? info.what : diag->msg);
        if (s.text) {
            size_t shown = 0;
            for (size_t i = 0; i < s.nlines && shown < 40; i++) {
                const char *l = s.lines[i].s;
                const char *eq = strchr(l, '=');
                if (cin_blank(&s.lines[i]))
                    continue;
                if (eq)
                    fprintf(out, "  meta:       %.*s = %s\n", (int)(eq - l), l, eq + 1);
                else
                    fprintf(out, "  line %-5ld  %s\n", (long)s.lines[i].no, l);
                shown++;
            }
        }
        cin_src_free(&s);
        return RIGOR_OK;
    }
    const cin_tinfo *ti = &info.table;
    fprintf(out, "  delimiter:  %s\n", delim_name(ti->delim));
    fprintf(out, "  decimal:    %s\n", ti->dec == ',' ? "comma" : "point");
    fprintf(out, "  specimens:  %zu\n", cl.n);
    fprintf(out, "  columns (first table):\n");
    for (int i = 0; i < ti->ncol; i++) {
        const cin_col *c = &ti->col[i];
        if (!c->full[0])
            continue;
        if (c->role >= 0) {
            unit_info ui;
            const char *si = "";
            if (c->unit[0] && units_parse(c->unit, &ui))
                si = units_si_symbol(ui.dim);
            fprintf(out, "    %-34s unit %-8s role %-6s (x%g to SI%s%s; %s)\n", c->full,
                    c->unit[0] ? c->unit : "-", csvin_role_name(c->role), c->scale,
                    si[0] ? " " : "", si, c->why);
        } else {
            if (c->why[0])
                fprintf(out, "    %-34s unit %-8s -      (%s)\n", c->full,
                        c->unit[0] ? c->unit : "-", c->why);
            else
                fprintf(out, "    %-34s unit %-8s -\n", c->full, c->unit[0] ? c->unit : "-");
        }
    }
    for (size_t k = 0; k < cl.n; k++) {
        const curve *c = cl.v[k];
        fprintf(out, "  specimen %zu: id '%s'%s, test %s, %zu rows\n", k + 1, c->specimen,
                c->specimen[0] ? "" : " (none in file)", c->test[0] ? c->test : "not stated",
                c->n);
        const curve_geom *g = &c->geom;
        if (isfinite(g->width_m) || isfinite(g->thickness_m) || isfinite(g->diameter_m) ||
            isfinite(g->area_m2) || isfinite(g->gauge_m) || isfinite(g->height_m)) {
            fprintf(out, "    geometry:");
            if (isfinite(g->width_m))
                fprintf(out, " width %g mm", g->width_m * 1e3);
            if (isfinite(g->thickness_m))
                fprintf(out, " thickness %g mm", g->thickness_m * 1e3);
            if (isfinite(g->diameter_m))
                fprintf(out, " diameter %g mm", g->diameter_m * 1e3);
            if (isfinite(g->area_m2))
                fprintf(out, " area %g mm^2", g->area_m2 * 1e6);
            if (isfinite(g->gauge_m))
                fprintf(out, " gauge %g mm", g->gauge_m * 1e3);
            if (isfinite(g->height_m))
                fprintf(out, " height %g mm", g->height_m * 1e3);
            fprintf(out, "\n");
        }
        if (c->n) {
            fprintf(out, "    first row (SI):");
            for (int r = 0; r < CURVE_NROLES; r++)
                if (c->ch[r])
                    fprintf(out, " %s=%.6g", csvin_role_name(r), c->ch[r][0]);
            fprintf(out, "\n    last row (SI): ");
            for (int r = 0; r < CURVE_NROLES; r++)
                if (c->ch[r])
                    fprintf(out, " %s=%.6g", csvin_role_name(r), c->ch[r][c->n - 1]);
            fprintf(out, "\n");
        }
        for (size_t i = 0; i < c->nmeta; i++)
            fprintf(out, "    meta: %s = %s%s%s\n", c->meta[i].key, c->meta[i].value,
                    c->meta[i].unit[0] ? " " : "", c->meta[i].unit);
        csvin_vendor v[16];
        size_t nv = csvin_vendor_results(c, v, 16);
        for (size_t i = 0; i < nv; i++)
            fprintf(out, "    vendor: %s = %g (from '%s')\n", v[i].name, v[i].value_si,
                    v[i].source);
        if (c->interrupted)
            fprintf(out, "    interrupted: yes\n");
        for (size_t i = 0; i < c->nnotes; i++)
            fprintf(out, "    note: %s\n", c->notes[i]);
    }
    curve_list_free(&cl);
    cin_src_free(&s);
    return RIGOR_OK;
}

/* ---- vendor results ---- */

typedef struct {
    const char *key; /* source key, case-insensitive, exact */
    const char *name;
    unit_dim dim;
} vmap;

static const vmap vendor_keys[] = {
    {"Modulus (Automatic Young's)", "modulus_mpa", DIM_STRESS},
    {"E-modulus", "modulus_mpa", DIM_STRESS},
    {"Young's Modulus", "modulus_mpa", DIM_STRESS},
    {"Tensile stress at Tensile strength", "tensile_strength_mpa", DIM_STRESS},
    {"Maximum Tensile stress", "tensile_strength_mpa", DIM_STRESS},
    {"Tensile strength", "tensile_strength_mpa", DIM_STRESS},
    {"Rm", "tensile_strength_mpa", DIM_STRESS},
    {"fc", "compressive_strength_mpa", DIM_STRESS},
    {"f", "strength_mpa", DIM_STRESS},
    {"Tensile strain (Strain 1) at Tensile strength", "strain_at_max_pct", DIM_RATIO},
    {"Tensile stress at Yield (Offset 0.2 %)", "yield_strength_mpa", DIM_STRESS},
    {"Rp0.2", "yield_strength_mpa", DIM_STRESS},
    {"Tensile stress at Break (Standard)", "break_stress_mpa", DIM_STRESS},
    {"% Elongation at break at Non-proportional elongation (Standard)", "strain_at_break_pct",
     DIM_RATIO},
    {"Fmax", "max_force_n", DIM_FORCE},
    {"Maximum Load", "max_force_n", DIM_FORCE},
    {"Max Load", "max_force_n", DIM_FORCE},
    {"Maximum Force", "max_force_n", DIM_FORCE},
    /* other languages (docs/import.md) */
    {"Höchstkraft", "max_force_n", DIM_FORCE},
    {"Maximalkraft", "max_force_n", DIM_FORCE},
    {"Force max", "max_force_n", DIM_FORCE},
    {"Force maximale", "max_force_n", DIM_FORCE},
    {"Carga máxima", "max_force_n", DIM_FORCE},
    {"Fuerza máxima", "max_force_n", DIM_FORCE},
    {"Carico massimo", "max_force_n", DIM_FORCE},
    {"Forza massima", "max_force_n", DIM_FORCE},
    {"Força máxima", "max_force_n", DIM_FORCE},
    {"Siła maksymalna", "max_force_n", DIM_FORCE},
    {"最大力", "max_force_n", DIM_FORCE},
    {"最大试验力", "max_force_n", DIM_FORCE},
    {"最大試験力", "max_force_n", DIM_FORCE},
    {"最大荷重", "max_force_n", DIM_FORCE},
    {"Zugfestigkeit", "tensile_strength_mpa", DIM_STRESS},
    {"Résistance à la traction", "tensile_strength_mpa", DIM_STRESS},
    {"Résistance maximale", "tensile_strength_mpa", DIM_STRESS},
    {"Resistencia a la tracción", "tensile_strength_mpa", DIM_STRESS},
    {"Resistenza a trazione", "tensile_strength_mpa", DIM_STRESS},
    {"Resistência à tração", "tensile_strength_mpa", DIM_STRESS},
    {"Wytrzymałość na rozciąganie", "tensile_strength_mpa", DIM_STRESS},
    {"抗拉强度", "tensile_strength_mpa", DIM_STRESS},
    {"引張強さ", "tensile_strength_mpa", DIM_STRESS},
    {"最大応力", "tensile_strength_mpa", DIM_STRESS},
    {"E-Modul", "modulus_mpa", DIM_STRESS},
    {"Module d'Young", "modulus_mpa", DIM_STRESS},
    {"Module d'élasticité", "modulus_mpa", DIM_STRESS},
    {"Módulo de elasticidad", "modulus_mpa", DIM_STRESS},
    {"Módulo de Young", "modulus_mpa", DIM_STRESS},
    {"Modulo elastico", "modulus_mpa", DIM_STRESS},
    {"Módulo de elasticidade", "modulus_mpa", DIM_STRESS},
    {"Moduł Younga", "modulus_mpa", DIM_STRESS},
    {"弹性模量", "modulus_mpa", DIM_STRESS},
    {"弾性率", "modulus_mpa", DIM_STRESS},
    {"Rp0,2", "yield_strength_mpa", DIM_STRESS},
    {"Dehngrenze Rp0,2", "yield_strength_mpa", DIM_STRESS},
    {"Streckgrenze", "yield_strength_mpa", DIM_STRESS},
    {"Limite d'élasticité", "yield_strength_mpa", DIM_STRESS},
    {"Límite elástico", "yield_strength_mpa", DIM_STRESS},
    {"Snervamento", "yield_strength_mpa", DIM_STRESS},
    {"Limite de escoamento", "yield_strength_mpa", DIM_STRESS},
    {"Granica plastyczności", "yield_strength_mpa", DIM_STRESS},
    {"屈服强度", "yield_strength_mpa", DIM_STRESS},
    {"耐力", "yield_strength_mpa", DIM_STRESS},
};

size_t csvin_vendor_results(const curve *c, csvin_vendor *v, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nmeta && n < max; i++) {
        const curve_meta *m = &c->meta[i];
        for (size_t k = 0; k < sizeof vendor_keys / sizeof vendor_keys[0]; k++) {
            if (strcasecmp(m->key, vendor_keys[k].key) != 0)
                continue;
            double x;
            /* "412.5", "1,234.5" or a decimal comma "412,5" */
            if (cin_num(m->value, '.', true, &x, NULL) != NUM_OK &&
                cin_num(m->value, ',', false, &x, NULL) != NUM_OK)
                break;
            unit_info ui;
            if (!units_parse(m->unit, &ui) || ui.dim != vendor_keys[k].dim)
                break;
            v[n].name = vendor_keys[k].name;
            v[n].value_si = x * ui.scale;
            v[n].source = m->key;
            v[n].text = m->value;
            v[n].unit = m->unit;
            n++;
            break;
        }
    }
    return n;
}
