/* runfile.c — see runfile.h.
 *
 * The caller's thread formats each row into `pend` under a mutex (no I/O);
 * the writer thread swaps the buffer out every RUNFILE_FLUSH_S and writes it
 * with write(2), so the file only ever receives whole lines, and fdatasyncs
 * about once a second so that a power cut also loses little.
 */
#include "runfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PEND_MAX (64u << 20) /* rows kept while the disk refuses them */

struct runfile {
    int fd;
    bool extension;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *pend; /* formatted rows not yet written */
    size_t len, cap;
    bool closing;
    int err; /* first write error (RIGOR_EFULL / RIGOR_EIO), sticky */
    uint64_t rows;
};

runfile_header runfile_header_empty(void)
{
    runfile_header h;
    memset(&h, 0, sizeof h);
    h.width_m = h.thickness_m = h.gauge_length_m = h.diameter_m = h.height_m = h.area_m2 = NAN;
    h.compliance_m_per_N = NAN;
    h.jog_preload_N = NAN;
    h.force_class_pct = h.extensometer_class_pct = h.geometry_resolution_m = NAN;
    return h;
}

static int err_of(int e)
{
    return (e == ENOSPC || e == EDQUOT || e == EFBIG) ? RIGOR_EFULL : RIGOR_EIO;
}

/* write(2) all of buf; returns 0 or an errno. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Append to the pending buffer (caller holds mu). */
static int pend_add(runfile *f, const char *s, size_t n)
{
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 65536;
        while (cap < f->len + n)
            cap *= 2;
        if (cap > PEND_MAX)
            return RIGOR_EFULL;
        char *p = realloc(f->pend, cap);
        if (!p)
            return RIGOR_ENOMEM;
        f->pend = p;
        f->cap = cap;
    }
    memcpy(f->pend + f->len, s, n);
    f->len += n;
    return RIGOR_OK;
}

/* Write out what is pending; called by the writer thread without mu held. */
static void flush_pending(runfile *f, char **spare, size_t *spare_cap)
{
    pthread_mutex_lock(&f->mu);
    char *buf = f->pend;
    size_t n = f->len, cap = f->cap;
    f->pend = *spare;
    f->cap = *spare_cap;
    f->len = 0;
    pthread_mutex_unlock(&f->mu);
    if (n) {
        int e = write_all(f->fd, buf, n);
        if (e) {
            pthread_mutex_lock(&f->mu);
            if (!f->err)
                f->err = err_of(e);
            pthread_mutex_unlock(&f->mu);
        }
    }
    *spare = buf;
    *spare_cap = cap;
}

static void *writer(void *arg)
{
    runfile *f = arg;
    char *spare = NULL;
    size_t spare_cap = 0;
    struct timespec last_sync;
    clock_gettime(CLOCK_MONOTONIC, &last_sync);
    for (;;) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        long ns = (long)(RUNFILE_FLUSH_S * 1e9);
        dl.tv_nsec += ns;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&f->mu);
        while (!f->closing) {
            if (pthread_cond_timedwait(&f->cv, &f->mu, &dl) == ETIMEDOUT)
                break;
        }
        bool closing = f->closing;
        pthread_mutex_unlock(&f->mu);
        flush_pending(f, &spare, &spare_cap);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - last_sync.tv_sec >= 1) {
            fdatasync(f->fd);
            last_sync = now;
        }
        if (closing)
            break;
    }
    free(spare);
    return NULL;
}

/* One header line "# key: value", newlines in value replaced. */
static void hdr_str(FILE *m, const char *key, const char *v)
{
    if (!v)
        return;
    fprintf(m, "# %s: ", key);
    for (const char *p = v; *p; p++) {
        if (*p == '\n')
            fputs(" / ", m);
        else if (*p != '\r')
            fputc(*p, m);
    }
    fputc('\n', m);
}

static void hdr_num(FILE *m, const char *key, double v, double scale)
{
    if (isfinite(v))
        fprintf(m, "# %s: %.9g\n", key, v * scale);
}

static void utc_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L));
}

