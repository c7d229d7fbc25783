/* link.h — the Modbus link: the only place besides the simulator that
 * includes <modbus.h>.
 *
 * One link is one libmodbus context per line of the rig (a TCP gateway or an
 * RTU bus; rig_device.bus says which line a device is on), used by one
 * thread only. It selects the slave and the response timeout per request,
 * keeps each device's minimum silence between frames, flushes stale bytes
 * after connect and after every timeout or malformed reply (in Debian's
 * libmodbus 3.1.6 a stale reply otherwise shifts every later answer by one),
 * and translates errno / EMBX* codes into rigor_err plus an error kind for the
 * statistics, in exactly one place (link_translate). A lost connection
 * closes that line's context, link_is_open is then false (all lines or
 * none count as the link), and the caller reconnects with link_connect (libmodbus's
 * own recovery does not recover a TCP peer that restarted).
 */
#ifndef RIGOR_LINK_H
#define RIGOR_LINK_H

#include "rigfile.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rig_link rig_link;

typedef enum {
    LINK_OK = 0,
    LINK_TIMEOUT,   /* no (complete) answer in time */
    LINK_CRC,       /* RTU checksum error */
    LINK_EXCEPTION, /* the device answered with a transient Modbus exception (busy,
                       acknowledge, device failure, gateway): worth a retry */
    LINK_BADDATA,   /* malformed or mismatched reply */
    LINK_LOST,      /* connection lost or refused; the context is closed */
    LINK_REFUSED    /* a deterministic exception: illegal function (01), data address
                       (02) or data value (03). The same request will be refused
                       again: no retry, no reconnect, the caller FAULTs naming it */
} link_kind;

/* Build (no I/O). */
int link_new(const rig_config *cfg, rig_link **out);

/* Open (or reopen) the connection, then flush. RIGOR_ELINK on failure,
 * RIGOR_EUNSUPPORTED for a baud rate libmodbus 3.1.6 would silently replace. */
int link_connect(rig_link *l);

bool link_is_open(const rig_link *l);

void link_close(rig_link *l);

/* Read n registers (FC03 for hr, FC04 for ir) from device d into out.
 * Returns RIGOR_OK or a rigor_err; *kind (may be NULL) says which kind of error. */
int link_read(rig_link *l, const rig_device *d, reg_table t, uint16_t addr, uint16_t n,
              uint16_t *out, link_kind *kind);

/* Write n holding registers. fc = 6 (single, n must be 1), 16, or 0: FC06 for
 * one register if the device allows it, else FC16. */
int link_write(rig_link *l, const rig_device *d, uint16_t addr, uint16_t n, const uint16_t *v,
               int fc, link_kind *kind);

/* errno after a failed libmodbus call -> rigor_err and kind. */
int link_translate(int err, link_kind *kind);

/* The whole of a reply is bounded by the device's response_timeout: the
 * per-byte timeout of libmodbus is switched off (see link.c), so a peer
 * that trickles its reply byte by byte cannot stretch a request. */

/* Text of the last error (for fault reasons). */
const char *link_last_error(const rig_link *l);

void link_free(rig_link *l);

#endif
