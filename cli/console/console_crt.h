/* console_crt.h — the console's terminal layer (the only user of curses).
 *
 * Text is UTF-8 (the locale is set from the environment; ncursesw draws
 * braille and box characters); coordinates are (row, column) from the top
 * left; everything drawn is clipped to the screen. Keys come back as
 * characters or CK_* codes. crt_init installs the signal handlers: SIGINT
 * and SIGTERM set a flag the loop reads (crt_signalled), fatal signals
 * restore the terminal before the default action; SIGWINCH is ncurses'
 * own (a CK_RESIZE key).
 */
#ifndef RIGOR_CONSOLE_CRT_H
#define RIGOR_CONSOLE_CRT_H

enum {
    CA_NORMAL = 0,
    CA_BOLD,
    CA_TITLE, /* title and key bar */
    CA_KEY,   /* a key name in the hints */
    CA_ALERT, /* faults, stop */
    CA_DIM,
    CA_OK,
    CA_WARN,
    CA_SEL, /* selected line */
    CA_PLOT,
    CA_MARK
};

enum {
    CK_NONE = -1,
    CK_UP = 0x1000,
    CK_DOWN,
    CK_LEFT,
    CK_RIGHT,
    CK_ENTER,
    CK_BACKSPACE,
    CK_ESC,
    CK_TAB,
    CK_BTAB,
    CK_RESIZE,
    CK_PGUP,
    CK_PGDN
};

int crt_init(void);  /* 0, or -1 when the terminal cannot be used */
void crt_done(void); /* restore the terminal; idempotent */
void crt_size(int *w, int *h);
void crt_erase(void);
void crt_put(int y, int x, int attr, const char *utf8);
void crt_putn(int y, int x, int cols, int attr, const char *utf8); /* at most cols columns */
void crt_printf(int y, int x, int attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void crt_fill(int y, int x, int w, int attr);
void crt_box(int y, int x, int h, int w, int attr, const char *title);
void crt_flush(void);
int crt_key(int timeout_ms);
int crt_signalled(void); /* the SIGINT/SIGTERM number received, or 0 */

#endif
