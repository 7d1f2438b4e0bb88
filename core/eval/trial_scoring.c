/* Scoring one-shot trials with a scorer callback. */
#include "eval/trial_scoring.h"

#include <math.h>
#include <stdlib.h>

#include "base/rng.h"

void siam_wilson95(size_t k, size_t n, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    const double z = 1.959963984540054;
    double p = (double)k / (double)n, nn = (double)n;
    double denom = 1.0 + z * z / nn;
    double centre = (p + z * z / (2.0 * nn)) / denom;
    double half = z * sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn)) / denom;
    /* At k = 0 or k = n the bound is exactly 0 or 1; rounding aside. */
    *lo = (k == 0 || centre - half < 0.0) ? 0.0 : centre - half;
    *hi = (k == n || centre + half > 1.0) ? 1.0 : centre + half;
}

siam_status siam_trials_evaluate(const siam_trial_set *ts, siam_score_fn score, void *ctx,
                                 uint64_t seed, siam_eval_result *out, siam_error *err)
{
    return siam_trials_evaluate_detail(ts, score, ctx, seed, out, NULL, NULL, err);
}

siam_status siam_trials_evaluate_detail(const siam_trial_set *ts, siam_score_fn score, void *ctx,
                                        uint64_t seed, siam_eval_result *out, uint32_t *picks,
                                        float *class_scores, siam_error *err)
{
    if (!ts || !score || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "evaluate: NULL argument");
    if (ts->way < 1 || ts->shots < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "evaluate: empty trial shape");
    size_t per = (size_t)ts->way * (size_t)ts->shots;
    float *scores = malloc(sizeof(float) * per);
    if (!scores)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "evaluate: out of memory");
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_TIEBREAK);
    size_t correct = 0;
    for (size_t t = 0; t < ts->n_trials; t++) {
        siam_status st = score(ctx, ts->query[t], ts->support + t * per, per, scores, err);
        if (st != SIAM_OK) {
            free(scores);
            return st;
        }
        /* Best class; among equal bests, the k-th tie replaces the choice
         * with probability 1/k (reservoir sampling), so ties are uniform. */
        double best = -INFINITY;
        size_t pick = 0, n_ties = 0;
        for (int c = 0; c < ts->way; c++) {
            double cs = -INFINITY;
            for (int s = 0; s < ts->shots; s++) {
                double v = scores[(size_t)c * ts->shots + s];
                if (isnan(v)) {
                    free(scores);
                    return siam_error_set(err, SIAM_ERR_NUMERIC,
                                          "evaluate: scorer returned NaN in trial %zu", t);
                }
                if (v > cs)
                    cs = v;
            }
            if (c == 0 || cs > best) {
                best = cs;
                pick = (size_t)c;
                n_ties = 1;
            } else if (cs == best) {
                n_ties++;
                if (siam_rng_below(&r, n_ties) == 0)
                    pick = (size_t)c;
            }
        }
        correct += pick == ts->answer[t];
        if (picks)
            picks[t] = (uint32_t)pick;
        for (int c = 0; class_scores && c < ts->way; c++) {
            float cs = -INFINITY;
            for (int s = 0; s < ts->shots; s++)
                cs = scores[(size_t)c * ts->shots + s] > cs ? scores[(size_t)c * ts->shots + s] : cs;
            class_scores[t * (size_t)ts->way + (size_t)c] = cs;
        }
    }
    free(scores);
    out->trials = ts->n_trials;
    out->correct = correct;
    out->accuracy = ts->n_trials ? (double)correct / (double)ts->n_trials : 0.0;
    siam_wilson95(correct, ts->n_trials, &out->ci_low, &out->ci_high);
    return SIAM_OK;
}
