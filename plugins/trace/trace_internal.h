/* The trace module: a backend that wraps another one and profiles it.
 *
 *   siamese train --backend trace:opencl         (inner opencl, its default device)
 *   siamese eval  --backend trace:opencl:nvidia  (inner opencl, device "nvidia")
 *   parity test -b trace                         (inner $SIAMESE_TRACE_INNER, else cpu)
 *
 * create() gets opts->device = "INNER[:DEVICE]", finds and dlopens the inner
 * module itself (plugins/common/wrap_inner.c, shared with the fault module:
 * the core cannot be called from a module),
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
#include "wrap_inner.h"

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

typedef struct trace_ctx {
    wrap_inner inner;  /* inner.spec: "opencl:nvidia", as asked for */
    void *inner_ctx;
    trace_stat rows[TRACE_ROWS];
} trace_ctx;

/* Name of a table row ("conv2d_fwd", "upload"). */
const char *trace_row_name(int row);
/* Prints the table, sorted by total time, to `f`. */
void trace_report_print(const trace_ctx *c, FILE *f);

#endif
