/* test_rehearse.c — every shipped protocol and every good test protocol,
 * run to its end on the in-process simulated frame (real Modbus TCP).
 *
 * Each file gets a preset (docs/sim.md) and, where the preset's cell or
 * specimen does not fit the protocol or a full run would take minutes,
 * simulator parameters (--param of rigor sim / rigor run): a bigger cell,
 * a smaller platen gap, a stiffer or earlier-breaking model. Two files hold
 * a step that takes minutes whatever the specimen (a 10 min hold, a ramp at
 * 2 N/s to 2 kN); for those the table names a textual substitution of that
 * value, and everything else runs as written. The assertion is the end
 * reason each protocol must reach on its specimen (a fracture, "protocol
 * complete", a limit): a protocol the validator accepts that the machine
 * cannot run to its planned end fails here.
 *
 * The runs go three at a time in child processes (each its own session and
 * simulator); the children report their end through a pipe.
 */
#include "../common/textfile.h"
#include "../session/session.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *path;
    const char *preset;
    const char *params[6];
    const char *from, *to; /* one textual substitution (slow step), or NULL */
    machine_end end;       /* the end it must reach */
    bool ext;              /* on the reference map with its extensometer mapped */
} rehearsal;

static const rehearsal cases[] = {
    /* the longest first, so the others run beside them */
    /* its position limit (0.039 mm of crosshead travel from the first zero)
     * includes the platen's gap: the limit ends it, after its on-limit unload */
    {"tests/data/protocols/good/all-steps.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, "ramp at 2 N/s", "ramp at 200 N/s", MEND_LIMIT, true},
    {"tests/data/protocols/good/densification-unload.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, NULL, NULL, MEND_COMPLETE, false},
    {"protocols/shipped/e-lpscl-film-tensile.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/p-lpscl-film-tensile.rigor", "p-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/peva-scaffold-tensile.rigor", "peva-scaffold", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/lpscl-pellet-compression.rigor", "lpscl-pellet", {"gap=0.02mm"}, NULL,
     NULL, MEND_FRACTURE, false},
    {"protocols/shipped/e-lpscl-film-compression.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, NULL, NULL, MEND_COMPLETE, false},
    /* 5 cycles to 10 N at 2 mm/min take 75 s on the 2 GPa film: E x 5 */
    {"protocols/shipped/cyclic-load-unload.rigor", "e-lpscl-film", {"E=10GPa"}, NULL, NULL,
     MEND_FRACTURE, false},
    /* the standards' strips on a 1 kN cell; D882's 100 mm gauge breaks at 3 % */
    {"protocols/shipped/astm-d882.rigor", "e-lpscl-film",
     {"capacity=1kN", "eps_u=2%", "eps_f=3%", "sigma_y=30MPa"}, NULL, NULL, MEND_FRACTURE, false},
    {"protocols/shipped/iso527-3-film.rigor", "e-lpscl-film", {"capacity=1kN"}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/iso604-compression.rigor", "lpscl-pellet",
     {"E=1GPa", "sigma_f=50MPa", "capacity=60kN", "gap=0.02mm"}, NULL, NULL, MEND_FRACTURE, false},
    {"protocols/shipped/stress-relaxation.rigor", "e-lpscl-film", {NULL}, "hold 10 min",
     "hold 3 s", MEND_COMPLETE, false},
    {"tests/data/protocols/good/crlf-bom.rigor", "lpscl-pellet", {"gap=0.02mm"}, NULL, NULL,
     MEND_FRACTURE, false},
    /* "force >= 10 N and time >= 5 s" holds at 5 s, before the break */
    {"tests/data/protocols/good/dnf.rigor", "e-lpscl-film", {NULL}, NULL, NULL, MEND_COMPLETE, false},
    {"tests/data/protocols/good/fracture-next.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_COMPLETE, false},
    /* no geometry: the preset's strip; it breaks (1.6 mm) before the 5 mm limit */
    {"tests/data/protocols/good/limit-bounded.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    /* the 2 mm ramp outlasts the film (fracture at 1.6 mm) */
    {"tests/data/protocols/good/units.rigor", "e-lpscl-film", {"capacity=1kN"}, NULL, NULL,
     MEND_FRACTURE, false},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* rigs/reference-tcp.ini with its commented-out extensometer block mapped
 * (the simulator serves unit 3), for protocols that use extension. */
static char ext_rig[64];

static bool make_ext_rig(void)
{
    snprintf(ext_rig, sizeof ext_rig, "/tmp/rigor-rehearse-rig-XXXXXX");
    int fd = mkstemp(ext_rig);
    FILE *in = fopen("rigs/reference-tcp.ini", "r"), *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    char line[512];
    bool block = false;
    while (in && out && fgets(line, sizeof line, in)) {
        if (!strncmp(line, "# --- extensometer", 18))
            block = true;
        else if (block && !strncmp(line, "# ", 2))
            memmove(line, line + 2, strlen(line + 2) + 1);
        else if (block && !strcmp(line, "#\n"))
            line[0] = '\n', line[1] = '\0';
        fputs(line, out);
    }
    bool ok = in && out && block;
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* In the child: run one case, write "END REASON" to fd. */
static void rehearse(const rehearsal *c, int fd, const char *dir, int k)
{
    char msg[512] = "";
    size_t len = 0;
    char *text = NULL;
    rigor_diag rd = {0};
    if (textfile_read(c->path, "the protocol", 1 << 20, 0, &text, &len, &rd) != RIGOR_OK) {
        snprintf(msg, sizeof msg, "-1 cannot read: %.400s", rd.msg);
        goto out;
    }
    if (c->from) {
        char *at = strstr(text, c->from);
        if (!at) {
            snprintf(msg, sizeof msg, "-1 '%s' not in the file", c->from);
            goto out;
        }
        size_t nf = strlen(c->from), nt = strlen(c->to);
        char *t2 = malloc(len - nf + nt + 1);
        memcpy(t2, text, (size_t)(at - text));
        memcpy(t2 + (at - text), c->to, nt);
        strcpy(t2 + (at - text) + nt, at + nf);
        free(text);
        text = t2;
    }
    size_t np = 0;
    while (np < 6 && c->params[np])
        np++;
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = c->preset;
    o.rig_path = c->ext ? ext_rig : NULL;
    o.sim_params = c->params;
    o.n_sim_params = np;
    o.who = "rehearse";
    run_session *s = NULL;
    char why[1400] = "";
    int rc = run_session_open(&o, &s, why, sizeof why);
    if (rc) {
        snprintf(msg, sizeof msg, "-1 open: %.400s", why);
        goto out;
    }
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    rc = run_session_parse_text(s, c->path, text, NULL, &p, d, 4, &nd);
    if (rc) {
        snprintf(msg, sizeof msg, "-1 invalid here: %.400s", nd ? d[0].msg : "?");
        run_session_close(s);
        goto out;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/%d.csv", dir, k);
    run_test_opts t = {path, "rehearsal", NULL, NULL, 240};
    rc = run_session_begin_test(s, p, &t, why, sizeof why);
    int phase = rc == RIGOR_OK ? RUN_BALANCE : -1;
    for (double t0 = now_s(); now_s() - t0 < 300 && phase != RUN_FINISHED && phase >= 0;)
        phase = run_session_poll(s, 0.05, why, sizeof why);
    run_result res;
    rc = run_session_end_test(s, &res, why, sizeof why);
    if (rc)
        snprintf(msg, sizeof msg, "-1 %.400s", why);
    else
        snprintf(msg, sizeof msg, "%d %s (%.1f s)", (int)res.end, res.end_reason,
                 res.duration_s);
    run_session_close(s);
out:
    free(text);
    if (write(fd, msg, strlen(msg)) < 0)
        _exit(2);
    _exit(0);
}

static void test_every_protocol(void)
{
    CHECK(make_ext_rig(), "the reference map with its extensometer: %s", ext_rig);
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/rigor-rehearse-XXXXXX");
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    pid_t pid[NCASES];
    int fd[NCASES];
    size_t next = 0, done = 0, running = 0;
    char got[NCASES][512];
    memset(got, 0, sizeof got);
    while (done < NCASES) {
        while (running < 3 && next < NCASES) {
            int pfd[2];
            if (pipe(pfd) != 0)
                break;
            fflush(stdout);
            pid_t c = fork();
            if (c == 0) {
                close(pfd[0]);
                rehearse(&cases[next], pfd[1], dir, (int)next);
            }
            close(pfd[1]);
            pid[next] = c;
            fd[next] = pfd[0];
            next++;
            running++;
        }
        int st;
        pid_t w = wait(&st);
        if (w < 0)
            break;
        for (size_t k = 0; k < next; k++)
            if (pid[k] == w) {
                ssize_t n = read(fd[k], got[k], sizeof got[k] - 1);
                got[k][n > 0 ? n : 0] = '\0';
                close(fd[k]);
                running--;
                done++;
                int end = atoi(got[k]);
                const char *text = strchr(got[k], ' ');
                CHECK(end == (int)cases[k].end, "%s on %s: ended '%s', want '%s'",
                      cases[k].path, cases[k].preset, text ? text + 1 : got[k],
                      machine_end_name(cases[k].end));
                printf("  %-52s %-26s %s\n", cases[k].path, cases[k].preset,
                       text ? text + 1 : got[k]);
            }
    }
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    unlink(ext_rig);
}

int main(void)
{
    TEST_RUN(test_every_protocol);
    TEST_END("test_rehearse");
}
