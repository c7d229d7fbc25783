/* fuzz_rigfile.c — libFuzzer target: the rig-file parser on arbitrary text.
 *
 * rigfile_parse takes a NUL-terminated string, so the input is copied and
 * terminated (an embedded NUL simply ends the text early, as in a file read
 * by rigfile_load). A file that validates is also turned into a read plan
 * (regmap_make_plan), which walks every device and point. Seeds: rigs/. */
#include "../rig/regmap.h"
#include "../rig/rigfile.h"

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
    static rig_config cfg; /* large; static keeps it off the fuzzer's stack */
    rigor_diag d;
    if (rigfile_parse(text, "fuzz.ini", &cfg, &d) == RIGOR_OK) {
        regmap_plan plan;
        regmap_make_plan(&cfg, &plan);
    }
    free(text);
    return 0;
}
