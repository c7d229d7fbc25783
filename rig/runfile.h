/* runfile.h — crash-safe run files: one self-describing CSV per test run.
 *
 * Format (docs/rigfile.md has the full description; the importer reads it):
 *   # rigor-run 1
 *   # key: value            header: rigor_version, start_utc, rig, regmap_sha256,
 *                           realtime, specimen, test, width_mm, thickness_mm, gauge_length_mm,
 *                           diameter_mm, height_mm, area_mm2, protocol, note, jog_preload_N,
 *                           watchdog, force_class, extensometer_class,
 *                           geometry_resolution_mm, units
 *   time_s,position_mm,force_N[,extension_mm],stage,invalid
 *   rows...                 (stage text may be empty; `invalid` is empty for a
 *                           valid sample, else "force", "position", "extension"
 *                           joined by '+', and those cells are empty)
 *   # end_reason: <reason>  trailer, then "# key: value" acquisition statistics
 * The file is created with O_EXCL (a run is never overwritten). Rows are
 * formatted by the caller's thread into a buffer and written by a writer
 * thread at least every 100 ms, whole lines only, so after kill -9 at most
 * the last 100 ms are missing and every complete line is valid. A file
 * without a trailer is an interrupted run. A full disk is reported to the
 * caller (RIGOR_EFULL) and the data written so far stays.
 */
#ifndef RIGOR_RUNFILE_H
#define RIGOR_RUNFILE_H

#include "rig.h"

#include <stdbool.h>

typedef struct runfile runfile;

/* Header fields. Strings may be NULL (line omitted, except rigor_version,
 * start_utc, rig and regmap_sha256, which are always written); lengths in
 * metres and area in m^2 are SI here and written in mm / mm^2; NAN = unknown
 * (line omitted). Newlines in strings are written as " / ". */
typedef struct {
    const char *rigor_version;
    const char *rig;           /* rig file path */
    const char *regmap_sha256; /* rig_config.sha256 */
    const char *realtime;      /* the acquisition thread's scheduling (rig_stats.realtime.text:
                                  "SCHED_FIFO 20", "no (EPERM: ...)", "off (...)") */
    const char *watchdog; /* the drive watchdog as written (rig_config.watchdog_text:
                             "2 s (2 counts of 1 s)", "off (rig file line 22)"); NULL = none */
    const char *specimen;
    const char *test; /* "tensile" or "compression" */
    double width_m, thickness_m, gauge_length_m, diameter_m, height_m, area_m2;
    double compliance_m_per_N; /* frame compliance used live (NAN = none) */
    const char *protocol; /* protocol name or text */
    const char *note;     /* operator note */
    bool extension;       /* write the extension_mm column */
    double jog_preload_N; /* force a jog left on the specimen before the test (NAN = none) */
    /* the rig file's [calibration], for `rigor analyze --uncertainty` (NAN = not stated) */
    double force_class_pct;        /* ISO 7500-1 class */
    double extensometer_class_pct; /* ISO 9513 class */
    double geometry_resolution_m;  /* the specimen-measuring instrument's resolution */
} runfile_header;

/* A header with NULL strings and NAN numbers. */
runfile_header runfile_header_empty(void);

/* Create path (O_EXCL) and write the header. RIGOR_EEXIST if it exists,
 * RIGOR_EIO on other errors. Starts the writer thread. */
int runfile_open(const char *path, const runfile_header *h, runfile **out);

/* Queue one row. stage may be NULL or "". Never blocks on the disk. Returns
 * RIGOR_EFULL / RIGOR_EIO once a write has failed (rows are then discarded). */
int runfile_append(runfile *f, const rig_sample *s, const char *stage);

/* Write everything queued, the trailer (# end_reason and statistics; stats
 * may be NULL), fsync and close. Frees f (also on error). */
int runfile_close(runfile *f, const char *end_reason, const rig_stats *stats);

/* Flush cadence of the writer thread. */
#define RUNFILE_FLUSH_S 0.05

#endif
