/* The trace module's table: per-op calls, total and mean time, bandwidth.
 *
 *   siamese trace: cpu (/usr/lib/siamese/libsiamese-backend-cpu.so), 1234 calls, 567.890 ms
 *   (the inner backend is synchronised before and after every call, so times are
 *   each call's own work)
 *   op                      calls     total ms      mean us      GB/s   failed
 *   conv2d_fwd                 30      301.250    10041.667     0.123       0
 *   ...
 * GB/s is the bytes of the call's tensors (inputs and outputs, each once;
 * a copy counts source and destination) over its time: a lower bound on the
 * memory traffic, useful to spot memory-bound ops. Rows that never ran are
 * left out; rows are sorted by total time, largest first. */
#include "trace_internal.h"

#include <stdlib.h>

/* Op rows take their names from the ABI (siam_op_name()); the rows after
 * them are the buffer calls. */
static const char *const buffer_row_names[TRACE_ROWS - SIAM_OP_COUNT] = {
    [TRACE_ROW_UPLOAD - SIAM_OP_COUNT] = "upload",
    [TRACE_ROW_DOWNLOAD - SIAM_OP_COUNT] = "download",
    [TRACE_ROW_COPY - SIAM_OP_COUNT] = "copy",
    [TRACE_ROW_FILL - SIAM_OP_COUNT] = "fill",
};

const char *trace_row_name(int row)
{
    if (row >= 0 && row < SIAM_OP_COUNT)
        return siam_op_name((siam_op)row);
    if (row < 0 || row >= TRACE_ROWS || !buffer_row_names[row - SIAM_OP_COUNT])
        return "?";
    return buffer_row_names[row - SIAM_OP_COUNT];
}

typedef struct row_ref {
    int row;
    double seconds;
} row_ref;

/* Descending by time; ties by row number, so the order is deterministic. */
static int by_time(const void *pa, const void *pb)
{
    const row_ref *a = pa, *b = pb;
    if (a->seconds != b->seconds)
        return a->seconds < b->seconds ? 1 : -1;
    return (a->row > b->row) - (a->row < b->row);
}

void trace_report_print(const trace_ctx *c, FILE *f)
{
    row_ref order[TRACE_ROWS];
    int n = 0;
    uint64_t calls = 0, failed = 0;
    double seconds = 0.0, bytes = 0.0;
    for (int r = 0; r < TRACE_ROWS; r++) {
        const trace_stat *s = &c->rows[r];
        if (!s->calls)
            continue;
        order[n].row = r;
        order[n++].seconds = s->seconds;
        calls += s->calls;
        failed += s->failed;
        seconds += s->seconds;
        bytes += s->bytes;
    }
    qsort(order, (size_t)n, sizeof order[0], by_time);
    fprintf(f,
            "siamese trace: %s (%s), %llu calls, %.3f ms (the inner backend is synchronised "
            "before and after every call, so times are each call's own work)\n",
            c->inner.spec, c->inner.path, (unsigned long long)calls, seconds * 1e3);
    fprintf(f, "%-20s %10s %12s %12s %9s %7s\n", "op", "calls", "total ms", "mean us", "GB/s",
            "failed");
    for (int i = 0; i < n; i++) {
        const trace_stat *s = &c->rows[order[i].row];
        double gbs = s->seconds > 0 ? s->bytes / s->seconds * 1e-9 : 0.0;
        fprintf(f, "%-20s %10llu %12.3f %12.3f %9.3f %7llu\n", trace_row_name(order[i].row),
                (unsigned long long)s->calls, s->seconds * 1e3, s->seconds * 1e6 / (double)s->calls,
                gbs, (unsigned long long)s->failed);
    }
    fprintf(f, "%-20s %10llu %12.3f %12s %9.3f %7llu\n", "total", (unsigned long long)calls,
            seconds * 1e3, "", seconds > 0 ? bytes / seconds * 1e-9 : 0.0,
            (unsigned long long)failed);
    fflush(f);
}
