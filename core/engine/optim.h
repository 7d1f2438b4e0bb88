/* siamese: optimisers over a model's parameter groups.
 *
 * The paper sets learning rate, momentum and L2 weight per layer; a group is
 * one layer's weight and bias (model.h), plus the head. L2 enters through
 * the gradient (g + 2*l2*w), as the paper's update rule means (its printed
 * "+2*lambda*|w|" is a typo). Optimiser state lives in backend buffers with
 * the parameter buffer's layout.
 */
#ifndef SIAMESE_CORE_OPTIM_H
#define SIAMESE_CORE_OPTIM_H

#include "engine/model.h"

typedef enum siam_optim_kind {
    SIAM_OPTIM_SGD = 0,
    SIAM_OPTIM_ADAM = 1
} siam_optim_kind;

typedef struct siam_group_hparams {
    float lr, momentum, l2;
} siam_group_hparams;

typedef struct siam_optim_config {
    siam_optim_kind kind;
    siam_group_hparams group[SIAM_MAX_GROUPS]; /* indexed like model->groups */
    float beta1, beta2, eps;                   /* Adam */
} siam_optim_config;

typedef struct siam_optim {
    siam_optim_config cfg;
    siam_model *m;
    siam_buffer *s1, *s2;      /* SGD: velocity, -; Adam: m, v */
    int64_t step;              /* updates done */
} siam_optim;

/* The same hyperparameters for every group. */
void siam_optim_config_uniform(siam_optim_config *cfg, siam_optim_kind kind, float lr,
                               float momentum, float l2);
siam_status siam_optim_create(siam_model *m, const siam_optim_config *cfg, siam_optim **out,
                              siam_error *err);
void siam_optim_destroy(siam_optim *o);
/* One update of every group from the gradients in `grads` (model layout). */
siam_status siam_optim_step(siam_optim *o, siam_buffer *grads, siam_error *err);
/* State as host arrays of n_params floats each (s2 NULL for SGD). */
siam_status siam_optim_get_state(siam_optim *o, float *s1, float *s2, siam_error *err);
siam_status siam_optim_set_state(siam_optim *o, const float *s1, const float *s2, int64_t step,
                                 siam_error *err);

#endif
