/* test_soak.c — fault soak of the driver against the simulated frame.
 *
 * The simulator (in-process, Modbus TCP on an ephemeral loopback port)
 * injects drop=0.02, corrupt=0.01, delay=0.02:30ms, exception=0.005 and
 * once closes every connection (disconnect-after). The driver pulls samples
 * at 100 Hz while the crosshead moves up and down (no specimen, so the
 * position is known and the force is noise); every 5 s it is stopped, freed
 * and connected anew (client-side reconnect), and the server-side
 * disconnect makes it reconnect by itself (FAULT, acknowledged here).
 *
 * Checked: no crash or hang (every wait is bounded), every sample finite and
 * within the frame's travel with a force that is noise, sequence numbers and
 * times strictly increasing within a session; the driver's error counters
 * equal the faults the simulator logged (drop -> timeout, or a lost link
 * when the disconnect falls into the wait; corrupt -> bad data, exception
 * -> exception, delay below the response timeout -> no error); RSS sampled every second stays flat after a warm-up (plain build;
 * under ASan the allocator's quarantine grows by design and LeakSanitizer
 * checks instead).
 *
 * Duration: SOAK_SECONDS (default 3 s, as a unit test); tests/it_soak.sh
 * runs 30 s in make check, make soak 600 s. */
#include "../rig/rig.h"
#include "../rig/sim/sim.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static int count_events(FILE *ev, const char *what)
{
    rewind(ev);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, ev))
        if (strstr(line, what))
            n++;
    return n;
}

static void add_stats(rig_stats *sum, const rig_stats *st)
{
    sum->samples += st->samples;
    sum->transactions += st->transactions;
    sum->retries += st->retries;
    sum->failed_cycles += st->failed_cycles;
    sum->errors_timeout += st->errors_timeout;
    sum->errors_crc += st->errors_crc;
    sum->errors_exception += st->errors_exception;
    sum->errors_baddata += st->errors_baddata;
    sum->errors_link += st->errors_link;
    sum->reconnects += st->reconnects;
    sum->dropped += st->dropped;
}

static rig_sample buf[4096];

