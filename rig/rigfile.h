/* rigfile.h — the rig file: how to reach a load frame and what its registers mean.
 *
 * A rig file is a small INI file (grammar in docs/rigfile.md) with a [rig]
 * section (transport), [limits] (machine limits nothing may exceed, and soft
 * limits), an optional [safety] section, one [device NAME] section per Modbus
 * slave and one [point ROLE] section per register point. rigfile_load parses
 * and validates all of it before anything connects; the first problem is
 * reported as file:line:col with the reason. Everything in rig_config is SI.
 * Vendors disagree on addresses, word order and scaling, so Rigor never
 * hard-codes them: this file is the only description of a frame.
 */
#ifndef RIGOR_RIGFILE_H
#define RIGOR_RIGFILE_H

#include "../common/error.h"
#include "../common/units.h"
#include "rt.h"
#include "words.h"

#include <stdbool.h>
#include <stdint.h>

#define RIG_MAX_DEVICES 8

typedef enum { RIG_TCP = 0, RIG_RTU } rig_transport;

typedef enum { TBL_HR = 0, TBL_IR } reg_table; /* holding (FC03/06/16), input (FC04) */

typedef enum { PT_U16 = 0, PT_I16, PT_U32, PT_I32, PT_F32, PT_BITS } point_type;

/* What a point means to Rigor. Read roles are polled every cycle; write roles
 * are written on command. */
typedef enum {
    ROLE_POSITION = 0,   /* read, length: crosshead position (required) */
    ROLE_FORCE,          /* read, force: net force, + = tension (required) */
    ROLE_EXTENSION,      /* read, length: extensometer */
    ROLE_VELOCITY,       /* read, velocity: actual crosshead speed */
    ROLE_TICK,           /* read, u16 counter: transmitter sampling tick */
    ROLE_DRIVE_STATUS,   /* read, bits: drive status word (required) */
    ROLE_FORCE_STATUS,   /* read, bits: load-cell transmitter status */
    ROLE_EXT_STATUS,     /* read, bits: extensometer status */
    ROLE_FAULT_CODE,     /* read, u16: drive fault code (alarm table: `alarm`) */
    ROLE_DRIVE_STATUS2,  /* read, bits: a second drive status register, OR'ed in */
    ROLE_FORCE_DP,       /* read, u16: transmitter decimal point: force x 10^-dp; read
                            at connect, a change later is a FAULT (rig/sequence.h) */
    ROLE_VELOCITY_CMD,   /* write, velocity: velocity setpoint (required) */
    ROLE_POSITION_CMD,   /* write, length: target in position mode */
    ROLE_MODE,           /* write, u16 with values velocity:N position:M */
    ROLE_CONTROL,        /* write, bits: enable, quick_stop, fault_reset */
    ROLE_HEARTBEAT,      /* write, u16: changed every cycle */
    ROLE_WATCHDOG,       /* write, time: drive communication watchdog */
    ROLE_TARE,           /* write, u16 command value: zero the force */
    ROLE_ZERO_EXTENSION, /* write, u16 command value: zero the extensometer */
    ROLE_RESET,          /* write, u16 command value: clear a drive fault on an
                            acknowledged FAULT (0x7777 to a Leadshine control word),
                            besides the control point's fault_reset bit pulse */
    ROLE_COUNT
} point_role;

/* Rig-level status bits, whatever the device calls them (rig_sample.status). */
enum {
    RIG_SB_ENABLED = 1u << 0,
    RIG_SB_MOVING = 1u << 1,
    RIG_SB_FAULT = 1u << 2,       /* drive fault */
    RIG_SB_UPPER_LIMIT = 1u << 3, /* limit switch */
    RIG_SB_LOWER_LIMIT = 1u << 4,
    RIG_SB_ESTOP = 1u << 5,
    RIG_SB_WATCHDOG = 1u << 6,  /* drive watchdog tripped */
    RIG_SB_OVERLOAD = 1u << 7,  /* load cell beyond capacity */
    RIG_SB_ADC_ERROR = 1u << 8, /* transmitter ADC error */
    RIG_SB_STABLE = 1u << 9,
    RIG_SB_EXT_ATTACHED = 1u << 10,
    RIG_SB_EXT_OVERRANGE = 1u << 11,
    RIG_SB_CONFIG = 1u << 12, /* a device's configuration changed under the test
                                 (decimal point): no longer the rig file's units */
    RIG_SB_COUNT = 13
};

/* Control bits (ROLE_CONTROL). */
enum { RIG_CTL_ENABLE = 0, RIG_CTL_QUICK_STOP, RIG_CTL_FAULT_RESET, RIG_CTL_COUNT };

/* Mode values (ROLE_MODE). */
enum { RIG_MODE_VELOCITY = 0, RIG_MODE_POSITION, RIG_MODE_COUNT };

