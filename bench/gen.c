/* gen.c — generate a synthetic run file for the analysis benchmarks.
 *
 *   build/bench/gen tensile|compression ROWS OUT.csv [SEED]
 *
 * A rigor-run file (docs: examples/film-tensile.csv) of ROWS samples:
 * tensile, a 10 mm x 40 um x 20 mm film, E = 2 GPa, yield near 20 MPa,
 * hardening to 30 MPa at 8 % strain, then a sudden fracture in the last
 * 0.5 % of the rows; compression, a 10 mm x 5 mm cylinder loaded
 * elastically (E = 200 MPa), a plateau and densification to 40 % strain.
 * Load-cell noise is Gaussian (Box-Muller on a fixed-seed xorshift), so every
 * run of the generator writes the same bytes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static double uni(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    return sqrt(-2 * log(uni())) * cos(2 * M_PI * uni());
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen tensile|compression ROWS OUT.csv [SEED]\n");
        return 2;
    }
    int comp = !strcmp(argv[1], "compression");
    long rows = atol(argv[2]);
    if (argc > 4)
        rng += strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ull;
    FILE *f = fopen(argv[3], "w");
    if (!f || rows < 100) {
        fprintf(stderr, "gen: cannot write %s (or ROWS < 100)\n", argv[3]);
        return 1;
    }
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    fprintf(f,
            "# rigor-run 1\n# rigor_version: bench\n# start_utc: 2026-11-25T00:00:00Z\n"
            "# specimen: bench-%s-%ld\n# test: %s\n",
            argv[1], rows, argv[1]);
    if (comp)
        fprintf(f, "# diameter_mm: 10\n# height_mm: 5\n");
    else
        fprintf(f, "# width_mm: 10\n# thickness_mm: 0.04\n# gauge_length_mm: 20\n");
    fprintf(f, "# note: synthetic curve from bench/gen.c\ntime_s,position_mm,force_N,stage\n");
    const double dt = 60.0 / (double)rows; /* every run lasts a minute */
    for (long i = 0; i < rows; i++) {
        double u = (double)i / (double)(rows - 1);
        double pos_mm, force;
        if (!comp) {
            const double A = 10 * 0.04e-6, E = 2e9, L = 20;
            double eps = 0.08 * fmin(u / 0.995, 1.0) + 0.002 * fmax(0, u - 0.995) / 0.005;
            double sig = eps < 0.01 ? E * eps : 20e6 + 10e6 * (1 - exp(-(eps - 0.01) / 0.02));
            if (u > 0.995) /* fracture: the force falls to nothing */
                sig *= 0.02;
            force = sig * A + 0.002 * gauss();
            pos_mm = eps * L;
        } else {
            const double A = M_PI * 25e-6, E = 200e6, h = 5;
            double eps = 0.4 * u;
            double sig = eps < 0.02
                             ? E * eps
                             : 4e6 + 5e6 * (eps - 0.02) + 2e9 * pow(fmax(0, eps - 0.3), 2.5);
            force = -(sig * A + 0.05 * gauss());
            pos_mm = -eps * h;
        }
        fprintf(f, "%.4f,%.6f,%.4f,\n", (double)i * dt, pos_mm, force);
    }
    fprintf(f, "# end_reason: complete\n# rows: %ld\n", rows);
    if (fclose(f) != 0) {
        fprintf(stderr, "gen: write failed\n");
        return 1;
    }
    return 0;
}
