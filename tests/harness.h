/* harness.h — the minimal unit-test harness every tests/test_*.c uses.
 *
 * Each test file is its own program: it calls TEST_RUN(fn) for each case and
 * ends with TEST_END(), which prints "# <prog>: N passed, N failed, N skipped"
 * and exits non-zero on any failure. scripts/run-tests.sh adds the counts of
 * every program and prints the one closing line "N passed, N failed".
 * A case passes when none of its CHECKs failed; SKIP(reason) marks it skipped
 * (used when ../shared/ is absent) and returns from the case.
 */
#ifndef RIGOR_TEST_HARNESS_H
#define RIGOR_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int th_passed, th_failed, th_skipped;
static int th_case_failed, th_case_skipped;
static const char *th_case;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            th_case_failed = 1;                                                            \
            printf("  FAIL %s:%d: %s: ", __FILE__, __LINE__, th_case);                     \
            printf(__VA_ARGS__);                                                           \
            printf("  [%s]\n", #cond);                                                     \
        }                                                                                  \
    } while (0)

/* |got - want| <= max(abs_tol, rel_tol * |want|) */
#define CHECK_NEAR(got, want, abs_tol, rel_tol, what)                                      \
    do {                                                                                   \
        double th_g = (got), th_w = (want);                                                \
        double th_tol = fmax((abs_tol), (rel_tol) * fabs(th_w));                           \
        if (!(fabs(th_g - th_w) <= th_tol)) {                                              \
            th_case_failed = 1;                                                            \
            printf("  FAIL %s:%d: %s: %s = %.9g, want %.9g (tol %.3g)\n", __FILE__,        \
                   __LINE__, th_case, (what), th_g, th_w, th_tol);                         \
        }                                                                                  \
    } while (0)

#define SKIP(...)                                                                          \
    do {                                                                                   \
        th_case_skipped = 1;                                                               \
        printf("  skip %s: ", th_case);                                                    \
        printf(__VA_ARGS__);                                                               \
        printf("\n");                                                                      \
        return;                                                                            \
    } while (0)

#define TEST_RUN(fn)                                                                       \
    do {                                                                                   \
        th_case = #fn;                                                                     \
        th_case_failed = th_case_skipped = 0;                                              \
        fn();                                                                              \
        if (th_case_skipped && !th_case_failed)                                            \
            th_skipped++;                                                                  \
        else if (th_case_failed) {                                                         \
            th_failed++;                                                                   \
            printf("not ok %s\n", #fn);                                                    \
        } else {                                                                           \
            th_passed++;                                                                   \
            printf("ok %s\n", #fn);                                                        \
        }                                                                                  \
        fflush(stdout);                                                                    \
    } while (0)

#define TEST_END(prog)                                                                     \
    do {                                                                                   \
        printf("# %s: %d passed, %d failed, %d skipped\n", (prog), th_passed, th_failed,   \
               th_skipped);                                                                \
        return th_failed ? 1 : 0;                                                          \
    } while (0)

/* Path of ../shared/<rel> relative to the repository root, or NULL when the
 * shared folder is absent (a user's clone). Tests run from the repo root. */
static inline const char *th_shared(const char *rel)
{
    static char buf[4][2048];
    static int k;
    const char *root = getenv("RIGOR_SHARED");
    if (!root)
        root = "../shared";
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%.1000s/%.1000s", root, rel);
    return access(b, R_OK) == 0 ? b : NULL;
}

#endif
