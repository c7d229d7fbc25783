/* fuzz_compliance.c — libFuzzer target: the frame-compliance table parser.
 *
 * A compliance table (force, deflection; optional unit header) is a file
 * from the user like any import; compliance_parse takes NUL-terminated text.
 * On success the interpolation is evaluated across and beyond the table.
 * Added after cppcheck found a read of an uninitialised field pointer on
 * separator-only lines (tests/test_fuzz_regress.c). */
#include "../analysis/compliance.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    compliance_table t;
    rigor_diag d;
    if (compliance_parse(text, "fuzz.txt", &t, &d) == RIGOR_OK) {
        volatile double x = 0;
        for (int k = -10; k <= 10; k++)
            x += compliance_deflection(&t, k * 1e5);
        (void)x;
        compliance_free(&t);
    }
    free(text);
    return 0;
}
