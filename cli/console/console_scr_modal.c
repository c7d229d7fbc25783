/* console_scr_modal.c — the modals: a fault that needs acknowledgement, and
 * "a test is running: stop it and quit?". */
#include "console_priv.h"

#include "../../common/error.h"

#include <stdio.h>
#include <string.h>

void scr_modal_draw(console *c, int w, int h)
{
    int mw = w < 64 ? w - 2 : 60, mh = 9;
    int x = (w - mw) / 2, y = (h - mh) / 2;
    if (c->fault_modal) {
        crt_box(y, x, mh, mw, CA_ALERT, "FAULT");
        crt_put(y + 2, x + 3, CA_BOLD, "The rig stopped the crosshead:");
        /* the reason over two lines if need be */
        crt_putn(y + 3, x + 3, mw - 6, CA_WARN, c->fault_reason);
        const char *rest = c->fault_reason;
        for (int n = 0; *rest && n < mw - 6; n++) {
            rest++;
            while (((unsigned char)*rest & 0xC0) == 0x80)
                rest++;
        }
        crt_putn(y + 4, x + 3, mw - 6, CA_WARN, rest);
        crt_put(y + 5, x + 3, CA_NORMAL, "Check the frame, then acknowledge.");
        if (c->fault_msg[0])
            crt_putn(y + 6, x + 3, mw - 6, CA_WARN, c->fault_msg);
        crt_put(y + 7, x + 3, CA_KEY, "Enter: acknowledge   q: quit");
    } else {
        crt_box(y, x, mh, mw, CA_ALERT, "Quit");
        crt_put(y + 3, x + 3, CA_BOLD, "A test is running.");
        crt_put(y + 4, x + 3, CA_NORMAL, "Stop it, keep its run file, and quit?");
        crt_put(y + 6, x + 3, CA_KEY, "y: stop and quit   n: go on");
    }
}

bool scr_modal_key(console *c, int k)
{
    if (c->fault_modal) {
        if (k == CK_ENTER || k == 'a') {
            int rc = run_session_ack_fault(c->s);
            if (rc == RIGOR_OK) {
                c->fault_modal = false;
                con_msg(c, false, "fault acknowledged: %s", c->fault_reason);
            } else {
                snprintf(c->fault_msg, sizeof c->fault_msg, "still present: %s",
                         rigor_strerror(rc));
            }
        } else if (k == 'q') {
            c->quit = true;
        }
        return true;
    }
    if (k == 'y') {
        c->quit = true;
    } else if (k == 'n') {
        c->quit_ask = false;
    }
    return true;
}
