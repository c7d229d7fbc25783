/* csvin_paths.c — folders, several paths at once and MTS runs split over
 * several files (csvin_read_path, csvin_read_paths).
 *
 * A folder scan must end and must not read what is not a file: directories
 * are identified by device and inode, so a symbolic link (or a bind mount)
 * that leads back into the tree is followed at most once; FIFOs, sockets
 * and devices are skipped with a note (opening a FIFO would wait for a
 * writer forever, a device may never end); the size limit is checked by
 * csvin_read_file before a byte is read.
 */
#include "csvin_priv.h"

#include "../../common/pool.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
bool csvin_not_data(const char *name)
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

/* Directories already scanned, by device and inode, and the notes for
 * entries skipped (FIFOs, sockets, devices). */
typedef struct {
    struct {
        dev_t dev;
        ino_t ino;
    } *v;
    size_t n, cap;
    strvec *notes;
} scan_state;

static int seen_dir(scan_state *ss, const struct stat *st, bool *seen)
{
    *seen = false;
    for (size_t i = 0; i < ss->n; i++)
        if (ss->v[i].dev == st->st_dev && ss->v[i].ino == st->st_ino) {
            *seen = true;
            return RIGOR_OK;
        }
    if (ss->n == ss->cap) {
        size_t nc = ss->cap ? ss->cap * 2 : 16;
        void *v = realloc(ss->v, nc * sizeof *ss->v);
        if (!v)
            return RIGOR_ENOMEM;
        ss->v = v;
        ss->cap = nc;
    }
    ss->v[ss->n].dev = st->st_dev;
    ss->v[ss->n].ino = st->st_ino;
    ss->n++;
    return RIGOR_OK;
}

static int expand(const char *path, strvec *files, int depth, scan_state *ss)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || depth > 64) {
        /* Inside a folder scan, what is neither a file nor a folder is
         * skipped with a note; named on the command line it reaches
         * csvin_read_file, which refuses it without reading. */
        if (depth > 0 && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            char note[1200];
            snprintf(note, sizeof note, "%s\t%s, not a regular file; skipped", path,
                     cin_file_kind((unsigned)st.st_mode));
            return sv_push(ss->notes, note);
        }
        return sv_push(files, path);
    }
    bool seen;
    int src = seen_dir(ss, &st, &seen);
    if (src)
        return src;
    if (seen) /* a link back into the tree (or the same folder named twice) */
        return RIGOR_OK;
    DIR *d = opendir(path);
    if (!d)
        return sv_push(files, path); /* the read reports the error */
    strvec names = {0};
    struct dirent *e;
    int rc = RIGOR_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || csvin_not_data(e->d_name))
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
        rc = expand(p, files, depth + 1, ss);
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
static int add_path(strvec *files, const char *path, scan_state *ss)
{
    size_t stem;
    if (mts_part(path, &stem) < 0)
        return expand(path, files, 0, ss);
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
    strvec all = {0}, files = {0}, notes = {0};
    size_t ok = 0, bad = 0;
    int last = RIGOR_OK;
    int rc = RIGOR_OK;
    scan_state ss = {.notes = &notes};
    for (size_t k = 0; k < npaths && !rc; k++)
        rc = add_path(&all, paths[k], &ss);
    free(ss.v);
    /* Entries a folder scan skipped: reported like files without data. */
    for (size_t i = 0; i < notes.n; i++) {
        rigor_diag d = {0};
        char *tab = strchr(notes.v[i], '\t');
        if (tab)
            *tab = '\0';
        rigor_diag_set(&d, notes.v[i], 0, 0, "%s", tab ? tab + 1 : "skipped");
        bad++;
        last = RIGOR_ENODATA;
        if (on_error)
            on_error(ctx, RIGOR_ENODATA, &d);
    }
    sv_free(&notes);
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

