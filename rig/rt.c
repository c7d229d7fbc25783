/* rt.c — see rt.h. The one place where Rigor asks for a scheduling policy
 * and translates the OS's refusal (errno, RLIMIT_RTPRIO, capabilities)
 * into text. */
#include "rt.h"

#include "../common/error.h"

#include <errno.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#define CAP_SYS_NICE_BIT 23 /* linux/capability.h */

int rt_cap_sys_nice(void)
{
    FILE *f = fopen("/proc/thread-self/status", "r");
    if (!f)
        f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int have = -1;
    while (have < 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7)) {
            char *end;
            unsigned long long eff = strtoull(line + 7, &end, 16);
            if (end != line + 7)
                have = (int)((eff >> CAP_SYS_NICE_BIT) & 1u);
        }
    fclose(f);
    return have;
}

/* Why the kernel said EPERM, as far as it can be told from here. */
static void explain_eperm(int priority, char *buf, size_t len)
{
    struct rlimit rl;
    bool rl_ok = getrlimit(RLIMIT_RTPRIO, &rl) == 0;
    bool rl_low = rl_ok && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)priority;
    if (rt_cap_sys_nice() == 0 && rl_low)
        snprintf(buf, len,
                 "RLIMIT_RTPRIO is %llu (needs %d) and no CAP_SYS_NICE; run as root or "
                 "raise rtprio in /etc/security/limits.conf",
                 (unsigned long long)rl.rlim_cur, priority);
    else
        snprintf(buf, len,
                 "refused although RLIMIT_RTPRIO or CAP_SYS_NICE allow it: a cgroup without "
                 "real-time runtime (cpu.rt_runtime_us 0) or a container's policy");
}

int rt_request(int priority, rt_status *out)
{
    memset(out, 0, sizeof *out);
    out->asked = true;
    struct sched_param sp = {.sched_priority = priority};
    int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (e == 0) {
        /* Report what is in effect, not what was asked for. */
        int policy = SCHED_OTHER;
        struct sched_param got = {0};
        pthread_getschedparam(pthread_self(), &policy, &got);
        out->granted = policy == SCHED_FIFO;
        out->priority = out->granted ? got.sched_priority : 0;
        snprintf(out->text, sizeof out->text, "SCHED_FIFO %d", out->priority);
        return out->granted ? RIGOR_OK : RIGOR_EPERM;
    }
    out->err = e;
    char why[140];
    if (e == EPERM)
        explain_eperm(priority, why, sizeof why);
    else
        snprintf(why, sizeof why, "%s (priority %d)", strerror(e), priority);
    snprintf(out->reason, sizeof out->reason, "%s: %s",
             e == EPERM    ? "EPERM"
             : e == EINVAL ? "EINVAL"
                           : "error",
             why);
    snprintf(out->text, sizeof out->text, "no (%s)", out->reason);
    return e == EPERM ? RIGOR_EPERM : RIGOR_EINVAL;
}

void rt_decline(const char *why, rt_status *out)
{
    memset(out, 0, sizeof *out);
    int policy = SCHED_OTHER;
    struct sched_param sp = {0};
    if (pthread_getschedparam(pthread_self(), &policy, &sp) == 0 && policy != SCHED_OTHER) {
        sp.sched_priority = 0;
        pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
    }
    snprintf(out->reason, sizeof out->reason, "%s", why);
    snprintf(out->text, sizeof out->text, "off (%s)", out->reason);
}

int rt_for_loop(rt_mode mode, double period_s, int priority, rt_status *out)
{
    if (mode == RT_OFF) {
        rt_decline("realtime = off", out);
        return RIGOR_OK;
    }
    /* NOTE: a loop that runs back to back (RIG_RATE_MAX, benchmarks only)
     * never runs SCHED_FIFO. It never sleeps, so a FIFO thread would hold a
     * core for 95 % of every second (sched_rt_runtime_us) and starve every
     * normal thread queued on that core: the sample consumer, the run-file
     * writer, an in-process simulator's accept thread, the kernel's
     * ksoftirqd and RCU threads. Without a deadline there is no period
     * jitter for it to improve either. */
    if (!(period_s > 0)) {
        rt_decline("back to back: a real-time thread that never sleeps would take a core",
                   out);
        return RIGOR_OK;
    }
    return rt_request(priority, out);
}

