/* ports.c — see ports.h. */
#include "ports.h"

#include "../common/error.h"

#include <libserialport.h> /* sp_list_ports, sp_get_port_*, sp_return */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* sp_return -> rigor_err: the one place. */
static int sp_err(enum sp_return r)
{
    switch (r) {
    case SP_OK: return RIGOR_OK;
    case SP_ERR_ARG: return RIGOR_EINVAL;
    case SP_ERR_MEM: return RIGOR_ENOMEM;
    case SP_ERR_SUPP: return RIGOR_EUNSUPPORTED;
    case SP_ERR_FAIL:
    default: return RIGOR_EIO;
    }
}

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

int rig_ports_list(rig_port_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct sp_port **list = NULL;
    enum sp_return r = sp_list_ports(&list);
    if (r != SP_OK)
        return sp_err(r);
    size_t count = 0;
    while (list[count])
        count++;
    rig_port_info *info = calloc(count ? count : 1, sizeof *info);
    if (!info) {
        sp_free_port_list(list);
        return RIGOR_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        struct sp_port *p = list[i];
        rig_port_info *o = &info[i];
        copy(o->name, sizeof o->name, sp_get_port_name(p));
        copy(o->description, sizeof o->description, sp_get_port_description(p));
        enum sp_transport t = sp_get_port_transport(p);
        copy(o->transport, sizeof o->transport,
             t == SP_TRANSPORT_USB         ? "usb"
             : t == SP_TRANSPORT_BLUETOOTH ? "bluetooth"
                                           : "native");
        o->usb_vid = o->usb_pid = -1;
        if (t == SP_TRANSPORT_USB) {
            int vid, pid;
            if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
                o->usb_vid = vid;
                o->usb_pid = pid;
            }
            copy(o->manufacturer, sizeof o->manufacturer, sp_get_port_usb_manufacturer(p));
            copy(o->product, sizeof o->product, sp_get_port_usb_product(p));
            copy(o->serial, sizeof o->serial, sp_get_port_usb_serial(p));
        }
    }
    sp_free_port_list(list);
    *out = info;
    *n = count;
    return RIGOR_OK;
}

int rig_port_check(const char *path, char *why, size_t len)
{
    struct stat st;
    if (!path || !*path) {
        snprintf(why, len, "empty device path");
        return RIGOR_EINVAL;
    }
    if (stat(path, &st) != 0) {
        snprintf(why, len, "%s: %s", path, strerror(errno));
        return RIGOR_EIO;
    }
    if (!S_ISCHR(st.st_mode)) {
        snprintf(why, len, "%s: not a character device", path);
        return RIGOR_EINVAL;
    }
    snprintf(why, len, "%s: character device", path);
    return RIGOR_OK;
}
