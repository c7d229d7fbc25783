/* rt.h — real-time scheduling for the threads that keep time.
 *
 * One job: ask the operating system to run the calling thread under
 * SCHED_FIFO at a given priority, and say what was granted — or, when it
 * was refused, why, in words an operator can act on. The acquisition
 * thread (rig/acq.c) and the simulator's serving threads (rig/sim*.c) use
 * it. Under a normal scheduler a 1 kHz loop on a loaded machine waits for
 * its turn behind every busy process; a FIFO thread that is woken runs at
 * once (docs/performance.md: p99 period jitter 1.6-1.9 ms under two busy
 * loops without it, tens of microseconds with it).
 *
 * Nothing here fails silently: every call fills an rt_status whose text
 * goes to rig_stats, the run-file header, `rigor run`'s output and the
 * simulator's event log.
 */
#ifndef RIGOR_RT_H
#define RIGOR_RT_H

#include <pthread.h>
#include <stdbool.h>

/* What a rig file's `realtime` key asks for (docs/rigfile.md). */
typedef enum {
    RT_AUTO = 0, /* ask; if refused, run normally and report why */
    RT_REQUIRED, /* ask; if refused, do not run (rig_start: RIGOR_EPERM) */
    RT_OFF       /* never ask */
} rt_mode;

/* SCHED_FIFO priorities (1..99 on Linux, all above every normal thread).
 * Both stay well below the kernel's threaded interrupt handlers (FIFO 50)
 * and its migration and watchdog threads (FIFO 99), so the network stack's
 * interrupts and the kernel still preempt us. (ksoftirqd and the RCU
 * threads are normal threads on Linux, so no FIFO priority is below them;
 * what keeps them running is that our threads sleep between requests.)
 * The simulator's serving threads sit above the acquisition thread: in
 * process, the answer to the acquisition thread's request must never wait
 * behind its client, as a real device's would not.
 * NOTE: Linux throttles real-time threads to sched_rt_runtime_us (default
 * 950 ms) of every sched_rt_period_us (1 s) per CPU: a FIFO thread that
 * never sleeps cannot lock the machine up, but it takes a core and stalls
 * for the remaining 50 ms of each second. Only threads that wait for a
 * deadline or a request may ask. */
#define RT_PRIO_ACQ 20
#define RT_PRIO_SIM 30

/* What the calling thread got. */
typedef struct {
    bool asked;       /* rt_request was called (false: declined, or not started yet) */
    bool granted;     /* the thread runs SCHED_FIFO at `priority` */
    int priority;     /* the granted priority, 0 otherwise */
    int err;          /* errno of the refusal (EPERM, EINVAL), 0 otherwise */
    char reason[160]; /* why not: "EPERM: RLIMIT_RTPRIO is 0 ...", or the caller's
                         reason for declining; "" when granted */
    char text[176];   /* one line for people and run files: "SCHED_FIFO 20",
                         "no (<reason>)" or "off (<reason>)"; "" before the thread
                         has decided */
} rt_status;

/* Ask for SCHED_FIFO at priority (1..99) for the calling thread. Returns
 * RIGOR_OK when granted; RIGOR_EPERM when the OS refused (no CAP_SYS_NICE and
 * RLIMIT_RTPRIO below priority, a cgroup without real-time runtime, a
 * container's policy), RIGOR_EINVAL for a priority out of range. The thread
 * then keeps its scheduling; *out says which, and why. */
int rt_request(int priority, rt_status *out);

/* Do not ask, and make sure the calling thread runs under the normal
 * scheduler (threads inherit their creator's policy: a thread created by a
 * FIFO thread would otherwise stay FIFO). *out reads "off (why)". */
void rt_decline(const char *why, rt_status *out);

/* The scheduling of a thread that runs a loop of period_s (0 = back to
 * back, never sleeping) under mode: RT_OFF and back to back decline
 * (rt_decline), anything else asks for priority (rt_request). The
 * acquisition thread takes it, and so does the benchmark's bare libmodbus
 * loop, so that the two are compared at the same scheduling. Returns
 * rt_request's code, RIGOR_OK when declined. */
int rt_for_loop(rt_mode mode, double period_s, int priority, rt_status *out);

/* A mutex that a real-time thread shares with normal threads: with
 * priority inheritance, a normal thread holding it runs at the waiter's
 * priority until it unlocks, so a busy machine cannot hold the FIFO thread
 * behind it (priority inversion). Falls back to a default mutex where the
 * protocol is not supported. */
void rt_mutex_init(pthread_mutex_t *m);

/* Whether the calling thread holds CAP_SYS_NICE (its effective set, read
 * from /proc without libcap): 1, 0, or -1 when it cannot be told. */
int rt_cap_sys_nice(void);

/* "auto", "required", "off" (any case) -> *out; false for anything else. */
bool rt_mode_parse(const char *text, rt_mode *out);
const char *rt_mode_name(rt_mode m);

/* ---- keeping idle CPUs awake -------------------------------------------
 * A thread woken on an idle CPU runs only once that CPU is awake again.
 * On bare metal that is microseconds (and cpuidle keeps it so for a
 * real-time load); in a virtual machine whose idle vCPUs halt, the wake-up
 * goes through the hypervisor and can take milliseconds, and a 1 kHz loop
 * wakes several threads a cycle: itself, and for every request the peer
 * that answers it (an in-process simulator's threads). An rt_awake keeps
 * every CPU of the process busy with a thread that spins at SCHED_IDLE,
 * the lowest policy there is: any other thread that becomes runnable on
 * that CPU preempts it at once, inside the guest, with no halted vCPU to
 * wake (docs/performance.md: p99 period jitter at 1 kHz on the idle
 * benchmark VM 138 us without, 19 us with, against 18 us for a bare
 * libmodbus loop kept awake the same way). The cost is every CPU at
 * 100 % while it runs (power, heat, a laptop's fan), so it is a rig-file
 * choice (`[safety] keep_awake`), off by default. */
typedef struct rt_awake rt_awake;

/* Start one SCHED_IDLE spinner on each CPU the calling process may run on
 * (sched_getaffinity; at most RT_AWAKE_MAX), each pinned to its CPU and
 * created under the normal scheduler whatever the caller's policy, so a
 * spinner can never run real-time. Returns the handle, or NULL with why
 * filled when a thread cannot be created or refuses SCHED_IDLE (then no
 * spinner is left running). */
#define RT_AWAKE_MAX 256
rt_awake *rt_awake_new(char *why, size_t len);

/* How many CPUs it keeps awake. */
int rt_awake_cpus(const rt_awake *a);

/* Stop and join the spinners. NULL is fine. */
void rt_awake_free(rt_awake *a);

#endif
