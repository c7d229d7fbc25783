/* textfile.h — read a whole (small) text file into memory.
 *
 * One reader for the protocol parser, `rigor check`, rig files and
 * compliance tables: the same size limit handling, read-error reporting and
 * NUL-byte refusal everywhere. Large data files (runs, exports) are not read
 * this way: the importer has its own reader (no size limit, binary and
 * encoding detection, pages given back as rows are parsed).
 */
#ifndef RIGOR_TEXTFILE_H
#define RIGOR_TEXTFILE_H

#include "error.h"

#include <stddef.h>

enum {
    TEXTFILE_ALLOW_NUL = 1 /* the caller's parser reports NUL bytes itself (line:col) */
};

/* Reads `path` into a malloc'd buffer with a terminating NUL (*len excludes
 * it); the caller frees *out. `what` names the file in messages ("the
 * compliance file", "the protocol"). Errors, each with diag set (line 0):
 *   RIGOR_EIO     cannot open / read error (strerror text);
 *   RIGOR_EPARSE  larger than max_bytes, or a NUL byte (binary, not text)
 *               unless flags has TEXTFILE_ALLOW_NUL;
 *   RIGOR_ENOMEM  allocation failed.
 * On error *out is NULL. */
int textfile_read(const char *path, const char *what, size_t max_bytes, unsigned flags,
                  char **out, size_t *len, rigor_diag *diag);

#endif