int runfile_open(const char *path, const runfile_header *h, runfile **out)
{
    *out = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? RIGOR_EEXIST : RIGOR_EIO;
    runfile *f = calloc(1, sizeof *f);
    if (!f)
        goto fail_fd;
    f->fd = fd;
    f->extension = h->extension;

    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    if (!m)
        goto fail_f;
    char now[40];
    utc_now(now, sizeof now);
    fprintf(m, "# rigor-run 1\n");
    hdr_str(m, "rigor_version", h->rigor_version ? h->rigor_version : "unknown");
    hdr_str(m, "start_utc", now);
    hdr_str(m, "rig", h->rig ? h->rig : "");
    hdr_str(m, "regmap_sha256", h->regmap_sha256 ? h->regmap_sha256 : "");
    hdr_str(m, "realtime", h->realtime);
    hdr_str(m, "watchdog", h->watchdog);
    hdr_str(m, "specimen", h->specimen);
    hdr_str(m, "test", h->test);
    hdr_num(m, "width_mm", h->width_m, 1e3);
    hdr_num(m, "thickness_mm", h->thickness_m, 1e3);
    hdr_num(m, "gauge_length_mm", h->gauge_length_m, 1e3);
    hdr_num(m, "diameter_mm", h->diameter_m, 1e3);
    hdr_num(m, "height_mm", h->height_m, 1e3);
    hdr_num(m, "area_mm2", h->area_m2, 1e6);
    hdr_num(m, "compliance_mm_per_N", h->compliance_m_per_N, 1e3);
    hdr_str(m, "protocol", h->protocol);
    hdr_str(m, "note", h->note);
    hdr_num(m, "jog_preload_N", h->jog_preload_N, 1);
    hdr_num(m, "force_class", h->force_class_pct, 1);
    hdr_num(m, "extensometer_class", h->extensometer_class_pct, 1);
    hdr_num(m, "geometry_resolution_mm", h->geometry_resolution_m, 1e3);
    hdr_str(m, "units",
            h->extension ? "time_s=s position_mm=mm force_N=N extension_mm=mm"
                         : "time_s=s position_mm=mm force_N=N");
    fprintf(m, "time_s,position_mm,force_N%s,stage,invalid\n",
            h->extension ? ",extension_mm" : "");
    if (fclose(m) != 0)
        goto fail_text;
    int e = write_all(fd, text, tlen);
    free(text);
    text = NULL;
    if (e)
        goto fail_f;
    pthread_mutex_init(&f->mu, NULL);
    /* The writer's deadlines are CLOCK_MONOTONIC; a condition variable on
     * the default (realtime) clock would take each one as long past and the
     * writer would spin, a whole core in futex calls, starving the
     * acquisition thread of a loaded machine. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&f->thread, NULL, writer, f) != 0) {
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
        goto fail_f;
    }
    *out = f;
    return RIGOR_OK;

fail_text:
    free(text);
fail_f:
    free(f);
fail_fd:
    close(fd);
    unlink(path);
    return RIGOR_EIO;
}

/* One number cell, or an empty cell for a value the driver marked invalid
 * (or that is not finite anyway: a run file never holds "nan"). */
static int cell(char *p, size_t n, const char *fmt, double v, bool bad)
{
    if (bad || !isfinite(v))
        return snprintf(p, n, ",");
    return snprintf(p, n, fmt, v);
}

int runfile_append(runfile *f, const rig_sample *s, const char *stage)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%.6f,", s->t_s);
    n += cell(line + n, sizeof line - (size_t)n, "%.6f,", s->position_m * 1e3,
              s->flags & RIG_SF_BAD_POSITION);
    n += cell(line + n, sizeof line - (size_t)n, "%.9g,", s->force_N,
              s->flags & RIG_SF_BAD_FORCE);
    if (f->extension)
        n += cell(line + n, sizeof line - (size_t)n, "%.6f,", s->extension_m * 1e3,
                  s->flags & RIG_SF_BAD_EXTENSION);
    if (n < 0 || (size_t)n >= sizeof line - 40)
        return RIGOR_EINVAL;
    size_t k = (size_t)n;
    for (const char *p = stage ? stage : ""; *p && k < sizeof line - 40; p++) {
        char c = *p;
        /* a stage is one CSV field: no separators, quotes or line breaks */
        if (c == ',' || c == '"' || c == '\n' || c == '\r' || c == '#')
            c = '_';
        line[k++] = c;
    }
    /* The `invalid` column: empty for a valid sample, else which values the
     * driver found invalid ("force", "force+position", ...). */
    line[k++] = ',';
    static const struct {
        uint16_t bit;
        const char *name;
    } inv[] = {{RIG_SF_BAD_FORCE, "force"},
               {RIG_SF_BAD_POSITION, "position"},
               {RIG_SF_BAD_EXTENSION, "extension"}};
    bool first = true;
    for (size_t i = 0; i < sizeof inv / sizeof inv[0]; i++)
        if (s->flags & inv[i].bit) {
            k += (size_t)snprintf(line + k, sizeof line - k, "%s%s", first ? "" : "+",
                                  inv[i].name);
            first = false;
        }
    line[k++] = '\n';
    pthread_mutex_lock(&f->mu);
    int rc = f->err;
    if (!rc)
        rc = pend_add(f, line, k);
    if (!rc)
        f->rows++;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

int runfile_close(runfile *f, const char *end_reason, const rig_stats *st)
{
    if (!f)
        return RIGOR_EINVAL;
    pthread_mutex_lock(&f->mu);
    f->closing = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    int rc = f->err;
    /* anything appended after the writer's last swap */
    if (!rc && f->len) {
        int e = write_all(f->fd, f->pend, f->len);
        if (e)
            rc = err_of(e);
    }
    if (!rc) {
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        if (m) {
            hdr_str(m, "end_reason", end_reason ? end_reason : "unknown");
            char now[40];
            utc_now(now, sizeof now);
            hdr_str(m, "end_utc", now);
            fprintf(m, "# rows: %llu\n", (unsigned long long)f->rows);
            if (st) {
                fprintf(m, "# samples: %llu\n", (unsigned long long)st->samples);
                fprintf(m, "# rate_hz: %.3f\n", st->rate_hz);
                fprintf(m, "# achieved_rate_hz: %.3f\n", st->achieved_rate_hz);
                fprintf(m, "# jitter_p50_us: %.1f\n", st->jitter_p50_us);
                fprintf(m, "# jitter_p99_us: %.1f\n", st->jitter_p99_us);
                fprintf(m, "# jitter_max_us: %.1f\n", st->jitter_max_us);
                fprintf(m, "# transactions: %llu\n", (unsigned long long)st->transactions);
                fprintf(m, "# retries: %llu\n", (unsigned long long)st->retries);
                fprintf(m, "# errors_timeout: %llu\n", (unsigned long long)st->errors_timeout);
                fprintf(m, "# errors_crc: %llu\n", (unsigned long long)st->errors_crc);
                fprintf(m, "# errors_exception: %llu\n",
                        (unsigned long long)st->errors_exception);
                fprintf(m, "# errors_baddata: %llu\n", (unsigned long long)st->errors_baddata);
                fprintf(m, "# errors_link: %llu\n", (unsigned long long)st->errors_link);
                fprintf(m, "# reconnects: %llu\n", (unsigned long long)st->reconnects);
                fprintf(m, "# failed_cycles: %llu\n", (unsigned long long)st->failed_cycles);
                fprintf(m, "# overruns: %llu\n", (unsigned long long)st->overruns);
                fprintf(m, "# dropped: %llu\n", (unsigned long long)st->dropped);
                fprintf(m, "# extra_samples: %llu\n", (unsigned long long)st->extra_samples);
            }
            if (fclose(m) == 0) {
                int e = write_all(f->fd, text, tlen);
                if (e)
                    rc = err_of(e);
            } else {
                rc = RIGOR_ENOMEM;
            }
            free(text);
        } else {
            rc = RIGOR_ENOMEM;
        }
    }
    if (fsync(f->fd) != 0 && !rc && errno != EINVAL)
        rc = err_of(errno);
    if (close(f->fd) != 0 && !rc)
        rc = RIGOR_EIO;
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f->pend);
    free(f);
    return rc;
}
