/* test_words.c — 32-bit word orders against the brief's test vectors. */
#include "../rig/words.h"
#include "harness.h"

#include <stdint.h>

static const struct {
    word_order o;
    uint16_t r[2];
} vec[] = {
    {WO_ABCD, {0x47F1, 0x2000}},
    {WO_CDAB, {0x2000, 0x47F1}},
    {WO_BADC, {0xF147, 0x0020}},
    {WO_DCBA, {0x0020, 0xF147}},
};

static void test_f32_vectors(void)
{
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        float f = words_get_f32(vec[i].r, vec[i].o);
        CHECK(f == 123456.0f, "%s decodes to %g", words_order_name(vec[i].o), (double)f);
        uint16_t r[2];
        words_set_f32(r, 123456.0f, vec[i].o);
        CHECK(r[0] == vec[i].r[0] && r[1] == vec[i].r[1], "%s encodes to {0x%04X,0x%04X}",
              words_order_name(vec[i].o), r[0], r[1]);
    }
}

static void test_i32_roundtrip(void)
{
    const int32_t vals[] = {0, 1, -1, 123456789, -123456789, INT32_MAX, INT32_MIN};
    for (int o = 0; o < 4; o++)
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            uint16_t r[2];
            words_set_i32(r, vals[i], (word_order)o);
            CHECK(words_get_i32(r, (word_order)o) == vals[i], "order %d value %d", o,
                  (int)vals[i]);
        }
    /* -2 in CDAB: low word 0xFFFE first, then high word 0xFFFF */
    uint16_t r[2] = {0xFFFE, 0xFFFF};
    CHECK(words_get_i32(r, WO_CDAB) == -2, "CDAB -2");
}

static void test_order_parse(void)
{
    word_order o;
    CHECK(words_order_parse("cdab", &o) && o == WO_CDAB, "cdab");
    CHECK(!words_order_parse("ABDC", &o), "ABDC is not an order");
    CHECK(!words_order_parse(NULL, &o), "NULL");
}

int main(void)
{
    TEST_RUN(test_f32_vectors);
    TEST_RUN(test_i32_roundtrip);
    TEST_RUN(test_order_parse);
    TEST_END("test_words");
}