typedef struct {
    bool present;     /* defined in the file */
    int device;       /* index into rig_config.dev */
    reg_table table;  /* HR or IR */
    uint16_t address; /* 0-based PDU address */
    point_type type;  /* register type */
    word_order order; /* for 32-bit types */
    double scale;     /* value in `unit` = raw * scale + offset */
    double offset;
    char unit[24];                  /* unit symbol as written ("" for counts/bits) */
    unit_info si;                   /* unit -> SI */
    int8_t bit[RIG_SB_COUNT];       /* PT_BITS: bit number of each status (RIG_SB_* index)
                                       or control (RIG_CTL_*) flag, -1 = absent */
    uint16_t more[RIG_SB_COUNT];    /* PT_BITS: further bits of the same condition, OR'ed
                                       ("fault:2 fault:7": several device bits -> one) */
    uint16_t active_low;            /* PT_BITS: bits that mean their flag when 0 ("!4") */
    uint16_t constant;              /* ROLE_CONTROL: bits kept set in every control word */
    int32_t values[RIG_MODE_COUNT]; /* ROLE_MODE: raw value per mode */
    uint16_t value;                 /* command roles (tare, zero_extension): value to write */
    int fc;                         /* write function code: 6, 16, or 0 = device default */
    int motor;                      /* unit of the motor side: 0 = none (a units.h unit),
                                       SCALE_RPM, SCALE_REV, SCALE_COUNTS (rig/scaling.h) */
    double lead_m;                  /* `lead`: screw lead, crosshead travel per screw turn */
    double gear;                    /* `gear`: motor turns per screw turn (default 1) */
    double counts_per_rev;          /* `counts_per_rev`: encoder counts per motor turn */
    int8_t field_lo, field_n;       /* `field = LO..HI`: u16 points, only bits LO..HI of the
                                       word, shifted down (a decimal point in bits 11..15 of
                                       a status word): field_n = HI-LO+1; 0 = the whole word */
    bool has_min, has_max;          /* `min`/`max`: the device's range for this value */
    double min_si, max_si;          /* SI; checked at load (watchdog: rigfile error) */
    long line;                      /* line of the [point] header, for messages */
} rig_point;

/* One alarm code of a drive's fault_code register (`alarm = 0x20 watchdog
 * "AL020 communication timeout"`): the condition it means to Rigor and its name
 * for the FAULT message. */
typedef struct {
    uint16_t code;
    uint32_t status; /* RIG_SB_* the code sets */
    char name[64];
} rig_alarm;
#define RIG_MAX_ALARMS 32

/* One step of the [init] list, run after every connect (rig/sequence.h). */
typedef enum { INIT_WRITE = 0, INIT_WAIT } init_kind;
typedef struct {
    init_kind kind;
    int device;       /* INIT_WRITE: index into rig_config.dev */
    uint16_t address; /* first holding register */
    uint16_t n;       /* registers written (1..8) */
    uint16_t value[8];
    bool verify;   /* read back and compare; a difference is an error */
    double wait_s; /* INIT_WAIT */
    long line;
} rig_init_step;
#define RIG_MAX_INIT 32
#define RIG_MAX_EEPROM 4

/* The line a device is reached by: a TCP gateway or one serial line. */
typedef struct {
    rig_transport transport;
    char host[128];
    int port;
    char device[256]; /* serial device path */
    int baud;
    char parity;
    int data_bits, stop_bits;
} rig_bus;

typedef struct {
    char name[32];             /* section name, e.g. "drive" */
    int slave;                 /* unit/slave id 1..247 */
    double response_timeout_s; /* per request */
    double gap_s;              /* minimum silence between frames to this device */
    int max_regs;              /* largest read per request (1..125) */
    bool fc06;                 /* single-register writes allowed */
    int bridge;                /* unused registers a read may span to join two blocks */
    int neeprom;               /* `eeprom = 0x0100..0x01FF ...`: holding registers the
                                  device stores in EEPROM; only [init] may write them */
    uint16_t eeprom_lo[RIG_MAX_EEPROM], eeprom_hi[RIG_MAX_EEPROM];
    bool own_bus; /* the section gives its own transport keys */
    rig_bus link; /* its line: the [rig] one unless own_bus */
    int bus;      /* index of its line among the rig's distinct lines */
    /* Driver side (rig/supervisor.c): the device has no heartbeat of its own
     * (no TICK): its values are watched only by the frozen-value rule. */
    bool no_heartbeat;
} rig_device;

