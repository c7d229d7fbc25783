/* test_numeric.c — least squares against NIST StRD, trapezoid and interpolation.
 *
 * Norris (NIST StRD linear regression, lower difficulty): 36 observations;
 * certified B0 = -0.262323073774029, B1 = 1.00211681802045,
 * sd(B0) = 0.232818234301152, sd(B1) = 0.429796848199937E-03,
 * residual sd = 0.884796396144373, R^2 = 0.999993745883712.
 * Tolerances follow GSL's own fit/test.c (1e-10 relative on coefficients).
 */
#include "../analysis/numeric.h"
#include "../common/error.h"
#include "harness.h"

static void test_norris(void)
{
    /* NIST StRD Norris data, in the certificate's order. */
    static const double y[] = {
        0.1,   338.8, 118.1, 888.0, 9.2,   228.1, 668.5, 998.5, 449.1, 778.9, 559.2, 0.3,
        0.1,   778.1, 668.8, 339.3, 448.9, 10.8,  557.7, 228.3, 998.0, 888.8, 119.6, 0.3,
        0.6,   557.6, 339.3, 888.0, 998.5, 778.9, 10.2,  117.6, 228.9, 668.4, 449.2, 0.2};
    static const double x[] = {
        0.2,   337.4, 118.2, 884.6, 10.1,  226.5, 666.3, 996.3, 448.6, 777.0, 558.2, 0.4,
        0.6,   775.5, 666.9, 338.0, 447.5, 11.6,  556.0, 228.1, 995.8, 887.6, 120.2, 0.3,
        0.3,   556.8, 339.1, 887.2, 999.0, 779.0, 11.1,  118.3, 229.2, 669.1, 448.9, 0.5};
    linfit f;
    int rc = numeric_linfit(x, y, 36, &f);
    CHECK(rc == RIGOR_OK, "linfit rc %d", rc);
    CHECK_NEAR(f.c0, -0.262323073774029, 0, 1e-10, "B0");
    CHECK_NEAR(f.c1, 1.00211681802045, 0, 1e-10, "B1");
    CHECK_NEAR(f.se_c0, 0.232818234301152, 0, 1e-8, "sd(B0)");
    CHECK_NEAR(f.se_c1, 0.429796848199937e-03, 0, 1e-8, "sd(B1)");
    CHECK_NEAR(f.s_resid, 0.884796396144373, 0, 1e-8, "residual sd");
    CHECK_NEAR(f.r2, 0.999993745883712, 0, 1e-10, "R^2");
}

static void test_linfit_too_few(void)
{
    double x[] = {1, 2}, y[] = {1, 2};
    linfit f;
    CHECK(numeric_linfit(x, y, 2, &f) == RIGOR_ENODATA, "two points must be refused");
}

static void test_trapz(void)
{
    /* integral of y = 2x over [0, 3] is 9, exact for the trapezoid rule */
    double x[] = {0, 1, 2, 3}, y[] = {0, 2, 4, 6};
    CHECK_NEAR(numeric_trapz(x, y, 0, 3), 9.0, 1e-15, 0, "trapz 2x");
    double yn[] = {0, 2, NAN, 6};
    /* NaN sample: the two intervals touching it are skipped -> only [0,1] */
    CHECK_NEAR(numeric_trapz(x, yn, 0, 3), 1.0, 1e-15, 0, "trapz with NaN");
}

static void test_interp(void)
{
    double x[] = {0, 1, 2, 1.5}, y[] = {0, 10, 20, 30};
    size_t seg = 99;
    CHECK_NEAR(numeric_interp_first(x, y, 0, 4, 0.5, &seg), 5.0, 1e-12, 0, "interp 0.5");
    CHECK(seg == 0, "segment %zu", seg);
    CHECK_NEAR(numeric_interp_first(x, y, 2, 4, 1.75, &seg), 25.0, 1e-12, 0, "interp back");
    CHECK(isnan(numeric_interp_first(x, y, 0, 4, 5.0, NULL)), "outside must be NaN");
}

int main(void)
{
    analysis_init();
    TEST_RUN(test_norris);
    TEST_RUN(test_linfit_too_few);
    TEST_RUN(test_trapz);
    TEST_RUN(test_interp);
    TEST_END("test_numeric");
}
