/* error.c — messages for rigor_err and formatting of located diagnostics. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rigor_strerror(int err)
{
    switch (err) {
    case RIGOR_OK: return "success";
    case RIGOR_ENOMEM: return "out of memory";
    case RIGOR_EINVAL: return "invalid argument";
    case RIGOR_EIO: return "input/output error";
    case RIGOR_EPARSE: return "malformed input";
    case RIGOR_EUNIT: return "unknown unit or wrong dimension";
    case RIGOR_EGEOMETRY: return "specimen geometry missing or invalid";
    case RIGOR_ENODATA: return "not enough data";
    case RIGOR_ENUMERIC: return "numerical computation failed";
    case RIGOR_ELINK: return "link to the rig lost";
    case RIGOR_ETIMEOUT: return "timed out";
    case RIGOR_EPROTO: return "protocol error (Modbus exception or bad reply)";
    case RIGOR_ELIMIT: return "limit exceeded";
    case RIGOR_EFAULT: return "rig fault";
    case RIGOR_EEXIST: return "file exists";
    case RIGOR_ESTATE: return "not allowed in the current state";
    case RIGOR_EFULL: return "queue or disk full";
    case RIGOR_EUNSUPPORTED: return "not supported";
    case RIGOR_EPERM: return "not permitted by the operating system";
    default: return "unknown error";
    }
}

void rigor_diag_set(rigor_diag *d, const char *file, long line, long col, const char *fmt, ...)
{
    if (!d)
        return;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

char *rigor_diag_format(const rigor_diag *d, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (d->line > 0 && d->col > 0)
        snprintf(buf, len, "%s:%ld:%ld: %s", d->file, d->line, d->col, d->msg);
    else if (d->line > 0)
        snprintf(buf, len, "%s:%ld: %s", d->file, d->line, d->msg);
    else if (d->file[0])
        snprintf(buf, len, "%s: %s", d->file, d->msg);
    else
        snprintf(buf, len, "%s", d->msg);
    return buf;
}
