/* rigfile_priv.h — the rig-file parser's state, shared by its two halves:
 * rigfile.c (lines, sections, whole-file validation) and rigfile_keys.c (one
 * function per section that checks each key as it comes). Not a public API.
 */
#ifndef RIGOR_RIGFILE_PRIV_H
#define RIGOR_RIGFILE_PRIV_H

#include "rigfile.h"

extern const char *const rf_role_names[ROLE_COUNT];
extern const char *const rf_status_bit_names[RIG_SB_COUNT];
extern const char *const rf_control_bit_names[RIG_CTL_COUNT];
extern const char *const rf_mode_names[RIG_MODE_COUNT];
extern const char *const rf_limit_keys[8];

enum { SEC_NONE, SEC_RIG, SEC_LIMITS, SEC_SAFETY, SEC_DEVICE, SEC_POINT, SEC_INIT, SEC_CAL };

typedef struct {
    const char *name; /* file name for diagnostics */
    rigor_diag *diag;
    rig_config *cfg;
    long line;
    int sec; /* SEC_* */
    int cur; /* device index or role of the current section */
    bool seen_rig, seen_limits;
    char point_dev[ROLE_COUNT][32]; /* device name per point, resolved at the end */
    long point_dev_line[ROLE_COUNT], point_dev_col[ROLE_COUNT];
    bool point_has[ROLE_COUNT][4]; /* table, address, type, bits/values seen */
    long dev_line[RIG_MAX_DEVICES];
    bool dev_has_slave[RIG_MAX_DEVICES];
    long lim_line[8];                /* line of each limit key, 0 = default */
    long tick_line;                  /* line of tick_timeout, 0 = default */
    long enable_line;                /* line of enable_timeout */
    char init_dev[RIG_MAX_INIT][32]; /* [init] write devices, resolved at the end */
    long init_col[RIG_MAX_INIT];
    unsigned dev_link_given[RIG_MAX_DEVICES]; /* 1u << LK_*: transport keys of [device] */
} parser;

enum { L_CAP, L_TMIN, L_TMAX, L_SPEED, L_FMIN, L_FMAX, L_PMIN, L_PMAX };

#define FAIL(p, col, ...)                                                                      \
    do {                                                                                       \
        rigor_diag_set((p)->diag, (p)->name, (p)->line, (col), __VA_ARGS__);                   \
        return RIGOR_EPARSE;                                                                   \
    } while (0)

/* Dimension a role's unit must have; DIM_NONE = no unit allowed (raw counts). */
unit_dim rf_role_dim(int role);

/* "500 N": a number and a unit of dimension dim -> SI (rigfile_keys.c). */
int rf_parse_quantity(parser *p, const char *key, const char *v, long col, unit_dim dim,
                      double *out);

/* rigfile_seq.c: [init], eeprom ranges, alarm codes, and their whole-file checks. */
int rf_key_init(parser *p, const char *k, const char *v, long col);
int rf_key_eeprom(parser *p, rig_device *d, const char *v, long col);
int rf_key_alarm(parser *p, const char *v, long col);
int rf_validate_seq(parser *p);

/* Per-device transport keys (transport, host, port, device, baud, parity,
 * data_bits, stop_bits) in [device NAME]; 1 when k is one of them (handled, or
 * failed with *rc set), 0 otherwise. */
int rf_key_device_link(parser *p, int dev, const char *k, const char *v, long col, int *rc);

/* After the whole file: each device's line (its own keys over [rig]'s), the
 * distinct lines, and their consistency. */
int rf_validate_buses(parser *p);

int rf_key_rig(parser *p, const char *k, const char *v, long col);
int rf_key_limits(parser *p, const char *k, const char *v, long col);
int rf_key_safety(parser *p, const char *k, const char *v, long col);
int rf_key_device(parser *p, const char *k, const char *v, long col);
int rf_key_point(parser *p, const char *k, const char *v, long col);
/* rigfile_cal.c: [calibration] (force_class, extensometer_class, geometry_resolution). */
int rf_key_calibration(parser *p, const char *k, const char *v, long col);

#endif
