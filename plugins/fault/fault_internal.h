/* The fault module: a backend that wraps another one and makes the n-th
 * call of a chosen kind fail, to test that every caller handles a device
 * that fails part-way (issue 8, hardening).
 *
 *   SIAMESE_FAULT=alloc:3 siamese train --backend fault:cpu ...
 *   SIAMESE_FAULT=op:200+ siamese eval  --backend fault:opencl:nvidia ...
 *
 * create() reads SIAMESE_FAULT (fault_spec.c), opens the inner backend as
 * the trace module does (plugins/common/wrap_inner.c), and every entry of
 * the table then forwards to it, counting calls per kind; the chosen call
 * returns an error instead of reaching the inner backend. Without
 * SIAMESE_FAULT the module only forwards, so the parity suite, which opens
 * every module it finds, tests it as a plain backend. SIAMESE_FAULT=count
 * injects nothing and prints the calls made per kind when the context is
 * destroyed, so that a test can aim at "the last copy" or "an op after the
 * first checkpoint" without hard-coding counts.
 */
#ifndef SIAMESE_FAULT_INTERNAL_H
#define SIAMESE_FAULT_INTERNAL_H

#include "siamese/backend.h"
#include "wrap_inner.h"

#include <stdint.h>

/* Kinds of calls that can be made to fail, and the table entries each
 * counts. */
typedef enum fault_kind {
    FAULT_INIT = 0, /* create: the inner context is made, then refused
                       (what a kernel build failing at start-up looks like) */
    FAULT_ALLOC,    /* buffer_alloc (SIAM_ERR_OUT_OF_MEMORY) */
    FAULT_OP,       /* every op dispatch, whichever op */
    FAULT_COPY,     /* buffer_upload, buffer_upload_async, buffer_download, buffer_copy */
    FAULT_FILL,     /* buffer_fill */
    FAULT_SYNC,     /* synchronize */
    FAULT_KINDS
} fault_kind;

/* One parsed SIAMESE_FAULT: for each kind, the call that fails (0: none)
 * and whether every later call fails too ("op:5+", a device that stays
 * lost). */
typedef struct fault_spec {
    uint64_t at[FAULT_KINDS];
    int sticky[FAULT_KINDS];
    /* "skew:OP:N[+]": the N-th call of one op (and with '+' every later
     * one) succeeds, but its result comes back multiplied by 1 + skew, a
     * wrong kernel that parity checks must catch. skew_at 0: none. */
    siam_op skew_op;
    uint64_t skew_at;
    int skew_sticky;
    float skew;     /* $SIAMESE_FAULT_SKEW, else FAULT_SKEW_DEFAULT */
    int count;      /* "count": print the calls made per kind at exit */
    char text[128]; /* the variable's value, quoted in messages */
} fault_spec;

/* The relative error of a skewed op's result unless $SIAMESE_FAULT_SKEW
 * says otherwise: far above float32 rounding (1e-7), small enough to keep
 * a training run finite. */
#define FAULT_SKEW_DEFAULT (1.0f / 64.0f)

/* Parses "KIND:N[+][,KIND:N[+]...]", where an item may also be "count"
 * or "skew:OP:N[+]"
 * (NULL or "" means no faults). On a bad value the message names it and
 * says what is expected. */
siam_status fault_spec_parse(const char *text, fault_spec *out, siam_error *err);
/* Sets out->skew from $SIAMESE_FAULT_SKEW's text (NULL or "": the default),
 * a number in [-0.5, 1e3] other than 0. */
siam_status fault_skew_parse(const char *text, fault_spec *out, siam_error *err);
/* "alloc", "op", ... */
const char *fault_kind_name(fault_kind k);

#endif
