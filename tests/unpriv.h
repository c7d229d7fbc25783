/* unpriv.h — run part of a test where real-time scheduling is refused.
 *
 * unpriv_run() forks; the child sets RLIMIT_RTPRIO to 0 and, when it is
 * root, becomes nobody (65534: setuid drops every capability, CAP_SYS_NICE
 * with them), checks that it really holds neither, runs fn(report) and
 * sends the report back through a pipe. Tests include it after harness.h
 * (UNPRIV_RUN_OR_SKIP uses CHECK and SKIP).
 * The child ends with _exit: no atexit handlers, no LeakSanitizer pass
 * over a forked copy of the parent; SIGALRM ends it after 60 s.
 */
#ifndef RIGOR_TEST_UNPRIV_H
#define RIGOR_TEST_UNPRIV_H

#include "../rig/rt.h"

#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Returns 1 when the child ran fn and its report (len bytes) is in report;
 * 0 when the child could not be made unprivileged (why says how; the
 * caller skips); -1 when the child failed otherwise. */
static inline int unpriv_run(void (*fn)(void *report), void *report, size_t len, char *why,
                             size_t wl)
{
    int p[2];
    if (pipe(p) != 0) {
        snprintf(why, wl, "pipe failed");
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        snprintf(why, wl, "fork failed");
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        alarm(60); /* a child that hangs fails the case instead of the whole run */
        struct rlimit rl = {0, 0};
        int code = 0;
        if (setrlimit(RLIMIT_RTPRIO, &rl) != 0)
            code = 3;
        else if (geteuid() == 0 &&
                 (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            code = 4;
        else if (rt_cap_sys_nice() != 0)
            code = 5;
        if (!code) {
            fn(report);
            if (write(p[1], report, len) != (ssize_t)len)
                code = 6;
        }
        close(p[1]);
        fflush(stdout);
        _exit(code);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t n;
    while (got < len && (n = read(p[0], (char *)report + got, len - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    if (code == 3 || code == 4 || code == 5) {
        snprintf(why, wl, "%s",
                 code == 3   ? "setrlimit(RLIMIT_RTPRIO, 0) failed"
                 : code == 4 ? "cannot become nobody (uid 65534)"
                             : "still holds CAP_SYS_NICE without root");
        return 0;
    }
    if (code != 0 || got != len) {
        snprintf(why, wl, "child exit %d, %zu of %zu report bytes", code, got, len);
        return -1;
    }
    return 1;
}

/* In a test case: run fn in the unprivileged child with the report *rep;
 * skip the case with the reason when that cannot be arranged, fail and end
 * it when the child failed. */
#define UNPRIV_RUN_OR_SKIP(fn, rep)                                                            \
    do {                                                                                       \
        char unpriv_why[128];                                                                  \
        int unpriv_k = unpriv_run((fn), (rep), sizeof *(rep), unpriv_why, sizeof unpriv_why);  \
        CHECK(unpriv_k >= 0, "child: %s", unpriv_why);                                         \
        if (unpriv_k == 0)                                                                     \
            SKIP("%s", unpriv_why);                                                            \
        if (unpriv_k < 0)                                                                      \
            return;                                                                            \
    } while (0)

#endif
