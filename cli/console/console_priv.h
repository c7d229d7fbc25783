/* console_priv.h — state shared by the console's loop and its screens. */
#ifndef RIGOR_CONSOLE_PRIV_H
#define RIGOR_CONSOLE_PRIV_H

#include "console.h"
#include "console_crt.h"

#include "../storeio.h"

#include "../../session/session.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { SCR_MAIN = 0, SCR_FORM, SCR_PICKER, SCR_RESULTS, SCR_BATCH } console_screen;

/* The form's fields. Geometry fields may be blank (not given); a quick
 * tensile test needs a cross-section (area, width and thickness, or
 * diameter) and a gauge length. */
enum {
    FORM_ID = 0,
    FORM_WIDTH,
    FORM_THICK,
    FORM_DIAM,
    FORM_GAUGE,
    FORM_HEIGHT,
    FORM_AREA,
    FORM_RATE,
    FORM_JOGF, /* jog force limit, N */
    FORM_NOTES,
    FORM_NFIELDS
};

#define CON_JOG_SPEEDS 4
#define CON_NOISE_N 32

#define CON_MAX_POINTS 4096
#define CON_MAX_MARKS 32
#define CON_MAX_BATCH 64

typedef struct {
    char specimen[128];
    char run_path[1024];
    char end_reason[128];
    double strength_mpa, modulus_mpa, break_strain_pct, max_force_n;
    bool from_store; /* read from the store at start (tested earlier today) */
} con_batch_row;

typedef struct console {
    console_opts opt;
    run_session *s;
    console_screen scr;
    bool quit, quit_ask, fault_modal;
    char fault_reason[160];
    char fault_msg[160];
    char msg[256]; /* status line */
    bool msg_alert;

    /* the test set-up: specimen form and protocol ("" = quick tensile) */
    char field[FORM_NFIELDS][128];
    char proto_path[1024];
    int form_sel;
    char form_edit[FORM_NFIELDS][128];

    /* the live test */
    bool testing;
    int axes; /* 0 stress-strain, 1 force-position */
    double px[2][CON_MAX_POINTS], py[2][CON_MAX_POINTS];
    size_t np, stride, skip;
    struct {
        size_t i;
        char c;
        char text[32];
    } mark[CON_MAX_MARKS];
    int nmark;
    char last_stage[64];
    double t0;

    /* readouts */
    double prev_pos, prev_t, rate_m_s;

    /* jog, tare and zero (console_jog.c) */
    int jog_speed;          /* index into the jog speeds */
    int jog_dir;            /* +1 up, -1 down, 0 no jog under way */
    double jog_until;       /* monotonic s: the jog under way ends then */
    double proto_fmax_N;    /* the chosen protocol's force limit, NAN if none */
    bool jogged;            /* a jog since the last test began */
    double jog_ref_N;       /* force at rest before that first jog (tare-corrected) */
    double fring[CON_NOISE_N]; /* recent forces at rest: the noise estimate */
    int nfring, ifring;
    uint64_t fring_seq;
    int confirm;            /* pending confirmation: 0 none, 't' tare, 'z' zero */
    double confirm_t;       /* monotonic s the command was sent */
    uint64_t confirm_seq;   /* the latest sample's number then */
    double confirm_before;  /* force / position before it */

    /* results of the last test and the session's batch */
    char res_title[1600];
    char res_path[1024];
    char **res_lines;
    size_t nres;
    con_batch_row batch[CON_MAX_BATCH];
    int nbatch;

    /* protocol picker */
    char **files;
    int nfiles, sel, top;
    char typed[512];
    char **check_lines;
    size_t ncheck;
    int checked_sel;
    bool check_ok;

    /* the results store (console_store.c) */
    storeio_run_opts sto; /* enabled when a store is configured */
    char store_msg[1600]; /* what the last store write did, for the status line */
    bool store_failed;
    bool series_done; /* --series: every specimen has its run */
} console;

/* console_app.c */
void con_msg(console *c, bool alert, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int con_start_test(console *c);
void con_stop(console *c);
void con_quit(console *c); /* asks first while a test runs */
void con_lines_free(char ***v, size_t *n);
int con_lines_from_text(const char *text, char ***v, size_t *n);
/* The field as a number in the field's unit (mm, mm², mm/min, N): a
 * decimal comma is a decimal point, and the unit may follow ("0,04 mm").
 * NAN if blank or not a positive number. */
double con_field_num(const console *c, int f);
double con_parse_field(int f, const char *text);
/* The form's geometry in SI (blank fields NAN). */
void con_form_geom(const console *c, curve_geom *g);
/* "S1" -> "S2", "film-09" -> "film-10", "A" -> "A-2" */
void con_next_id(char *id, size_t len);

/* console_jog.c: jog within a force bound, tare and zero confirmed */
double con_monotonic(void);
double con_jog_speed(const console *c);      /* m/s */
double con_jog_bound(const console *c, char *why, size_t wl); /* N */
void con_jog(console *c, int dir);
void con_jog_speed_step(console *c, int step);
void con_tare(console *c);
void con_zero(console *c);
/* every turn of the loop: stop a jog at its bound, confirm a tare/zero,
 * estimate the noise at rest */
void con_jog_poll(console *c);
/* The force a jog left on the specimen now (N), 0 when within the noise
 * or when no jog happened since the last test. */
double con_jog_preload(const console *c);

/* screens: draw and key (key returns true when it used the key) */
void scr_main_draw(console *c, const clayout *l);
bool scr_main_key(console *c, int k);
void scr_form_draw(console *c, const clayout *l);
bool scr_form_key(console *c, int k);
void scr_form_open(console *c);
void scr_picker_draw(console *c, const clayout *l);
bool scr_picker_key(console *c, int k);
void scr_picker_open(console *c);
void scr_results_draw(console *c, const clayout *l);
bool scr_results_key(console *c, int k);
void scr_batch_draw(console *c, const clayout *l);
bool scr_batch_key(console *c, int k);
void scr_modal_draw(console *c, int w, int h);
bool scr_modal_key(console *c, int k);

/* console_store.c: before curses, check the store opens, read today's
 * specimens into the batch table and (--series) the first specimen into
 * the form; 0 or the exit status (message on stderr). After a test, store
 * it (the run file read back as cv, its analysis a or NULL) and take the
 * series' next specimen; c->store_msg says what happened. */
int con_store_init(console *c);
void con_store_finish(console *c, const char *run_path, const curve *cv, const analysed *a);

/* the common frame: title, status, key hints */
void con_draw_frame(console *c, const clayout *l, const char *keys);

#endif
