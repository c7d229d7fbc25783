/* csvin.c — public entry points of the importer: files and buffers (the
 * size limit and what a path is are checked before reading), the
 * description for `rigor inspect` and the vendor results. Folders and split
 * runs are in csvin_paths.c; the layers are listed in csvin_priv.h.
 */
#include "csvin_priv.h"

#include "../../common/bigmem.h"
#include "../../common/pool.h"
#include "../../common/units.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define CSVIN_MAX_BYTES CSVIN_MAX_FILE_BYTES

void csvin_opts_default(csvin_opts *o)
{
    memset(o, 0, sizeof *o);
}

int csvin_parse_size(const char *text, csvin_opts *o, char *err, size_t errlen)
{
    const char *p = text;
    if (!isdigit((unsigned char)*p)) {
        snprintf(err, errlen, "expected a size such as 200M, 1G or 1048576 (bytes)");
        return RIGOR_EINVAL;
    }
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    long long mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1024; end++; break;
    case 'm': case 'M': mul = 1024 * 1024; end++; break;
    case 'g': case 'G': mul = 1024LL * 1024 * 1024; end++; break;
    default: break;
    }
    if (mul > 1 && *end == 'i')
        end++;
    if (*end == 'B' || (*end == 'b' && mul > 1))
        end++;
    if (*end || errno || !(v > 0)) {
        snprintf(err, errlen, "expected a size such as 200M, 1G or 1048576 (bytes)");
        return RIGOR_EINVAL;
    }
    double bytes = v * (double)mul;
    if (bytes < 1 || bytes > (double)CSVIN_MAX_FILE_BYTES) {
        snprintf(err, errlen,
                 "must be between 1 byte and 512M (the importer reads at most 512 MiB "
                 "per file)");
        return RIGOR_EINVAL;
    }
    o->max_bytes = (long long)bytes;
    return RIGOR_OK;
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

const char *cin_file_kind(unsigned mode)
{
    return S_ISFIFO(mode)  ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
                            : "not a regular file";
}

static int slurp(const char *path, int threads, long long max_bytes, char **buf, size_t *len,
                 rigor_diag *diag)
{
    *buf = NULL;
    *len = 0;
    long long limit = max_bytes > 0 && max_bytes < CSVIN_MAX_BYTES ? max_bytes : CSVIN_MAX_BYTES;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; what the
     * descriptor is decides before a byte is read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rigor_diag_set(diag, path, 0, 0, "cannot open: %s", strerror(errno));
        return RIGOR_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof st);
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        rigor_diag_set(diag, path, 0, 0, "is a directory; expected a file");
        return RIGOR_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        rigor_diag_set(diag, path, 0, 0, "%s, not a regular file; skipped without reading it",
                       cin_file_kind((unsigned)st.st_mode));
        return RIGOR_ENODATA;
    }
    if ((long long)st.st_size > limit) {
        close(fd);
        rigor_diag_set(diag, path, 0, 0,
                       "file is %lld bytes, larger than the limit of %lld bytes "
                       "(--max-file-size); not read",
                       (long long)st.st_size, limit);
        return RIGOR_EUNSUPPORTED;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        rigor_diag_set(diag, path, 0, 0, "cannot open: %s", strerror(errno));
        return RIGOR_ENOMEM;
    }
    /* The whole file in one block when its size is known (one allocation,
     * no doubling copies); a file that grows while it is read still is
     * read to its end. */
    size_t cap = 1 << 16, n = 0;
    if (st.st_size > 0 && st.st_size < CSVIN_MAX_BYTES)
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
            if (cap >= (size_t)limit) {
                /* it grew while read */
                free(b);
                fclose(f);
                rigor_diag_set(diag, path, 0, 0,
                               "file larger than the limit of %lld bytes; not a test export",
                               limit);
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
    int rc = slurp(path, opts ? opts->table_threads : 1, opts ? opts->max_bytes : 0, &buf, &len, diag);
    if (rc)
        return rc;
    /* buf is handed over: the text is cut into lines where it was read. */
    return parse_buffer(path, buf, len, buf, opts, out, NULL, NULL, diag);
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
    int rc = slurp(path, opts ? opts->table_threads : 1, opts ? opts->max_bytes : 0, &buf, &len, diag);
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
    {"Tensile strain at Maximum Load", "strain_at_max_pct", DIM_RATIO},
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

/* Results the importer derived from a vendor table (csvin_blocks.c: the
 * largest peak of a peak/valley block): used only where the file states
 * no result of that name directly. */
static const vmap derived_keys[] = {
    {CIN_PEAK_FORCE_KEY, "max_force_n", DIM_FORCE},
    {CIN_PEAK_STRESS_KEY, "max_stress_mpa", DIM_STRESS},
};

static bool vendor_value(const curve_meta *m, const vmap *k, csvin_vendor *v)
{
    double x;
    /* "412.5", "1,234.5" or a decimal comma "412,5" */
    if (cin_num(m->value, '.', true, &x, NULL) != NUM_OK &&
        cin_num(m->value, ',', false, &x, NULL) != NUM_OK)
        return false;
    unit_info ui;
    if (!units_parse(m->unit, &ui) || ui.dim != k->dim)
        return false;
    v->name = k->name;
    v->value_si = x * ui.scale;
    v->source = m->key;
    v->text = m->value;
    v->unit = m->unit;
    return true;
}

size_t csvin_vendor_results(const curve *c, csvin_vendor *v, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nmeta && n < max; i++) {
        const curve_meta *m = &c->meta[i];
        for (size_t k = 0; k < sizeof vendor_keys / sizeof vendor_keys[0]; k++) {
            if (strcasecmp(m->key, vendor_keys[k].key) != 0)
                continue;
            if (vendor_value(m, &vendor_keys[k], &v[n]))
                n++;
            break;
        }
    }
    size_t direct = n;
    for (size_t i = 0; i < c->nmeta && n < max; i++) {
        const curve_meta *m = &c->meta[i];
        for (size_t k = 0; k < sizeof derived_keys / sizeof derived_keys[0]; k++) {
            if (strcmp(m->key, derived_keys[k].key) != 0)
                continue;
            bool stated = false;
            for (size_t j = 0; j < direct; j++)
                stated |= !strcmp(v[j].name, derived_keys[k].name);
            if (!stated && vendor_value(m, &derived_keys[k], &v[n]))
                n++;
            break;
        }
    }
    return n;
}
