/* The op-parity tool (after ggml's test-backend-ops): shared definitions.
 *
 * A case is one op with the shapes of all its tensors and its parameters.
 * harness.c runs a case on a backend from host arrays, with canaries around
 * every buffer; cases.c lists the cases, makes their inputs and holds the
 * ONE table of per-op thresholds; parity_main.c has the modes. */
#ifndef SIAMESE_PARITY_H
#define SIAMESE_PARITY_H

#include "engine/backend_loader.h"
#include "engine/op_info.h"

#include <stdint.h>

#define PCASE_MAX 192

typedef struct pcase {
    siam_op op;
    char label[96];                          /* "N=2 C=3 H=9 W=11 K=5 R=3 S=4" */
    int present[SIAM_OP_MAX_TENSORS];        /* optional tensors may be 0 */
    int ndim[SIAM_OP_MAX_TENSORS];
    int64_t shape[SIAM_OP_MAX_TENSORS][4];
    siam_op_args params;                     /* only .p is used */
    float scale;                             /* inputs uniform in [-scale, scale] */
    int with_inf;                            /* some inputs are +-Inf */
    int big;                                 /* too slow for grad mode's many runs */
    const char *tune_key;                    /* OpenCL test hook (siam_opencl_tune) */
    long tune_value;
    const char *tune_key2;                   /* a second hook, applied after the first */
    long tune_value2;
    int in_place;                            /* output runs in its input's buffer (see pcase_alias) */
} pcase;

/* Host copies of a case's tensors (all float). */
typedef struct phost {
    void *t[SIAM_OP_MAX_TENSORS];
    int64_t n[SIAM_OP_MAX_TENSORS];          /* elements */
} phost;

/* ---- cases.c ---- */
/* The seed of a case's inputs: `base` mixed with its op and label, so that
 * adding or reordering cases leaves every other case's data as it was. */
uint64_t pcase_seed(const pcase *pc, uint64_t base);
int pcase_list(pcase *out, int max);
/* 1 for a conv or linear forward case with a fused activation. */
int pcase_fused(const pcase *pc);
/* Per-op NMSE threshold and the reason (summation order, fma...). */
double pcase_max_nmse(siam_op op, const char **why);
/* For an in-place case: 1, with the output tensor that shares the input's
 * buffer (relu/sigmoid: y = x forward, dx = dy backward, as the graph runs
 * them; see include/siamese/backend.h). 0 otherwise. */
int pcase_alias(const pcase *pc, int *out_i, int *in_i);
/* Fills inputs (and INOUT tensors) from a seed; outputs get NaN. */
int phost_make(const pcase *pc, uint64_t seed, phost *h);
void phost_free(phost *h);
int phost_clone(const phost *src, phost *dst);
/* Multiply-adds (or element operations) of one run, for GFLOP/s. */
double pcase_flops(const pcase *pc);

/* ---- harness.c ---- */
/* Runs the case on be: inputs from h, outputs written back into h.
 * *canary_bad counts corrupted sentinel words (out-of-bounds writes).
 * SIAM_ERR_UNSUPPORTED when supports_op says no (reason in err). */
siam_status prun(siam_backend *be, const pcase *pc, phost *h, int *canary_bad, siam_error *err);
/* Times `reps` runs (inputs uploaded once); microseconds per run. */
siam_status ptime(siam_backend *be, const pcase *pc, phost *h, int min_reps, double min_seconds,
                  double *us_per_run, siam_error *err);

typedef struct pcompare {
    double nmse;       /* worst over output tensors */
    int nan;           /* a NaN anywhere in an output (either side) */
    int inf_mismatch;  /* an Inf on one side only, or of another sign */
} pcompare;
pcompare pcompare_outputs(const pcase *pc, const phost *ref, const phost *got);

#endif
