/* sim_internal.h — the simulator's state, shared by rig/sim*.c only.
 *
 * One struct sim, one mutex. The physics step (sim_physics.c), the register
 * map (sim_regs.c), the servers (sim_server.c) and the fault injector
 * (sim_faults.c) all work on it under s->lock. Nothing outside rig/sim*.c
 * includes this file.
 */
#ifndef RIGOR_SIM_INTERNAL_H
#define RIGOR_SIM_INTERNAL_H

#include "sim.h"
#include "../words.h"

#include <pthread.h>
#include <stdatomic.h>

#define SIM_DT_S 1e-3   /* physics step: 1 kHz */
#define SIM_MAX_CONN 16 /* concurrent TCP clients */

typedef enum {
    MODEL_NONE = 0,            /* no specimen: free crosshead, zero force */
    MODEL_ELASTIC_PLASTIC,     /* tensile: linear, hardening to UTS, necking, fracture */
    MODEL_BRITTLE,             /* tensile: linear to fracture */
    MODEL_BRITTLE_COMPRESSION, /* compression: linear to fracture, debris residual */
    MODEL_CELLULAR,            /* compression: elastic, plateau, densification */
    MODEL_LUDERS               /* tensile: upper/lower yield, Lueders plateau, hardening,
                                  necking, fracture (low-carbon steel; issue 23) */
} sim_model;

/* Specimen and machine parameters, SI. Every field is settable by name with
 * --param (table in sim_specimen.c). */
typedef struct {
    /* specimen material */
    double E;         /* Young's modulus, Pa */
    double sigma_y;   /* yield (elastic-plastic) or plateau start (cellular), Pa */
    double sigma_u;   /* tensile strength (elastic-plastic), Pa */
    double eps_u;     /* engineering strain at sigma_u */
    double sigma_f;   /* stress at fracture (elastic-plastic, brittle), Pa */
    double eps_f;     /* strain at fracture (elastic-plastic) */
    double H;         /* plateau hardening modulus (cellular), Pa */
    double eps_d;     /* densification onset strain (cellular) */
    double m;         /* densification exponent (cellular) */
    double sigma_ref; /* densification anchor stress (cellular), Pa ... */
    double eps_ref;   /* ... reached at this strain */
    double residual;  /* compression debris stress as a fraction of sigma_f */
    /* geometry */
    double width, thickness, gauge_length; /* tensile, m */
    double diameter, height;               /* compression, m */
    double gap; /* compression: platen gap above the specimen at position 0, m */
    /* machine */
    double frame_compliance; /* m/N */
    double capacity;         /* load-cell capacity, N */
    double noise;            /* load-cell noise sigma, N */
    double resolution;       /* ADC count, N */
    double filter_hz;        /* transmitter low-pass corner at start (FILTER_HZ), Hz */
    double cell_rate;        /* load-cell sampling rate (TICK), Hz */
    double overload;  /* frame-overload fault threshold on |true force|, N (0 = 1.2 capacity) */
    double ext_noise; /* extensometer noise sigma, m */
    double travel_upper, travel_lower; /* limit switches, m (crosshead position) */
    double v_max;                      /* largest accepted VELOCITY_CMD, m/s */
    double accel;                      /* drive default acceleration, m/s^2 */
    double qs_decel;                   /* quick-stop / fault deceleration, m/s^2 */
    /* viscoelasticity (sim_specimen.c): a Maxwell arm (visco_E, visco_tau) in
     * parallel with the model: a standard linear solid; 0 = off */
    double visco_E;   /* Maxwell arm modulus E1, Pa */
    double visco_tau; /* its relaxation time tau = eta / E1, s */
    /* discontinuous yielding (MODEL_LUDERS, sim_specimen.c); sigma_y is ReL */
    double sigma_uy; /* upper yield strength ReH, Pa */
    double eps_l;    /* engineering strain at the end of the Lueders plateau */
    /* realism for the controller's tests (docs/sim.md) */
    double grip_weight;    /* N: force the cell carries at rest (the lower grip), in
                              the gross force until a tare */
    double x0;             /* m: absolute encoder position where the simulator starts
                              (POSITION = crosshead + x0) */
    double wd_seconds;     /* 1: WATCHDOG_MS counts whole seconds (a drive such as the
                              Delta ASDA-B2's P3-07), 0: milliseconds */
    double wd_any_request; /* 1: any request to the drive feeds the watchdog, 0: only
                              writes of HEARTBEAT / CONTROL / WATCHDOG */
    /* the extensometer as a clip-on (sim_physics.c, docs/sim.md) */
    double ext_range;     /* m: |reading| clamps here, OVERRANGE set (0 = 50 mm) */
    double ext_slip;      /* m: the knife edges slip once by this much ... */
    double ext_slip_at;   /* ... when the reading reaches this, m (0 = never) */
    double ext_detach_at; /* m: the clip-on falls off at this reading (0 = never) */
} sim_params;

