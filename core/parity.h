/* siamese: training parity between two backends.
 *
 * Both backends start from the same host-initialised weights and see the
 * same batches (built once on the host), then train step by step. After
 * every step the losses are compared; at the first step whose losses part
 * by more than the tolerance, every node's outputs are compared in
 * execution order to name the first op where the two backends differ.
 * At the end both models classify the same one-shot trials and the share
 * of trials with the same prediction is reported.
 *
 * Tolerance: float32 sums in another order (and FMA contraction on some
 * devices) differ by ~1e-7 relative per op; SGD then amplifies differences
 * step by step, so the allowed relative loss difference grows linearly:
 * tol * (1 + step / 10).
 */
#ifndef SIAMESE_CORE_PARITY_H
#define SIAMESE_CORE_PARITY_H

#include "siamese/status.h"

#include <stdint.h>
#include <stdio.h>

typedef struct siam_parity_options {
    const char *backend_a, *backend_b;
    const char *data_dir;
    const char *preset;
    int steps, batch, threads;
    uint64_t seed;
    double tol;            /* relative loss tolerance at step 0 */
    int trials;            /* one-shot trials compared at the end (Lake's runs: 400) */
    FILE *out;             /* per-step lines, or NULL */
} siam_parity_options;

typedef struct siam_parity_result {
    int steps_run;
    int first_bad_step;          /* 0 if none */
    char first_bad_node[160];    /* "forward conv2 (conv2d_fwd) output 'y', NMSE ..." */
    double max_rel_loss_diff;
    int max_diff_step;
    double prediction_agreement; /* share of trials with the same prediction */
    int trials;
} siam_parity_result;

void siam_parity_options_default(siam_parity_options *o);
/* SIAM_OK when the run completed; res says whether the backends agreed. */
siam_status siam_parity_run(const siam_parity_options *o, siam_parity_result *res,
                            siam_error *err);

#endif
