/* words.c — see words.h. */
#include "words.h"

#include <string.h>
#include <strings.h>

bool words_order_parse(const char *s, word_order *out)
{
    static const char *names[] = {"ABCD", "CDAB", "BADC", "DCBA"};
    for (int i = 0; i < 4; i++) {
        if (s && strcasecmp(s, names[i]) == 0) {
            *out = (word_order)i;
            return true;
        }
    }
    return false;
}

const char *words_order_name(word_order o)
{
    switch (o) {
    case WO_ABCD: return "ABCD";
    case WO_CDAB: return "CDAB";
    case WO_BADC: return "BADC";
    case WO_DCBA: return "DCBA";
    }
    return "?";
}

static uint16_t swap16(uint16_t w)
{
    return (uint16_t)((w >> 8) | (w << 8));
}

uint32_t words_get_u32(const uint16_t reg[2], word_order o)
{
    uint16_t hi, lo;
    switch (o) {
    case WO_ABCD: hi = reg[0]; lo = reg[1]; break;
    case WO_CDAB: hi = reg[1]; lo = reg[0]; break;
    case WO_BADC: hi = swap16(reg[0]); lo = swap16(reg[1]); break;
    case WO_DCBA: hi = swap16(reg[1]); lo = swap16(reg[0]); break;
    default: hi = reg[0]; lo = reg[1]; break;
    }
    return ((uint32_t)hi << 16) | lo;
}

void words_set_u32(uint16_t reg[2], uint32_t v, word_order o)
{
    uint16_t hi = (uint16_t)(v >> 16), lo = (uint16_t)(v & 0xFFFF);
    switch (o) {
    case WO_ABCD: reg[0] = hi; reg[1] = lo; break;
    case WO_CDAB: reg[0] = lo; reg[1] = hi; break;
    case WO_BADC: reg[0] = swap16(hi); reg[1] = swap16(lo); break;
    case WO_DCBA: reg[0] = swap16(lo); reg[1] = swap16(hi); break;
    default: reg[0] = hi; reg[1] = lo; break;
    }
}

int32_t words_get_i32(const uint16_t reg[2], word_order o)
{
    uint32_t u = words_get_u32(reg, o);
    int32_t v;
    memcpy(&v, &u, sizeof v); /* two's complement reinterpretation, no UB */
    return v;
}

void words_set_i32(uint16_t reg[2], int32_t v, word_order o)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    words_set_u32(reg, u, o);
}

float words_get_f32(const uint16_t reg[2], word_order o)
{
    uint32_t u = words_get_u32(reg, o);
    float f;
    memcpy(&f, &u, sizeof f); /* IEEE 754 binary32 bit pattern */
    return f;
}

void words_set_f32(uint16_t reg[2], float v, word_order o)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    words_set_u32(reg, u, o);
}
