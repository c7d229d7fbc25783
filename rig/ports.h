/* ports.h — serial ports for RTU rigs (libserialport).
 *
 * `rigor ports` lists the serial ports the system knows, with description
 * and USB VID:PID, to help pick the device of an RS-485 adapter. Listing is
 * a convenience only: any device path is accepted wherever a port is asked
 * for (pseudo-terminals, e.g. rigor sim's, are never listed). Only rig/
 * includes <libserialport.h>; its sp_return codes are translated here.
 */
#ifndef RIGOR_PORTS_H
#define RIGOR_PORTS_H

#include <stddef.h>

typedef struct {
    char name[256];         /* device path, e.g. /dev/ttyUSB0 */
    char description[256];  /* libserialport's description */
    char transport[16];     /* "native", "usb", "bluetooth" */
    int usb_vid, usb_pid;   /* -1 when not a USB port */
    char manufacturer[128]; /* USB strings, "" when unknown */
    char product[128];
    char serial[128];
} rig_port_info;

/* List the ports. *out is malloc'ed (free() it), *n its length (may be 0).
 * Returns RIGOR_OK, RIGOR_ENOMEM or RIGOR_EIO. */
int rig_ports_list(rig_port_info **out, size_t *n);

/* Check that path can serve as a serial port: it exists and is a character
 * device. RIGOR_OK, or RIGOR_EIO / RIGOR_EINVAL with a reason in why. */
int rig_port_check(const char *path, char *why, size_t len);

#endif
