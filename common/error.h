/* error.h — Rigor's one error enum and the parser diagnostic.
 *
 * Every action in Rigor returns an int: RIG_OK (0) or one of the negative
 * codes below. Foreign codes (errno, libmodbus EMBX*, sp_return, GSL status)
 * are translated into these in exactly one place per library. Parsers also
 * fill a rig_diag so the user sees "file:line:col: what was expected".
 */
#ifndef RIGOR_ERROR_H
#define RIGOR_ERROR_H

#include <stddef.h>

typedef enum {
    RIG_OK = 0,
    RIG_ENOMEM = -1,    /* allocation failed */
    RIG_EINVAL = -2,    /* invalid argument or option */
    RIG_EIO = -3,       /* file or device I/O failed (see errno) */
    RIG_EPARSE = -4,    /* malformed input text */
    RIG_EUNIT = -5,     /* unknown unit or wrong dimension */
    RIG_EGEOMETRY = -6, /* specimen geometry missing or not physical */
    RIG_ENODATA = -7,   /* not enough data for the computation */
    RIG_ENUMERIC = -8,  /* numerical routine failed (GSL status) */
    RIG_ELINK = -9,     /* Modbus link lost or unusable */
    RIG_ETIMEOUT = -10, /* no answer in time */
    RIG_EPROTO = -11,   /* Modbus exception or malformed reply */
    RIG_ELIMIT = -12,   /* a machine or test limit would be exceeded */
    RIG_EFAULT = -13,   /* the rig reports a fault (drive, e-stop, overload) */
    RIG_EEXIST = -14,   /* file exists and would be overwritten */
    RIG_ESTATE = -15,   /* operation not allowed in the current state */
    RIG_EFULL = -16,    /* queue or disk full */
    RIG_EUNSUPPORTED = -17, /* feature not available in this build or format */
    RIG_EPERM = -18         /* the operating system refused a privilege (real-time scheduling) */
} rig_err;

/* Human text for a code; never NULL, also for unknown codes. */
const char *rig_strerror(int err);

/* A located diagnostic. line/col are 1-based; 0 means "not applicable". */
typedef struct {
    char file[512]; /* input name as the user gave it */
    long line;      /* 1-based line, 0 = whole file */
    long col;       /* 1-based column (byte), 0 = whole line */
    char msg[512];  /* what was expected, as a complete sentence fragment */
} rig_diag;

/* Fill *d (if non-NULL) with a location and a printf-style message. */
void rig_diag_set(rig_diag *d, const char *file, long line, long col, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Format "file:line:col: msg" (omitting zero parts) into buf. Returns buf. */
char *rig_diag_format(const rig_diag *d, char *buf, size_t len);

#endif
