/* rt.c — see rt.h. The one place where Rigor asks for a scheduling policy
 * and translates the OS's refusal (errno, RLIMIT_RTPRIO, capabilities)
 * into text. */
#include "rt.h"

#include "../common/error.h"

#include <errno.h>
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
        return out->granted ? RIG_OK : RIG_EPERM;
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
    return e == EPERM ? RIG_EPERM : RIG_EINVAL;
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
        return RIG_OK;
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
        return RIG_OK;
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
