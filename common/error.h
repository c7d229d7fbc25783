/* error.h — Rigor's one error enum and the parser diagnostic.
 *
 * Every action in Rigor returns an int: RIGOR_OK (0) or one of the negative
 * codes below. Foreign codes (errno, libmodbus EMBX*, sp_return, GSL status)
 * are translated into these in exactly one place per library. Parsers also
 * fill a rigor_diag so the user sees "file:line:col: what was expected".
 */
#ifndef RIGOR_ERROR_H
#define RIGOR_ERROR_H

#include <stddef.h>

typedef enum {
    RIGOR_OK = 0,
    RIGOR_ENOMEM = -1,    /* allocation failed */
    RIGOR_EINVAL = -2,    /* invalid argument or option */
    RIGOR_EIO = -3,       /* file or device I/O failed (see errno) */
    RIGOR_EPARSE = -4,    /* malformed input text */
    RIGOR_EUNIT = -5,     /* unknown unit or wrong dimension */
    RIGOR_EGEOMETRY = -6, /* specimen geometry missing or not physical */
    RIGOR_ENODATA = -7,   /* not enough data for the computation */
    RIGOR_ENUMERIC = -8,  /* numerical routine failed (GSL status) */
    RIGOR_ELINK = -9,     /* Modbus link lost or unusable */
    RIGOR_ETIMEOUT = -10, /* no answer in time */
    RIGOR_EPROTO = -11,   /* Modbus exception or malformed reply */
    RIGOR_ELIMIT = -12,   /* a machine or test limit would be exceeded */
    RIGOR_EFAULT = -13,   /* the rig reports a fault (drive, e-stop, overload) */
    RIGOR_EEXIST = -14,   /* file exists and would be overwritten */
    RIGOR_ESTATE = -15,   /* operation not allowed in the current state */
    RIGOR_EFULL = -16,    /* queue or disk full */
    RIGOR_EUNSUPPORTED = -17, /* feature not available in this build or format */
    RIGOR_EPERM = -18         /* the operating system refused a privilege (real-time scheduling) */
} rigor_err;

/* Human text for a code; never NULL, also for unknown codes. */
const char *rigor_strerror(int err);

/* A located diagnostic. line/col are 1-based; 0 means "not applicable". */
typedef struct {
    char file[512]; /* input name as the user gave it */
    long line;      /* 1-based line, 0 = whole file */
    long col;       /* 1-based column (byte), 0 = whole line */
    char msg[512];  /* what was expected, as a complete sentence fragment */
} rigor_diag;

/* Fill *d (if non-NULL) with a location and a printf-style message. */
void rigor_diag_set(rigor_diag *d, const char *file, long line, long col, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Format "file:line:col: msg" (omitting zero parts) into buf. Returns buf. */
char *rigor_diag_format(const rigor_diag *d, char *buf, size_t len);

#endif
