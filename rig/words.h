/* words.h — 32-bit values in pairs of Modbus registers, in every word order.
 *
 * Modbus moves 16-bit registers, big-endian within a register. Devices put
 * 32-bit values in two registers in one of four orders (bytes A B C D of the
 * big-endian value):
 *   ABCD  high word first            (weighing transmitters, our FORCE)
 *   CDAB  low word first             (servo drives, our POSITION)
 *   BADC  high word first, bytes swapped in each word
 *   DCBA  low word first, bytes swapped in each word
 * We use our own tested code rather than libmodbus's helpers: in Debian's
 * libmodbus 3.1.6 the float setters and MODBUS_GET_INT32_FROM_INT16 disagree
 * with the getters. Test vectors: 123456.0f is {0x47F1,0x2000} ABCD,
 * {0x2000,0x47F1} CDAB, {0xF147,0x0020} BADC, {0x0020,0xF147} DCBA.
 * Pure functions, no I/O; used by the driver and the simulator alike.
 */
#ifndef RIGOR_WORDS_H
#define RIGOR_WORDS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { WO_ABCD = 0, WO_CDAB, WO_BADC, WO_DCBA } word_order;

/* Parse "ABCD"/"CDAB"/"BADC"/"DCBA" (case-insensitive). */
bool words_order_parse(const char *s, word_order *out);
const char *words_order_name(word_order o);

/* Two registers as they appear on the wire -> the 32-bit value, and back. */
uint32_t words_get_u32(const uint16_t reg[2], word_order o);
void words_set_u32(uint16_t reg[2], uint32_t v, word_order o);

int32_t words_get_i32(const uint16_t reg[2], word_order o);
void words_set_i32(uint16_t reg[2], int32_t v, word_order o);

float words_get_f32(const uint16_t reg[2], word_order o);
void words_set_f32(uint16_t reg[2], float v, word_order o);

#endif
