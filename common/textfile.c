/* textfile.c — see textfile.h. */
#include "textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int textfile_read(const char *path, const char *what, size_t max_bytes, unsigned flags,
                  char **out, size_t *len, rigor_diag *diag)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rigor_diag_set(diag, path, 0, 0, "cannot open %s: %s", what, strerror(errno));
        return RIGOR_EIO;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? RIGOR_OK : RIGOR_ENOMEM;
    while (rc == RIGOR_OK) {
        if (n + 1 >= cap) {
            /* Doubling: amortised O(n) copies; the limit is checked before
             * the buffer grows past it, so a huge file costs max_bytes. */
            if (cap > max_bytes) {
                rigor_diag_set(diag, path, 0, 0, "%s larger than %zu bytes is refused", what,
                             max_bytes);
                rc = RIGOR_EPARSE;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = RIGOR_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == RIGOR_OK && ferror(f)) {
        rigor_diag_set(diag, path, 0, 0, "read error in %s: %s", what, strerror(errno));
        rc = RIGOR_EIO;
    }
    fclose(f);
    if (rc == RIGOR_OK && n > max_bytes) {
        rigor_diag_set(diag, path, 0, 0, "%s larger than %zu bytes is refused", what, max_bytes);
        rc = RIGOR_EPARSE;
    }
    if (rc == RIGOR_OK) {
        buf[n] = '\0';
        if (!(flags & TEXTFILE_ALLOW_NUL) && memchr(buf, '\0', n)) {
            rigor_diag_set(diag, path, 0, 0, "%s contains a NUL byte (a binary file?)", what);
            rc = RIGOR_EPARSE;
        }
    }
    if (rc != RIGOR_OK) {
        if (rc == RIGOR_ENOMEM)
            rigor_diag_set(diag, path, 0, 0, "out of memory reading %s", what);
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return RIGOR_OK;
}
