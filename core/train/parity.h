/* siamese: training parity between two backends.
 *
 * Both backends start from the same host-initialised weights and see the
 * same batches (built once on the host). Two ways of comparing them:
 *
 * Teacher-forced: at every step backend B is given A's weights and
 * optimiser state, then both run the step on the same batch; the loss,
 * every parameter's gradient and every updated parameter are compared
 * with tight bounds. Rounding never accumulates, so a wrong kernel parts
 * at once and honest rounding never does. At step 1, and at a parting,
 * the step is replayed op by op with B's inputs copied from A, and each
 * op's outputs are held to its own parity bound (op_parity.h): that names
 * the op at fault.
 *
 * Free-running: both train on their own for the same steps. SGD with
 * momentum amplifies float32 rounding about exponentially, so the run
 * reports the divergence (relative loss and weight differences per step,
 * and their growth per step) rather than a verdict on it; the verdict
 * compares the two final models on the same one-shot trials: McNemar's
 * exact test on the trials only one of them gets right, and a 95%
 * interval for the accuracy difference. They DIFFER when p < alpha.
 */
#ifndef SIAMESE_CORE_PARITY_H
#define SIAMESE_CORE_PARITY_H

#include "siamese/backend.h"
#include "siamese/status.h"

#include <stdint.h>
#include <stdio.h>

typedef enum siam_parity_mode {
    SIAM_PARITY_TEACHER = 1,
    SIAM_PARITY_FREE = 2,
    SIAM_PARITY_BOTH = 3
} siam_parity_mode;

typedef struct siam_parity_options {
    const char *backend_a, *backend_b;
    const char *data_dir;
    const char *preset;
    int steps, batch, threads;
    uint64_t seed;
    int mode;              /* siam_parity_mode */
    double loss_tol;       /* teacher-forced: relative loss difference of a step */
    double grad_nmse;      /* teacher-forced: NMSE of each parameter's gradient */
    double weight_nmse;    /* teacher-forced: NMSE of each parameter after the update */
    double alpha;          /* free-running: McNemar p below this is DIFFER */
    int trials;            /* one-shot trials compared at the end (Lake's runs: 400) */
    FILE *out;             /* per-step lines, or NULL */
} siam_parity_options;

typedef struct siam_parity_result {
    /* teacher-forced */
    int tf_steps;
    int tf_first_bad_step;       /* 0 if none */
    char tf_what[200];           /* what left its bound at that step */
    char first_bad_node[200];    /* the op that, from the same inputs, left its own bound */
    double tf_max_loss_rel, tf_max_grad_nmse, tf_max_weight_nmse;
    char tf_max_grad_param[32];  /* where the largest gradient NMSE was */
    double op_nmse[SIAM_OP_COUNT]; /* step 1, op by op from the same inputs; -1 if not run */
    /* free-running */
    int steps_run;
    double max_rel_loss_diff;
    int max_diff_step;
    double final_weight_rel;     /* ||wa - wb|| / ||wa|| after the last step */
    double growth_per_step;      /* fitted factor of the weight difference per step */
    int trials, correct_a, correct_b, only_a, only_b;
    double prediction_agreement; /* share of trials with the same prediction */
    double p_value, diff, diff_lo, diff_hi;
    int differ;                  /* p_value < alpha */
} siam_parity_result;

void siam_parity_options_default(siam_parity_options *o);

/* The bounds an op is held to (engine/op_parity.h), for reports: NMSE in
 * a teacher-forced step, NMSE on the parity cases, and why. */
typedef struct siam_parity_bound {
    double step_nmse, case_nmse;
    const char *why;
} siam_parity_bound;
siam_parity_bound siam_parity_op_bound(siam_op op);
/* SIAM_OK when the run completed; res says whether the backends agreed. */
siam_status siam_parity_run(const siam_parity_options *o, siam_parity_result *res,
                            siam_error *err);

#endif
