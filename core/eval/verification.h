/* siamese eval: verification, "same class or not" at a threshold.
 *
 * Pairs are balanced (half same, half different, negatives from any
 * alphabet) and scored by the evaluator; the threshold is chosen where
 * accuracy is best on one set of pairs and applied to another, as the
 * paper reports it; ROC AUC needs no threshold.
 */
#ifndef SIAMESE_EVAL_VERIFICATION_H
#define SIAMESE_EVAL_VERIFICATION_H

#include "data/subset.h"
#include "eval/evaluator.h"

/* Verification: the threshold on score that maximises accuracy over
 * (scores, labels), and the accuracy it gives. */
double siam_best_threshold(const float *scores, const float *labels, size_t n, double *accuracy);
double siam_threshold_accuracy(const float *scores, const float *labels, size_t n, double thr);
/* Area under the ROC curve (ties count half), or -1 without both classes. */
double siam_roc_auc(const float *scores, const float *labels, size_t n);

/* Scores n balanced pairs of `sub` drawn from seed: scores (n) and labels
 * (n, 1 = same). */
siam_status siam_verification_pairs(siam_evaluator *ev, const siam_subset *sub, uint64_t seed,
                                    size_t n, float *scores, float *labels, siam_error *err);

typedef struct siam_verification {
    size_t pairs;        /* on each side */
    double threshold;    /* chosen on validation pairs */
    double val_accuracy; /* there */
    double accuracy;     /* on test pairs at that threshold */
    double auc;          /* ROC AUC on test pairs */
} siam_verification;

/* Koch's verification on Omniglot's evaluation alphabets (data_dir's
 * images_evaluation): threshold on n validation pairs (seed), accuracy and
 * AUC on n test pairs (seed + 1), from disjoint alphabets and drawers;
 * views > 1 scores with test-time augmentation (siam_evaluator_set_views). */
siam_status siam_verification_measure(siam_model *m, siam_metric metric, int views,
                                      const char *data_dir,
                                      size_t n, uint64_t seed, siam_verification *out,
                                      siam_error *err);

#endif
