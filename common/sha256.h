/* sha256.h — SHA-256 (FIPS 180-4) of a buffer or a file.
 *
 * Reports name each input file with its SHA-256 so a result can be traced
 * to the exact bytes it came from. Small and dependency-free: Rigor has no
 * crypto library and needs none for a checksum.
 */
#ifndef RIGOR_SHA256_H
#define RIGOR_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];   /* chaining state */
    uint64_t nbytes; /* message length so far */
    uint8_t buf[64]; /* partial block */
    size_t nbuf;     /* bytes in buf */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t digest[32]);

/* Digest of len bytes as 64 lowercase hex digits plus NUL in hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);

/* Digest of a file's bytes into hex[65]. RIGOR_OK or RIGOR_EIO (errno set). */
int sha256_file(const char *path, char hex[65]);

#endif
