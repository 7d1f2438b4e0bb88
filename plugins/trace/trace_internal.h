/* The trace module: a backend that wraps another one and profiles it.
 *
 *   siamese train --backend trace:opencl         (inner opencl, its default device)
 *   siamese eval  --backend trace:opencl:nvidia  (inner opencl, device "nvidia")
 *   parity test -b trace                         (inner $SIAMESE_TRACE_INNER, else cpu)
 *
 * create() gets opts->device = "INNER[:DEVICE]", finds and dlopens the inner
 * module itself (trace_locate.c: the core cannot be called from a module),
 * and every entry of the table then forwards to the inner backend. Ops and
 * buffer transfers are timed with the inner backend synchronised before and
 * after each call, so a time is that call's own work, not whatever was
 * queued before it (this serialises an asynchronous backend: totals are
 * real, overlap is lost). When the context is destroyed, a table of calls,
 * time and bytes per op goes to stderr (trace_report.c).
 */
#ifndef SIAMESE_TRACE_INTERNAL_H
#define SIAMESE_TRACE_INTERNAL_H

#include "siamese/backend.h"

#include <stdint.h>
#include <stdio.h>

/* Rows of the table: the ops, then the buffer functions. */
enum {
    TRACE_ROW_UPLOAD = SIAM_OP_COUNT,
    TRACE_ROW_DOWNLOAD,
    TRACE_ROW_COPY,
    TRACE_ROW_FILL,
    TRACE_ROWS
};

typedef struct trace_stat {
    uint64_t calls;
    uint64_t failed;  /* calls the inner backend answered with an error */
    double seconds;   /* synchronised wall time */
    double bytes;     /* tensors' sizes summed over calls */
} trace_stat;

/* One loaded inner module (trace_locate.c). */
typedef struct trace_inner {
    void *dl;
    const siam_backend_iface *iface;
    char path[1024];
} trace_inner;

typedef struct trace_ctx {
    trace_inner inner;
    void *inner_ctx;
    char inner_spec[256];  /* "opencl:nvidia", as asked for */
    trace_stat rows[TRACE_ROWS];
} trace_ctx;

/* Finds libsiamese-backend-<name>.so in SIAMESE_BACKEND_PATH (folders or
 * files), ../lib/siamese beside /proc/self/exe, then the folder holding the
 * trace module itself; dlopens it and checks its ABI as the core does. */
siam_status trace_inner_load(const char *name, trace_inner *out, siam_error *err);
void trace_inner_unload(trace_inner *in);

/* Name of a table row ("conv2d_fwd", "upload"). */
const char *trace_row_name(int row);
/* Prints the table, sorted by total time, to `f`. */
void trace_report_print(const trace_ctx *c, FILE *f);

#endif
