/* siamese eval: scoring one-shot trials (data/trials.h) with a scorer
 * callback, the model's (eval/evaluator.h) or a baseline's. */
#ifndef SIAMESE_EVAL_TRIAL_SCORING_H
#define SIAMESE_EVAL_TRIAL_SCORING_H

#include "data/trials.h"

/* Scorer callback: fills out_scores[j] (n floats) with the similarity of
 * image `query` to image support[j]; higher = more similar. Indices are
 * images of the dataset the trials were made from. A model scorer would
 * embed the images (siam_image_float) and run the head; the baselines are
 * in eval/baselines.h. */
typedef siam_status (*siam_score_fn)(void *ctx, uint32_t query, const uint32_t *support,
                                     size_t n, float *out_scores, siam_error *err);

typedef struct siam_eval_result {
    size_t trials;
    size_t correct;
    double accuracy;         /* correct / trials */
    double ci_low, ci_high;  /* 95% Wilson score interval of accuracy */
} siam_eval_result;

/* Scores every trial: a class scores the best of its shots; the predicted
 * class is the best-scoring one, ties broken uniformly at random (stream
 * SIAM_RNG_STREAM_TIEBREAK of seed), so a constant scorer gets 1/way. */
siam_status siam_trials_evaluate(const siam_trial_set *ts, siam_score_fn score, void *ctx,
                                 uint64_t seed, siam_eval_result *out, siam_error *err);

/* The same, also writing each trial's chosen position (picks, n_trials)
 * and each candidate class's score (class_scores, n_trials x way), for
 * reports; either may be NULL. */
siam_status siam_trials_evaluate_detail(const siam_trial_set *ts, siam_score_fn score, void *ctx,
                                        uint64_t seed, siam_eval_result *out, uint32_t *picks,
                                        float *class_scores, siam_error *err);

/* 95% Wilson score interval for k successes out of n. */
void siam_wilson95(size_t k, size_t n, double *lo, double *hi);

/* Private RNG stream of the tie-breaking draws (rng.h allows > 1000). */
#define SIAM_RNG_STREAM_TIEBREAK 1001

#endif
