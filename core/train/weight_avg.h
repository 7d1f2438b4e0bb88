/* siamese: an exponential moving average of the weights over training.
 *
 * Validating and keeping the average instead of the last weights smooths
 * out the noise of the last steps (Polyak averaging). The average lives on
 * the host: every `every` steps the weights are downloaded and folded in
 * with decay d = min(decay^every, (1 + u) / (10 + u)) for the u-th update,
 * so that the first updates are not dominated by the initial weights.
 */
#ifndef SIAMESE_TRAIN_WEIGHT_AVG_H
#define SIAMESE_TRAIN_WEIGHT_AVG_H

#include "engine/model.h"

typedef struct siam_weight_avg {
    float *avg;      /* (n_params) */
    float *keep;     /* the training weights while the average is swapped in */
    int64_t n;
    double decay;    /* per step */
    int every;       /* steps between updates */
    int64_t updates;
    int swapped;
} siam_weight_avg;

/* Starts the average at m's current weights. */
siam_status siam_weight_avg_init(siam_weight_avg *w, siam_model *m, double decay, int every,
                                 siam_error *err);
void siam_weight_avg_free(siam_weight_avg *w);
/* Folds m's weights in (call after each step; acts every `every`th). */
siam_status siam_weight_avg_step(siam_weight_avg *w, siam_model *m, int64_t step,
                                 siam_error *err);
/* Puts the average into m, keeping the training weights; swap_out puts
 * them back. */
siam_status siam_weight_avg_swap_in(siam_weight_avg *w, siam_model *m, siam_error *err);
siam_status siam_weight_avg_swap_out(siam_weight_avg *w, siam_model *m, siam_error *err);

#endif