typedef struct {
    char path[512];  /* file as given */
    char name[64];   /* [rig] name */
    char sha256[65]; /* hex SHA-256 of the file bytes (regmap_sha256 in run files) */
    rig_transport transport;
    char host[128];   /* TCP: address (default 127.0.0.1) */
    int port;         /* TCP: port (default 502) */
    char device[256]; /* RTU: serial device path */
    int baud;         /* RTU: default 115200 */
    char parity;      /* RTU: 'N', 'E', 'O' (default 'E') */
    int data_bits;    /* RTU: default 8 */
    int stop_bits;    /* RTU: default 1 */

    int ndev;
    rig_device dev[RIG_MAX_DEVICES];
    int nbus; /* distinct lines (TCP endpoints, serial ports) of the devices */
    rig_point point[ROLE_COUNT];

    /* [limits] machine limits: nothing may exceed these. */
    double capacity_N;   /* load-cell capacity (|force|) */
    double travel_min_m; /* crosshead travel range (absolute position) */
    double travel_max_m;
    double speed_max_m_s; /* largest commanded speed */
    /* [limits] soft limits (default: the machine limits). */
    double force_min_N, force_max_N;
    double position_min_m, position_max_m;

    /* [safety] */
    int fail_limit;          /* consecutive failed cycles -> FAULT (default 5) */
    int retries;             /* retries of a failed read within a cycle (default 1) */
    double watchdog_s;       /* drive watchdog time (default 0.25 s; 0 when off) */
    bool watchdog_off;       /* `watchdog = off` written explicitly (warned about) */
    long watchdog_line;      /* line of [safety] watchdog, 0 = the default */
    char watchdog_text[160]; /* what the drive is told, for the run file's header and
                                `rigor check`: "250 ms (250 counts of 1 ms)", "off
                                (rig file line 12)", "none (no [point watchdog])" */
    double tick_timeout_s;   /* TICK unchanged this long -> FAULT (default 0.2 s) */
    double reconnect_max_s;  /* largest back-off between reconnects (default 1 s) */
    double max_rate_hz;      /* cap on the sampling rate (default 1000) */
    rt_mode realtime;        /* real-time scheduling of the acquisition thread (default auto) */
    double spin_s;           /* busy-wait this long before each sample deadline instead of
                                sleeping through it (0 = sleep, default); at most half the
                                period is spun (docs/rigfile.md) */
    bool keep_awake;         /* while sampling at a rate, keep every CPU busy with a
                                SCHED_IDLE spinner (rt_awake, rig/rt.h; default no) */

    /* [init]: writes (and waits) run after every connect, before the watchdog
     * and the servo-on. */
    int ninit;
    rig_init_step init[RIG_MAX_INIT];
    /* [point fault_code] `alarm` lines */
    int nalarm;
    rig_alarm alarm[RIG_MAX_ALARMS];
    /* [safety] enable_timeout: servo-on at connect is confirmed by the drive's
     * `enabled` status bit within this time, else the connect fails (0 = not
     * confirmed) */
    double enable_timeout_s;
    /* [calibration] (optional): what the measuring chain is certified to, for
     * `rigor analyze --uncertainty` through the run file's header
     * (docs/uncertainty.md); 0 = not stated. */
    double force_class_pct;        /* ISO 7500-1 class of the force-measuring system: 0.5, 1, 2, 3 */
    double extensometer_class_pct; /* ISO 9513 class of the extensometer: 0.2, 0.5, 1, 2 */
    double geometry_resolution_m;  /* resolution of the instrument the specimen is measured with */

    /* Warnings: the file is valid but something in it deserves the user's
     * attention ("file:line: ..."); commands print them before they start. */
#define RIGFILE_MAX_WARN 4
    int nwarn;
    char warn[RIGFILE_MAX_WARN][256];

    /* [safety] driver checks (rig/supervisor.c, docs/reliability.md). 0 means
     * the driver's default, so a parser that does not know a key leaves it. */
    int invalid_limit;       /* invalid samples in a row tolerated; one more is a FAULT
                                (default SUP_INVALID_LIMIT) */
    double frozen_timeout_s; /* force bit-identical this long while the crosshead is
                                commanded to move -> FAULT (default SUP_FROZEN_S) */
    double motion_timeout_s; /* time a commanded motion may take to show a position change
                                beyond the noise band, on top of the travel time of that band
                                (default SUP_MOTION_S) */
    double position_noise_m; /* the position noise band (default SUP_POS_NOISE_M) */
} rig_config;

/* Parse and validate a rig file. On any problem with the file (unreadable,
 * malformed, a unit of the wrong dimension, a value that cannot be right)
 * returns RIGOR_EPARSE and fills *diag with file:line:col and the reason:
 * every command maps RIGOR_EPARSE to exit status 2 before anything connects
 * (a watchdog in the wrong unit once made `rigor run` exit 3). RIGOR_ENOMEM
 * and RIGOR_EINVAL (NULL arguments) are the only other results. */
int rigfile_load(const char *path, rig_config *cfg, rigor_diag *diag);

/* The same from text in memory; `name` is used in diagnostics and cfg->path. */
int rigfile_parse(const char *text, const char *name, rig_config *cfg, rigor_diag *diag);

const char *rigfile_role_name(point_role r);

#endif
