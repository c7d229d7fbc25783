/* session_priv.h — what the session's files share (not for other modules). */
#ifndef RIGOR_SESSION_PRIV_H
#define RIGOR_SESSION_PRIV_H

#include "../analysis/curve.h"
#include "../protocols/protocol.h"

#include <stdio.h>

/* A progress line to f (may be NULL), flushed. */
void session_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The reference rig file: ./rigs/reference-tcp.ini, else next to the
 * binary (../rigs/). */
void session_default_rig_path(char *buf, size_t len);

/* The simulated specimen the protocol's geometry describes (NAN elsewhere). */
curve_geom session_sim_geom_of(const protocol *p);

#endif
