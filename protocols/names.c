/* names.c — printable names of protocol quantities and steps. */
#include "protocol.h"

const char *proto_quantity_name(proto_quantity q)
{
    static const char *n[] = {"force", "stress", "strain", "position", "extension", "time",
                              "test-time"};
    return (int)q >= 0 && q < PQ_COUNT ? n[q] : "?";
}

const char *proto_step_name(proto_step_kind k)
{
    static const char *n[] = {"preload", "zero", "ramp", "hold", "cycle", "unload", "return"};
    return (int)k >= 0 && k <= PSTEP_RETURN ? n[k] : "?";
}
