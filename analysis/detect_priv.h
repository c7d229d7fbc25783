/* detect_priv.h — limits detect.c (the streaming detector) shares with
 * detect_curve.c (whole curves, parameters and stages in a result set).
 * Private to analysis/. */
#ifndef RIGOR_ANALYSIS_DETECT_PRIV_H
#define RIGOR_ANALYSIS_DETECT_PRIV_H

#define MAX_RATE_WIN 48 /* rate_window limit (RING minus debounce margin) */

#endif
