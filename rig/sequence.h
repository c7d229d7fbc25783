/* sequence.h — what a real device needs beyond reading and writing points:
 * the start-up sequence run at connect, and the per-cycle checks of its
 * configuration, for the acquisition loop (rig/acq.c calls three hooks).
 *
 * At connect (seq_connect), in this order, each step confirmed:
 *   1. the [init] list: writes (each read back when marked `verify`) and
 *      waits, e.g. the drive parameters that select speed mode and software
 *      inputs;
 *   2. the transmitter's decimal point ([point force_dp]) read once; the force
 *      point is scaled by 10^-dp from then on;
 *   3. the drive watchdog written and read back: a refusal or a different
 *      value is an error before any motion (a drive that silently keeps its
 *      old watchdog, or none, would run on after a lost link);
 *   4. with [safety] enable_timeout: velocity 0, servo-on, and the drive's
 *      `enabled` status bit awaited within the timeout (a drive fault or an
 *      alarm while waiting ends the wait at once).
 * Any failure returns an error with the reason (naming the rig-file line,
 * the register and the device's exception) and nothing moves.
 *
 * Every cycle (seq_cycle): a decimal point that differs from the one read
 * at connect sets RIG_SB_CONFIG (the force would be off by a power of ten);
 * a fault_code in the rig file's alarm table sets that alarm's condition.
 * seq_annotate appends the alarm's name to a FAULT reason.
 */
#ifndef RIGOR_SEQUENCE_H
#define RIGOR_SEQUENCE_H

#include "link.h"
#include "rigfile.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    bool connected_once;
    int dp;              /* decimal point read at connect, -1 = no force_dp point */
    double force_scale0; /* the force point's scale as the rig file gives it */
} seq_state;

/* The start-up sequence above. RIGOR_OK, or an error with why filled. */
int seq_connect(rig_link *l, rig_config *c, seq_state *st, char *why, size_t n);

/* Extra RIG_SB_* bits of one cycle from the raw words of the force_dp and
 * fault_code points (0 when absent). */
uint32_t seq_cycle(const seq_state *st, const rig_config *c, uint16_t dp_word,
                   uint16_t fault_code);

/* The alarm table's name of `code` appended to reason ("drive fault" ->
 * "drive fault: alarm 0x0020 AL020 communication timeout"); the decimal
 * point's change likewise. Nothing when neither applies. */
void seq_annotate(const seq_state *st, const rig_config *c, uint16_t dp_word,
                  uint16_t fault_code, char *reason, size_t n);

/* The alarm of `code` in the table, or NULL. */
const rig_alarm *seq_alarm(const rig_config *c, uint16_t code);

#endif