/* Parsed --faults list. */
typedef struct {
    double drop, corrupt, delay, exception; /* probabilities per reply */
    double delay_s;                         /* delay length */
    double disconnect_after_s;              /* < 0 = off */
    double freeze_after_s;                  /* < 0 = off */
    double estop_after_s;                   /* < 0 = off */
    double nan_force_after_s;               /* FORCE reads NaN from then on; < 0 = off */
    double freeze_force_after_s;            /* FORCE keeps its value, TICK runs on */
    double stall_after_s;                   /* the drive accepts commands, does not move */
    double refuse_velocity_after_s;         /* writes of VELOCITY_CMD answer exception 04 */
    double refuse_control_after_s;          /* writes of CONTROL answer exception 04 */
} sim_faults;

typedef struct {
    uint64_t s[4];
} sim_rng;

typedef enum {
    FAULT_NONE = 0,
    FAULT_DROP,
    FAULT_CORRUPT,
    FAULT_DELAY,
    FAULT_EXCEPTION
} fault_kind;

struct sim {
    pthread_mutex_t lock;
    /* configuration */
    char name[64]; /* preset or model name as given */
    sim_model model;
    sim_params p;
    sim_faults faults;
    uint64_t seed;
    long baud;
    FILE *log;
    bool log_owned;
    int log_every;
    FILE *events;
    /* derived */
    double area, L0; /* m^2, m */
    bool compression;
    double dens_K; /* cellular densification coefficient, Pa */
    /* clock */
    long steps;
    double t; /* steps * SIM_DT_S */
    /* drive registers and state */
    uint16_t drive_hr[9];
    double x, v; /* crosshead m, m/s */
    bool enabled;
    int fault;
    bool wd_tripped, estop, at_upper, at_lower;
    double last_hb_t, wd_trip_t;
    /* specimen state */
    double delta;     /* deformation, m (+ loading direction) */
    double delta_max; /* largest deformation on the loading path */
    double force;     /* true force, N, signed (+ tension) */
    double peak_true;
    double visco_sig; /* Maxwell arm stress at the last step, Pa */
    double visco_eps; /* strain at the last step, ratio */
    bool contact, fractured;
    double contact_t, fracture_t, fracture_force, fracture_delta;
    double fracture_wall, stop_wall; /* CLOCK_MONOTONIC s of fracture / first stop write after it */
    double read_wall; /* CLOCK_MONOTONIC s of the first force read served after the fracture */
    /* transmitter */
    uint16_t cell_hr[2];
    double lp;         /* low-pass state, N (gross) */
    double gross_meas; /* quantized gross, N */
    double tare;       /* N */
    double net;        /* N */
    double peak_meas;  /* N, |net| max since reset */
    double stable_ema;
    int32_t raw;
    uint16_t tick;
    int cell_every, cell_phase;
    bool frozen;
    bool overload_bit;
    /* extensometer */
    double ext_zero;
    double ext; /* m, last reading */
    bool ext_removed; /* taken off (HR0 = 2) or fallen off (ext_detach_at): ATTACHED clear */
    bool ext_slipped; /* the one slip of ext_slip happened */
    /* randomness */
    sim_rng rng_phys, rng_fault;
    /* time-triggered faults fired */
    bool estop_fired, freeze_fired, disconnect_fired;
    bool nan_force, force_stuck, stalled, refuse_vel, refuse_ctl; /* fired, from sim_faults */
    atomic_int disconnect_gen; /* bumped when the disconnect fault fires */
    /* counters */
    unsigned long requests, faults_injected;
    /* scheduling of the threads that keep time (rt.h), reported once */
    rt_mode realtime;
    rt_status rt_phys, rt_serve;
    bool rt_tcp_reported;
    /* threads */
    atomic_bool running; /* physics thread */
    atomic_bool stopping;
    bool stopped; /* sim_stop() ran: no new start */
    pthread_t phys_thread;
    bool phys_started;
    /* TCP */
    double idle_timeout_s; /* s; INFINITY = never */
    bool tcp_started;
    int listen_fd;
    void *tcp_ctx; /* modbus_t of the listener */
    pthread_t accept_thread;
    atomic_int conn_count;
    int conn_fd[SIM_MAX_CONN];
    pthread_mutex_t conn_lock;
    pthread_cond_t conn_cv;
    /* RTU */
    bool rtu_started;
    int pty_master, pty_slave;
    pthread_t rtu_thread;
};

