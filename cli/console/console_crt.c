/* console_crt.c — curses set-up, drawing, keys, signals and teardown.
 *
 * The one file of Rigor that includes curses. The terminal is restored on
 * every way out: crt_done from the loop, atexit for an exit() in a library,
 * and the fatal-signal handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT)
 * which calls endwin and then re-raises with the default action, as htop
 * does. SIGINT/SIGTERM only set a flag: the loop stops the test, closes the
 * run file and returns.
 */
#include "console_crt.h"

#include "console.h"

#ifdef HAVE_NCURSESW_CURSES_H
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t active;
static int have_colour;

static void on_stop_signal(int sig)
{
    got_signal = sig;
}

static void on_fatal_signal(int sig)
{
    if (active) {
        active = 0;
        endwin(); /* best effort: the process is going down anyway */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit(void)
{
    crt_done();
}

int crt_signalled(void)
{
    return got_signal;
}

int crt_init(void)
{
    setlocale(LC_ALL, "");
    if (!initscr())
        return -1;
    active = 1;
    static int registered;
    if (!registered) {
        atexit(at_exit);
        registered = 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: getch returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);
    cbreak(); /* Ctrl-C stays a signal */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    have_colour = has_colors();
    if (have_colour) {
        start_color();
        use_default_colors();
        init_pair(1, COLOR_BLACK, COLOR_CYAN);  /* title */
        init_pair(2, COLOR_CYAN, -1);           /* key */
        init_pair(3, COLOR_WHITE, COLOR_RED);   /* alert */
        init_pair(4, COLOR_GREEN, -1);          /* ok */
        init_pair(5, COLOR_YELLOW, -1);         /* warn */
        init_pair(6, COLOR_BLACK, COLOR_WHITE); /* selection */
        init_pair(7, COLOR_GREEN, -1);          /* plot */
        init_pair(8, COLOR_RED, -1);            /* markers */
    }
    return 0;
}

void crt_done(void)
{
    if (!active)
        return;
    active = 0;
    curs_set(1);
    endwin();
}

void crt_size(int *w, int *h)
{
    *w = COLS;
    *h = LINES;
}

void crt_erase(void)
{
    erase();
}

static attr_t attr_of(int a)
{
    switch (a) {
    case CA_BOLD: return A_BOLD;
    case CA_TITLE: return have_colour ? COLOR_PAIR(1) : A_REVERSE;
    case CA_KEY: return have_colour ? COLOR_PAIR(2) | A_BOLD : A_BOLD;
    case CA_ALERT: return have_colour ? COLOR_PAIR(3) | A_BOLD : A_REVERSE | A_BOLD;
    case CA_DIM: return A_DIM;
    case CA_OK: return have_colour ? COLOR_PAIR(4) : A_NORMAL;
    case CA_WARN: return have_colour ? COLOR_PAIR(5) | A_BOLD : A_BOLD;
    case CA_SEL: return have_colour ? COLOR_PAIR(6) : A_REVERSE;
    case CA_PLOT: return have_colour ? COLOR_PAIR(7) : A_NORMAL;
    case CA_MARK: return have_colour ? COLOR_PAIR(8) | A_BOLD : A_BOLD;
    default: return A_NORMAL;
    }
}

void crt_put(int y, int x, int attr, const char *s)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS)
        return;
    char buf[2048];
    cutf8_clip(buf, sizeof buf, s, (size_t)(COLS - x));
    attr_t a = attr_of(attr);
    attron(a);
    mvaddstr(y, x, buf);
    attroff(a);
}

void crt_putn(int y, int x, int cols, int attr, const char *s)
{
    if (cols <= 0)
        return;
    char buf[2048];
    cutf8_clip(buf, sizeof buf, s, (size_t)cols);
    crt_put(y, x, attr, buf);
}

void crt_printf(int y, int x, int attr, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    crt_put(y, x, attr, buf);
}

void crt_fill(int y, int x, int w, int attr)
{
    if (y < 0 || y >= LINES || w <= 0)
        return;
    attr_t a = attr_of(attr);
    attron(a);
    for (int i = x; i < x + w && i < COLS; i++)
        if (i >= 0)
            mvaddch(y, i, ' ');
    attroff(a);
}

void crt_box(int y, int x, int h, int w, int attr, const char *title)
{
    if (h < 2 || w < 2)
        return;
    char line[2048];
    size_t k = 0;
    for (int i = 0; i < w - 2 && k + 4 < sizeof line; i++, k += 3)
        memcpy(line + k, "─", 3);
    line[k] = '\0';
    crt_fill(y, x, w, CA_NORMAL);
    crt_put(y, x, attr, "┌");
    crt_put(y, x + 1, attr, line);
    crt_put(y, x + w - 1, attr, "┐");
    for (int r = y + 1; r < y + h - 1; r++) {
        crt_fill(r, x, w, CA_NORMAL);
        crt_put(r, x, attr, "│");
        crt_put(r, x + w - 1, attr, "│");
    }
    crt_put(y + h - 1, x, attr, "└");
    crt_put(y + h - 1, x + 1, attr, line);
    crt_put(y + h - 1, x + w - 1, attr, "┘");
    if (title && *title)
        crt_printf(y, x + 2, CA_BOLD, " %s ", title);
}

void crt_flush(void)
{
    refresh();
}

int crt_key(int timeout_ms)
{
    timeout(timeout_ms);
    int c = getch();
    switch (c) {
    case ERR: return CK_NONE;
    case KEY_UP: return CK_UP;
    case KEY_DOWN: return CK_DOWN;
    case KEY_LEFT: return CK_LEFT;
    case KEY_RIGHT: return CK_RIGHT;
    case KEY_ENTER:
    case '\n':
    case '\r': return CK_ENTER;
    case KEY_BACKSPACE:
    case 127:
    case 8: return CK_BACKSPACE;
    case 27: return CK_ESC;
    case '\t': return CK_TAB;
    case KEY_BTAB: return CK_BTAB;
    case KEY_RESIZE: return CK_RESIZE;
    case KEY_PPAGE: return CK_PGUP;
    case KEY_NPAGE: return CK_PGDN;
    default: return c >= 0 && c < 256 ? c : CK_NONE;
    }
}
