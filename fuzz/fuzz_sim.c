/* fuzz_sim.c — libFuzzer target: the simulator's Modbus request handling.
 *
 * The input is a sequence of requests, each [unit][len][len bytes of PDU];
 * every PDU goes through sim_pdu, the handler both servers (TCP and RTU)
 * call with the PDU of a received frame: function code, addresses, counts
 * and byte counts are all as the wire sent them. Between requests the
 * physics advances a few milliseconds (the high bits of the unit byte), so
 * writes that enable the drive or set a velocity have an effect. A last
 * short request exercises sim_read_regs / sim_write_regs with arbitrary
 * unit, table, address and count. A fresh simulator per input keeps runs
 * reproducible. */
#include "../rig/sim/sim.h"
#include "../rig/sim/sim_internal.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_config cfg;
    sim_config_init(&cfg);
    /* the first byte picks the specimen preset */
    const char *const *presets = sim_preset_names();
    size_t np = 0;
    while (presets[np])
        np++;
    if (size && np)
        cfg.specimen = presets[data[0] % np];
    if (size) {
        data++;
        size--;
    }
    sim *s = NULL;
    if (sim_new(&cfg, &s) != RIGOR_OK)
        return 0;
    uint8_t resp[260];
    while (size >= 2) {
        int unit = data[0] & 7;
        int steps = data[0] >> 3;
        size_t len = data[1];
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        fault_kind f;
        int n = sim_pdu(s, unit, data, (int)len, resp, &f);
        if (n > (int)sizeof resp)
            __builtin_trap(); /* a reply larger than any Modbus PDU */
        data += len;
        size -= len;
        if (steps)
            sim_advance(s, steps);
    }
    /* Direct access with wild arguments: must answer an exception, never
     * touch memory outside the image. */
    uint16_t regs[300];
    int16_t a = (int16_t)(size ? data[0] << 8 : 0x7fff);
    for (int unit = -1; unit <= 4; unit++)
        for (int table = 2; table <= 5; table++) {
            sim_read_regs(s, unit, table, a, 125, regs);
            sim_read_regs(s, unit, table, 0, 126, regs);
            sim_read_regs(s, unit, table, -1, 1, regs);
        }
    memset(regs, 0, sizeof regs);
    sim_write_regs(s, 1, a, 123, regs, false);
    sim_write_regs(s, 2, -5, 10, regs, true);
    sim_free(s);
    return 0;
}