/* sim_specimen.c */
int sim_specimen_setup(sim *s, const sim_config *cfg, rigor_diag *d);
/* CLOCK_MONOTONIC now, in seconds: the server's pacing and the wall-time
 * benchmark hooks (fracture, first read after it, first stop). */
double sim_mono_now(void);
double sim_stress_mono(const sim *s, double eps);
double sim_specimen_force(const sim *s, double delta); /* N, >= 0, loading direction */
bool sim_specimen_breaks(const sim *s, double delta);
/* Maxwell arm stress after a step to strain eps (Pa); 0 when off. */
double sim_visco_stress(const sim *s, double eps);
double sim_specimen_break_delta(const sim *s); /* deformation at which it breaks */

/* sim_physics.c */
void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_uniform(sim_rng *r);
double sim_rng_gauss(sim_rng *r);
void sim_physics_init(sim *s);
void sim_step(sim *s);                  /* one 1-ms step; caller holds the lock */
void sim_drive_fault(sim *s, int code); /* caller holds the lock */
void sim_event(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_log_header(sim *s);

/* sim_regs.c — caller holds the lock */
int sim_regs_read_locked(sim *s, int unit, int table, int addr, int n, uint16_t *out);
int sim_regs_write_locked(sim *s, int unit, int addr, int n, const uint16_t *vals, bool fc06);
/* Execute one request PDU for unit; writes the response PDU (normal or
 * exception) into resp and returns its length; returns -1 for an unknown
 * unit (TCP answers 0x0B, RTU stays silent). Takes the lock itself. */
int sim_pdu(sim *s, int unit, const uint8_t *pdu, int len, uint8_t *resp, fault_kind *fault);

/* sim_faults.c */
int sim_faults_parse(const char *text, sim_faults *f, rigor_diag *d);
fault_kind sim_fault_pick(sim *s); /* caller holds the lock */

/* sim.c */
int sim_physics_start(sim *s); /* start the 1 kHz clock if not running */
/* Called first by a thread that keeps time: ask for SCHED_FIFO (unless
 * realtime is off), record the answer for sim_truth and log it as an
 * event. what: "physics", "tcp-connection" or "rtu". Takes the lock. */
void sim_rt_take(sim *s, const char *what);

/* sim_server.c */
void sim_server_stop(sim *s);

#endif
