/* test_rt.c — real-time scheduling (rig/rt.h).
 *
 * The rig file's words, a grant where the process may have SCHED_FIFO
 * (root, CAP_SYS_NICE or RLIMIT_RTPRIO), a refusal with its reason in a
 * forked child that may not (unpriv.h), and a decline that leaves an
 * inherited FIFO policy. Cases that need a privilege the process lacks, or
 * a refusal it cannot arrange, are skipped with the reason. No timing is
 * asserted.
 */
#include "../common/error.h"
#include "../rig/rt.h"
#include "harness.h"
#include "unpriv.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

/* May this process have SCHED_FIFO RT_PRIO_SIM? (root or CAP_SYS_NICE, or a
 * high enough RLIMIT_RTPRIO; a cgroup may still refuse, then cases skip) */
static bool may_rt(void)
{
    struct rlimit rl;
    if (rt_cap_sys_nice() == 1)
        return true;
    return getrlimit(RLIMIT_RTPRIO, &rl) == 0 &&
           (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= RT_PRIO_SIM);
}

static int policy_of_self(int *prio)
{
    int policy = -1;
    struct sched_param sp = {0};
    pthread_getschedparam(pthread_self(), &policy, &sp);
    *prio = sp.sched_priority;
    return policy;
}

static void test_mode_words(void)
{
    static const char *const words[] = {"auto", "required", "off"};
    for (int i = 0; i < 3; i++) {
        rt_mode m = (rt_mode)-1;
        CHECK(rt_mode_parse(words[i], &m) && m == (rt_mode)i, "'%s'", words[i]);
        CHECK(!strcmp(rt_mode_name(m), words[i]), "name of %d: %s", i, rt_mode_name(m));
    }
    rt_mode m = RT_OFF;
    CHECK(rt_mode_parse("AUTO", &m) && m == RT_AUTO, "case-insensitive");
    static const char *const bad[] = {"", "yes", "on", "fifo", "auto ", "requiredx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!rt_mode_parse(bad[i], &m), "'%s' accepted", bad[i]);
    CHECK(RT_AUTO == 0, "a zeroed config means auto");
}

/* ---- the module in a thread of its own ---------------------------------- */

typedef struct {
    int rc;
    rt_status st, off;
    int policy, prio;         /* after rt_request */
    int policy_after;         /* after rt_decline */
    int child_policy;         /* a thread created by the FIFO thread, before it declines */
    int child_policy_decline; /* and after */
} grant_report;

static void *child_declines(void *arg)
{
    grant_report *g = arg;
    int prio;
    g->child_policy = policy_of_self(&prio);
    rt_status st;
    rt_decline("test", &st);
    g->child_policy_decline = policy_of_self(&prio);
    return NULL;
}

static void *grant_thread(void *arg)
{
    grant_report *g = arg;
    g->rc = rt_request(RT_PRIO_ACQ, &g->st);
    g->policy = policy_of_self(&g->prio);
    pthread_t th;
    if (pthread_create(&th, NULL, child_declines, g) == 0)
        pthread_join(th, NULL);
    rt_decline("done", &g->off);
    int prio;
    g->policy_after = policy_of_self(&prio);
    return NULL;
}

static void test_granted(void)
{
    if (!may_rt())
        SKIP("this process may not have SCHED_FIFO (not root, no CAP_SYS_NICE, "
             "RLIMIT_RTPRIO below %d)",
             RT_PRIO_SIM);
    grant_report g;
    memset(&g, 0, sizeof g);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, grant_thread, &g) == 0, "thread");
    pthread_join(th, NULL);
    if (g.rc == RIG_EPERM)
        SKIP("privileged, but the OS refused: %s", g.st.text);
    CHECK(g.rc == RIG_OK && g.st.asked && g.st.granted && g.st.err == 0, "granted: %s",
          g.st.text);
    CHECK(g.st.priority == RT_PRIO_ACQ && !strcmp(g.st.text, "SCHED_FIFO 20") &&
              !g.st.reason[0],
          "status %d '%s' '%s'", g.st.priority, g.st.text, g.st.reason);
    CHECK(g.policy == SCHED_FIFO && g.prio == RT_PRIO_ACQ, "in effect: policy %d prio %d",
          g.policy, g.prio);
    CHECK(g.child_policy == SCHED_FIFO, "a thread it creates inherits FIFO (policy %d)",
          g.child_policy);
    CHECK(g.child_policy_decline == SCHED_OTHER, "which rt_decline leaves (policy %d)",
          g.child_policy_decline);
    CHECK(g.policy_after == SCHED_OTHER && !g.off.asked && !g.off.granted &&
              !strcmp(g.off.text, "off (done)"),
          "declined: policy %d '%s'", g.policy_after, g.off.text);
}

static void test_priority_out_of_range(void)
{
    rt_status st;
    CHECK(rt_request(100, &st) == RIG_EINVAL, "priority 100: %s", st.text);
    CHECK(!st.granted && st.err == EINVAL && !strncmp(st.text, "no (EINVAL: ", 12),
          "refused: %s", st.text);
    int prio;
    CHECK(policy_of_self(&prio) == SCHED_OTHER, "the thread keeps its policy");
}

static void refused_child(void *rep)
{
    grant_report *g = rep;
    g->rc = rt_request(RT_PRIO_ACQ, &g->st);
    g->policy = policy_of_self(&g->prio);
}

static void test_refused(void)
{
    grant_report g;
    memset(&g, 0, sizeof g);
    char why[128];
    int k = unpriv_run(refused_child, &g, sizeof g, why, sizeof why);
    CHECK(k >= 0, "child: %s", why);
    if (k == 0)
        SKIP("%s", why);
    if (k < 0)
        return;
    CHECK(g.rc == RIG_EPERM && g.st.asked && !g.st.granted && g.st.err == EPERM &&
              g.st.priority == 0,
          "refused: rc %d err %d '%s'", g.rc, g.st.err, g.st.text);
    CHECK(!strcmp(g.st.text, "no (EPERM: RLIMIT_RTPRIO is 0 (needs 20) and no CAP_SYS_NICE; "
                             "run as root or raise rtprio in /etc/security/limits.conf)"),
          "reason: '%s'", g.st.text);
    CHECK(!strncmp(g.st.reason, "EPERM: RLIMIT_RTPRIO is 0", 25), "reason field '%s'",
          g.st.reason);
    CHECK(g.policy == SCHED_OTHER, "still a normal thread (policy %d)", g.policy);
}

int main(void)
{
    /* the forked case first, while this process has no other threads */
    TEST_RUN(test_refused);
    TEST_RUN(test_mode_words);
    TEST_RUN(test_granted);
    TEST_RUN(test_priority_out_of_range);
    TEST_END("test_rt");
}