void rt_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) != 0 ||
        pthread_mutex_init(m, &a) != 0)
        pthread_mutex_init(m, NULL);
    pthread_mutexattr_destroy(&a);
}

static const char *const mode_names[] = {"auto", "required", "off"};

bool rt_mode_parse(const char *text, rt_mode *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(text, mode_names[i])) {
            *out = (rt_mode)i;
            return true;
        }
    return false;
}

const char *rt_mode_name(rt_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

/* ---- keeping idle CPUs awake (see rt.h) ---------------------------------- */

struct rt_awake {
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int reported;  /* spinners that have taken (or refused) SCHED_IDLE */
    int refused;   /* errno of the first refusal, 0 if none */
    int n;         /* threads created */
    pthread_t th[RT_AWAKE_MAX];
};

static void *awake_spin(void *arg)
{
    rt_awake *a = arg;
    struct sched_param sp = {.sched_priority = 0};
    int e = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    pthread_mutex_lock(&a->mu);
    a->reported++;
    if (e && !a->refused)
        a->refused = e;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    if (e)
        return NULL; /* never spin at any other policy */
    /* NOTE: a plain load, no PAUSE: a hypervisor's pause-loop exiting takes
     * a vCPU that executes PAUSE in a tight loop for a lock waiter and may
     * deschedule it — the very halt this thread is here to prevent. */
    while (!atomic_load_explicit(&a->stop, memory_order_relaxed))
        continue;
    return NULL;
}

static void awake_join(rt_awake *a)
{
    atomic_store(&a->stop, true);
    for (int i = 0; i < a->n; i++)
        pthread_join(a->th[i], NULL);
    a->n = 0;
}

rt_awake *rt_awake_new(char *why, size_t len)
{
    cpu_set_t mine;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof mine, &mine) != 0) {
        snprintf(why, len, "sched_getaffinity: %s", strerror(errno));
        return NULL;
    }
    rt_awake *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    atomic_init(&a->stop, false);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    int e = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && a->n < RT_AWAKE_MAX && !e; cpu++) {
        if (!CPU_ISSET(cpu, &mine))
            continue;
        pthread_attr_t at;
        pthread_attr_init(&at);
        /* The caller may be a SCHED_FIFO thread: explicit normal
         * scheduling, so the spinner never inherits it, even for the
         * instant before it lowers itself to SCHED_IDLE. */
        struct sched_param sp = {.sched_priority = 0};
        pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED);
        pthread_attr_setschedpolicy(&at, SCHED_OTHER);
        pthread_attr_setschedparam(&at, &sp);
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_attr_setaffinity_np(&at, sizeof one, &one);
        e = pthread_create(&a->th[a->n], &at, awake_spin, a);
        pthread_attr_destroy(&at);
        if (!e)
            a->n++;
    }
    pthread_mutex_lock(&a->mu);
    while (a->reported < a->n)
        pthread_cond_wait(&a->cv, &a->mu);
    int refused = a->refused;
    pthread_mutex_unlock(&a->mu);
    if (e || refused || a->n == 0) {
        if (e)
            snprintf(why, len, "cannot create a spinner thread: %s", strerror(e));
        else if (refused)
            snprintf(why, len, "SCHED_IDLE refused: %s", strerror(refused));
        else
            snprintf(why, len, "no CPU in this process's affinity mask");
        rt_awake_free(a);
        return NULL;
    }
    return a;
}

int rt_awake_cpus(const rt_awake *a)
{
    return a ? a->n : 0;
}

void rt_awake_free(rt_awake *a)
{
    if (!a)
        return;
    awake_join(a);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
