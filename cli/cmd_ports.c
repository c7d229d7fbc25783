/* cmd_ports.c — `rigor ports`: list serial ports for RTU rigs.
 *
 *   rigor ports            table: device, USB VID:PID, description
 *   rigor ports --json     the same as JSON
 *   rigor ports PATH...    check that each PATH can be used as a serial port
 * Pseudo-terminals (e.g. rigor sim's RTU side) are never listed but are
 * accepted by path, like any device.
 */
#include "commands.h"

#include "../common/error.h"
#include "../common/json.h"
#include "../rig/ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: rigor ports [--json] [PATH...]\n"
               "List serial ports (device, USB VID:PID, description), or check that each\n"
               "PATH can be used as a serial port. Pseudo-terminals are not listed but any\n"
               "device path is accepted in a rig file.\n");
}

int cmd_ports(int argc, char **argv)
{
    bool json = false;
    int first_path = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "rigor ports: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!first_path) {
            first_path = i;
        }
    }
    if (first_path) {
        int bad = 0;
        for (int i = first_path; i < argc; i++) {
            if (argv[i][0] == '-')
                continue;
            char why[600];
            int rc = rig_port_check(argv[i], why, sizeof why);
            printf("%s %s\n", rc == RIGOR_OK ? "ok  " : "FAIL", why);
            bad += rc != RIGOR_OK;
        }
        return bad ? 2 : 0;
    }
    rig_port_info *p;
    size_t n;
    int rc = rig_ports_list(&p, &n);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor ports: cannot list serial ports: %s\n", rigor_strerror(rc));
        return 2;
    }
    if (json) {
        json_writer w;
        json_init(&w, stdout, true);
        json_begin_array(&w);
        for (size_t i = 0; i < n; i++) {
            json_begin_object(&w);
            json_kv_string(&w, "device", p[i].name);
            json_kv_string(&w, "description", p[i].description);
            json_kv_string(&w, "transport", p[i].transport);
            if (p[i].usb_vid >= 0) {
                char id[16];
                snprintf(id, sizeof id, "%04x:%04x", p[i].usb_vid & 0xffff,
                         p[i].usb_pid & 0xffff);
                json_kv_string(&w, "usb_id", id);
                json_kv_string(&w, "manufacturer", p[i].manufacturer);
                json_kv_string(&w, "product", p[i].product);
                json_kv_string(&w, "serial", p[i].serial);
            }
            json_end_object(&w);
        }
        json_end_array(&w);
        printf("\n");
    } else if (!n) {
        printf("no serial ports found (pseudo-terminals are not listed; give any device "
               "path in the rig file)\n");
    } else {
        printf("%-20s %-10s %s\n", "DEVICE", "USB ID", "DESCRIPTION");
        for (size_t i = 0; i < n; i++) {
            char id[16] = "-";
            if (p[i].usb_vid >= 0)
                snprintf(id, sizeof id, "%04x:%04x", p[i].usb_vid & 0xffff,
                         p[i].usb_pid & 0xffff);
            printf("%-20s %-10s %s\n", p[i].name, id, p[i].description);
        }
    }
    free(p);
    return 0;
}
