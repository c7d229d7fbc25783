/* sha256.h — SHA-256 (FIPS 180-4) of a byte buffer, as lowercase hex.
 *
 * Run files record the hash of the rig file they were taken with
 * (regmap_sha256), so that a result can be traced to the exact register map.
 * Small and self-contained so that Rigor needs no crypto library.
 */
#ifndef RIGOR_SHA256_H
#define RIGOR_SHA256_H

#include <stddef.h>

/* Hash len bytes of data; hex receives 64 hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
