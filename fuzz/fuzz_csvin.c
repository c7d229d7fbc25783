/* fuzz_csvin.c — libFuzzer target: the CSV importer on arbitrary bytes.
 *
 * csvin_read_buffer runs every format detector (Rigor run files, plain CSV,
 * Bluehill, testXpert, MTS, catman, Deben, Exponent, ETH, WaveMatrix) on the
 * input; whatever it returns, it must not crash, leak or read out of bounds.
 * The first byte picks the file name, because some detectors look at the
 * extension (.TRA, .ASC, .MTR, .tab, ...). Seeds: tests/data/import and
 * ../shared/data (copied by scripts/fuzz.sh). */
#include "../analysis/import/csvin.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"fuzz.csv", "fuzz.txt", "fuzz.TRA", "fuzz.ASC",
                                  "fuzz.MTR", "fuzz.tab", "fuzz.dat", "fuzz.rigor-run"};
    const char *name = names[size ? data[0] % 8 : 0];
    csvin_opts o;
    csvin_opts_default(&o);
    curve_list out = {0};
    rigor_diag diag;
    csvin_read_buffer(name, (const char *)data, size, &o, &out, &diag);
    for (size_t i = 0; i < out.n; i++) {
        csvin_vendor v[16];
        csvin_vendor_results(out.v[i], v, 16);
    }
    curve_list_free(&out);
    return 0;
}
