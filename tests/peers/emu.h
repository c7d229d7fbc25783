/* emu.h — start and stop the pymodbus emulator (emulator_pymodbus.py) from a
 * C test program. The emulator binds 127.0.0.1 on a free port (port 0) and
 * prints "PORT n"; its later stdout lines are events ("EVENT watchdog ..."). */
#ifndef RIGOR_TEST_EMU_H
#define RIGOR_TEST_EMU_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    int fd; /* its stdout */
    int port;
    char out[65536]; /* everything it printed so far */
    size_t len;
} emu;

static inline void emu_drain(emu *e, int wait_ms)
{
    struct pollfd p = {e->fd, POLLIN, 0};
    while (e->fd >= 0 && poll(&p, 1, wait_ms) > 0) {
        ssize_t n = read(e->fd, e->out + e->len, sizeof e->out - 1 - e->len);
        if (n <= 0)
            break;
        e->len += (size_t)n;
        e->out[e->len] = '\0';
        wait_ms = 0;
    }
}

static inline bool emu_available(void)
{
    return access("/usr/bin/python3", X_OK) == 0 &&
           system("/usr/bin/python3 -c 'import pymodbus.server' >/dev/null 2>&1") == 0;
}

/* Count occurrences of a string in what the emulator printed. */
static inline int emu_count(const emu *e, const char *what)
{
    int n = 0;
    for (const char *p = e->out; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* Start with extra args (NULL-terminated list), port 0 unless port > 0. */
static inline bool emu_start(emu *e, int port, const char *const *extra)
{
    memset(e, 0, sizeof *e);
    int pfd[2];
    if (pipe(pfd) != 0)
        return false;
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *argv[32] = {"/usr/bin/python3", "tests/peers/emulator_pymodbus.py", "--port",
                            portbuf};
    int n = 4;
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    e->pid = fork();
    if (e->pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    e->fd = pfd[0];
    for (int i = 0; i < 200; i++) { /* up to 10 s: python start-up on a busy machine */
        emu_drain(e, 50);
        char *p = strstr(e->out, "PORT ");
        if (p && strchr(p, '\n')) {
            e->port = atoi(p + 5); /* 0 for an RTU emulator */
            return e->port >= 0;
        }
        if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
            e->pid = 0;
            return false;
        }
    }
    return false;
}

static inline void emu_kill(emu *e)
{
    if (e->pid > 0) {
        kill(e->pid, SIGKILL);
        waitpid(e->pid, NULL, 0);
        e->pid = 0;
    }
    emu_drain(e, 0);
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
}

#endif
