/* error.c — messages for rig_err and formatting of located diagnostics. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rig_strerror(int err)
{
    switch (err) {
    case RIG_OK: return "success";
    case RIG_ENOMEM: return "out of memory";
    case RIG_EINVAL: return "invalid argument";
    case RIG_EIO: return "input/output error";
    case RIG_EPARSE: return "malformed input";
    case RIG_EUNIT: return "unknown unit or wrong dimension";
    case RIG_EGEOMETRY: return "specimen geometry missing or invalid";
    case RIG_ENODATA: return "not enough data";
    case RIG_ENUMERIC: return "numerical computation failed";
    case RIG_ELINK: return "link to the rig lost";
    case RIG_ETIMEOUT: return "timed out";
    case RIG_EPROTO: return "protocol error (Modbus exception or bad reply)";
    case RIG_ELIMIT: return "limit exceeded";
    case RIG_EFAULT: return "rig fault";
    case RIG_EEXIST: return "file exists";
    case RIG_ESTATE: return "not allowed in the current state";
    case RIG_EFULL: return "queue or disk full";
    case RIG_EUNSUPPORTED: return "not supported";
    case RIG_EPERM: return "not permitted by the operating system";
    default: return "unknown error";
    }
}

void rig_diag_set(rig_diag *d, const char *file, long line, long col, const char *fmt, ...)
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

char *rig_diag_format(const rig_diag *d, char *buf, size_t len)
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