static void test_soak(void)
{
    double dur = 3;
    const char *env = getenv("SOAK_SECONDS");
    if (env && atof(env) > 0)
        dur = atof(env);
    double disc = dur < 8 ? dur / 2 : 7; /* the one server-side disconnect */
    char faults[200];
    snprintf(faults, sizeof faults,
             "drop=0.02,corrupt=0.01,delay=0.02:30ms,exception=0.005,disconnect-after=%gs", disc);
    FILE *ev = tmpfile();
    CHECK(ev != NULL, "events file");
    if (!ev)
        return;
    sim_config sc;
    sim_config_init(&sc);
    sc.specimen = "none";
    sc.seed = 11;
    sc.faults = faults;
    sc.events = ev;
    sim *s = NULL;
    rigor_diag sd = {0};
    CHECK(sim_new_diag(&sc, &s, &sd) == RIGOR_OK, "sim_new: %s", sd.msg);
    int port = 0;
    CHECK(s && sim_start_tcp(s, NULL, 0, &port) == RIGOR_OK && port > 0, "sim on loopback");
    rig_config c;
    rigor_diag d = {0};
    CHECK(rigfile_load("rigs/reference-tcp.ini", &c, &d) == RIGOR_OK, "rig file: %s", d.msg);
    if (!s || !port) {
        sim_free(s);
        fclose(ev);
        return;
    }
    c.port = port;

    rig_stats sum;
    memset(&sum, 0, sizeof sum);
    long nsamples = 0, bad = 0, order = 0, faults_seen = 0, acks = 0, sessions = 0;
    long rss_first = -1, rss_max = 0, rss_last = -1;
    double t0 = now_s(), next_rss = t0 + 1, warm = t0 + (dur > 20 ? dur / 5 : dur / 2);
    char why[256] = "";
    bool ok = true;
    while (ok && now_s() - t0 < dur) {
        rig *r = NULL;
        ok = rig_new(&c, &r) == RIGOR_OK && rig_connect(r) == RIGOR_OK && rig_start(r, 100) == RIGOR_OK;
        CHECK(ok, "session %ld started", sessions);
        if (!ok) {
            rig_free(r);
            break;
        }
        sessions++;
        double ts = now_s(), last_t = -1, dir = 1, next_move = ts;
        uint64_t last_seq = 0;
        bool first = true;
        while (now_s() - ts < 5 && now_s() - t0 < dur) {
            double t = now_s();
            if (t >= next_move) {
                /* 2 mm/s for 0.5 s each way: +-1 mm, well inside the travel */
                if (rig_cmd_velocity(r, dir * 2e-3) == RIGOR_ESTATE) {
                    if (rig_state(r, why, sizeof why) == RIG_HEALTH_FAULT) {
                        faults_seen++;
                        if (rig_ack_fault(r) == RIGOR_OK)
                            acks++;
                    }
                } else {
                    dir = -dir;
                }
                next_move = t + 0.5;
            }
            rig_wait_samples(r, 0.05);
            size_t n = rig_poll_samples(r, buf, sizeof buf / sizeof buf[0]);
            for (size_t i = 0; i < n; i++) {
                const rig_sample *x = &buf[i];
                bool valid = isfinite(x->t_s) && isfinite(x->position_m) &&
                             isfinite(x->force_N) && fabs(x->force_N) < 1.0 &&
                             x->position_m > c.travel_min_m - 0.01 &&
                             x->position_m < c.travel_max_m + 0.01;
                if (!valid && bad++ < 5)
                    printf("  bad sample seq %llu: t %g pos %g force %g\n",
                           (unsigned long long)x->seq, x->t_s, x->position_m, x->force_N);
                if (!first && (x->seq <= last_seq || x->t_s <= last_t))
                    order++;
                first = false;
                last_seq = x->seq;
                last_t = x->t_s;
            }
            nsamples += (long)n;
            if (t >= next_rss) {
                long kb = rss_kb();
                if (t >= warm && rss_first < 0)
                    rss_first = kb;
                if (rss_first >= 0 && kb > rss_max)
                    rss_max = kb;
                rss_last = kb;
                next_rss = t + 1;
            }
        }
        rig_cmd_stop(r);
        rig_stop(r); /* no more traffic from this session: its counts are final */
        rig_stats st;
        rig_stats_get(r, &st);
        add_stats(&sum, &st);
        rig_free(r);
    }
    sim_stop(s); /* every fault it injected is in the events file now */
    fflush(ev);
    int drop = count_events(ev, "fault drop"), corrupt = count_events(ev, "fault corrupt");
    int delay = count_events(ev, "fault delay"), exc = count_events(ev, "fault exception");
    int disconnect = count_events(ev, "fault disconnect");
    printf("  info: %.0f s, %ld sessions, %ld samples, %llu transactions; injected drop %d, "
           "corrupt %d, delay %d, exception %d, disconnect %d; driver: timeout %llu, bad data "
           "%llu, exception %llu, crc %llu, link %llu, reconnects %llu, retries %llu, failed "
           "cycles %llu, dropped %llu; FAULTs acknowledged %ld/%ld; RSS after warm-up %ld kB, "
           "max %ld kB, last %ld kB\n",
           now_s() - t0, sessions, nsamples, (unsigned long long)sum.transactions, drop, corrupt,
           delay, exc, disconnect, (unsigned long long)sum.errors_timeout,
           (unsigned long long)sum.errors_baddata, (unsigned long long)sum.errors_exception,
           (unsigned long long)sum.errors_crc, (unsigned long long)sum.errors_link,
           (unsigned long long)sum.reconnects, (unsigned long long)sum.retries,
           (unsigned long long)sum.failed_cycles, (unsigned long long)sum.dropped, acks,
           faults_seen, rss_first, rss_max, rss_last);
    CHECK(nsamples > (long)(dur * 50), "%ld samples in %.0f s at 100 Hz", nsamples, dur);
    CHECK(bad == 0, "%ld of %ld samples invalid", bad, nsamples);
    CHECK(order == 0, "%ld samples out of order", order);
    CHECK(drop + corrupt + exc > 0 || dur < 2, "faults were injected");
    /* A dropped reply is a timeout, except when the server closes the
     * connection while the driver waits for it: then it is a lost link. One
     * request is in flight at a time, so at most one per disconnect.
     * On a loaded machine an answer can also come later than the 100 ms
     * response timeout without any injected fault ("late"): one extra
     * timeout, and its late answer may then be read as a bad reply (wrong
     * transaction id) before the flush. So: every drop is a timeout (or the
     * lost link), every corrupt reply is bad data, exceptions match exactly,
     * and whatever is left over is explained by late answers, which must be
     * rare. A driver that turned a corrupt reply into a timeout, or missed a
     * drop, fails. */
    long lost = (long)drop - (long)sum.errors_timeout;
    long late = (long)sum.errors_timeout - ((long)drop - (lost > 0 ? lost : 0));
    long late_bad = (long)sum.errors_baddata - corrupt;
    printf("  info: late answers (timeouts without an injected fault): %ld, of them read as "
           "bad data: %ld\n",
           late, late_bad);
    CHECK(lost <= disconnect && (long)sum.errors_link >= (lost > 0 ? lost : 0),
          "every drop is a timeout: timeouts %llu, drops %d (%ld ended by the disconnect)",
          (unsigned long long)sum.errors_timeout, drop, lost > 0 ? lost : 0);
    CHECK(late_bad >= 0 && late_bad <= late, "bad data %llu == corrupt %d (+ %ld late answers)",
          (unsigned long long)sum.errors_baddata, corrupt, late);
    CHECK(late <= (long)(sum.transactions / 200) + 2, "late answers rare: %ld of %llu", late,
          (unsigned long long)sum.transactions);
    CHECK((int)sum.errors_exception == exc, "exceptions %llu == injected %d",
          (unsigned long long)sum.errors_exception, exc);
    CHECK(sum.errors_crc == 0, "no CRC errors on TCP");
    CHECK(disconnect == 1, "one server-side disconnect (%d)", disconnect);
    if (disconnect)
        CHECK(sum.errors_link >= 1 && sum.reconnects >= 1,
              "the disconnect was seen (%llu) and the driver reconnected (%llu)",
              (unsigned long long)sum.errors_link, (unsigned long long)sum.reconnects);
    if (UNDER_ASAN) {
        printf("  info: RSS not judged under ASan (quarantine); LeakSanitizer runs at exit\n");
    } else if (rss_first > 0) {
        /* flat: at most 2 MB or 10 % above the first sample after warm-up */
        long lim = rss_first + (rss_first / 10 > 2048 ? rss_first / 10 : 2048);
        CHECK(rss_max <= lim, "RSS flat: max %ld kB <= %ld kB (after warm-up %ld kB)", rss_max,
              lim, rss_first);
    }
    sim_free(s);
    fclose(ev);
}

int main(void)
{
    TEST_RUN(test_soak);
    TEST_END("test_soak");
}
