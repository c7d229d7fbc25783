/* fuzz_proto.c — libFuzzer target: the protocol parser on arbitrary text.
 *
 * proto_parse_buffer lexes, parses, converts units and validates; on success
 * the plan printer walks the whole model too. Seeds: protocols/ *.rigor. */
#include "../protocols/protocol.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    proto_rig_limits lim;
    proto_rig_limits_unknown(&lim);
    /* Half the inputs are checked against a small frame, so the capacity and
     * travel checks run as well. */
    if (size && (data[size - 1] & 1)) {
        lim.force_capacity_N = 5000;
        lim.travel_min_m = -0.5;
        lim.travel_max_m = 0.5;
        lim.speed_max_m_s = 0.01;
    }
    protocol *p = NULL;
    rigor_diag d[8];
    size_t nd = 0;
    if (proto_parse_buffer("fuzz.rigor", (const char *)data, size, &lim, &p, d, 8, &nd) == RIGOR_OK &&
        p) {
        if (devnull)
            proto_print_plan(p, devnull);
        proto_event_ends_test(p, PEV_FRACTURE, NULL, NULL);
        proto_event_ends_test(p, PEV_STAGE, "yield", NULL);
    }
    proto_free(p);
    return 0;
}
