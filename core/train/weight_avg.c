/* siamese: the weights' moving average (weight_avg.h). */
#include "train/weight_avg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

siam_status siam_weight_avg_init(siam_weight_avg *w, siam_model *m, double decay, int every,
                                 siam_error *err)
{
    memset(w, 0, sizeof *w);
    if (!m || !(decay > 0 && decay < 1) || every < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "weight average: need 0 < decay < 1 and every >= 1");
    w->n = m->n_params;
    w->decay = decay;
    w->every = every;
    w->avg = malloc((size_t)w->n * sizeof *w->avg);
    w->keep = malloc((size_t)w->n * sizeof *w->keep);
    if (!w->avg || !w->keep) {
        siam_weight_avg_free(w);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return siam_model_get(m, w->avg, err);
}

void siam_weight_avg_free(siam_weight_avg *w)
{
    if (!w)
        return;
    free(w->avg);
    free(w->keep);
    w->avg = w->keep = NULL;
}

siam_status siam_weight_avg_step(siam_weight_avg *w, siam_model *m, int64_t step,
                                 siam_error *err)
{
    if (!w->avg || step % w->every != 0)
        return SIAM_OK;
    siam_status st = siam_model_get(m, w->keep, err);
    if (st != SIAM_OK)
        return st;
    double u = (double)w->updates++;
    double d = pow(w->decay, w->every), warm = (1 + u) / (10 + u);
    float a = (float)(d < warm ? d : warm), b = 1.0f - a;
    for (int64_t i = 0; i < w->n; i++)
        w->avg[i] = a * w->avg[i] + b * w->keep[i];
    return SIAM_OK;
}

siam_status siam_weight_avg_swap_in(siam_weight_avg *w, siam_model *m, siam_error *err)
{
    if (w->swapped)
        return SIAM_OK;
    siam_status st = siam_model_get(m, w->keep, err);
    if (st == SIAM_OK)
        st = siam_model_set(m, w->avg, err);
    w->swapped = st == SIAM_OK;
    return st;
}

siam_status siam_weight_avg_swap_out(siam_weight_avg *w, siam_model *m, siam_error *err)
{
    if (!w->swapped)
        return SIAM_OK;
    siam_status st = siam_model_set(m, w->keep, err);
    w->swapped = st != SIAM_OK;
    return st;
}
