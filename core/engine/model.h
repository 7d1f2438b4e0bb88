/* siamese: a network's parameters on a backend.
 *
 * All parameters live in ONE backend buffer, in layer order:
 *   convN.weight (K,C,R,S), convN.bias (K), fcN.weight (O,I), fcN.bias (O),
 *   head.alpha (D) [, head.bias (1)].
 * A layer's weight and bias are adjacent, so one optimiser call updates a
 * layer (a "group": the paper sets learning rate, momentum and L2 per layer).
 * Initial values come from the counter-based RNG on the host, so every
 * backend starts from bit-identical weights for the same seed.
 */
#ifndef SIAMESE_CORE_MODEL_H
#define SIAMESE_CORE_MODEL_H

#include "engine/backend_loader.h"
#include "engine/net.h"

#define SIAM_MAX_PARAMS (2 * SIAM_MAX_LAYERS + 2)
#define SIAM_MAX_GROUPS (SIAM_MAX_LAYERS + 1)

typedef struct siam_param {
    char name[32];         /* "conv1.weight" */
    size_t offset;         /* elements into the parameter buffer */
    int ndim;
    int64_t shape[4];
    int64_t numel;
    int group;             /* optimiser group (layer) */
    int is_bias;
} siam_param;

typedef struct siam_param_group {
    char name[16];         /* "conv1", "fc1", "head" */
    size_t offset;         /* elements; weight then bias */
    int64_t numel;
    int layer;             /* index in the layer list; -1 for the head */
} siam_param_group;

typedef enum siam_init_scheme {
    SIAM_INIT_PAPER = 0,   /* conv w N(0,1e-2), biases N(0.5,1e-2), fc w N(0,2e-1) */
    SIAM_INIT_UNIFORM = 1  /* w, b ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in)) (PyTorch's default) */
} siam_init_scheme;

typedef struct siam_model {
    siam_net_desc desc;
    siam_net_shapes shapes;
    siam_backend *be;      /* not owned */
    siam_buffer *params;
    int64_t n_params;
    int n_entries;
    siam_param entries[SIAM_MAX_PARAMS];
    int n_groups;
    siam_param_group groups[SIAM_MAX_GROUPS];
    int layer_weight[SIAM_MAX_LAYERS]; /* entry index of each layer's weight, -1 if none */
    int head_alpha, head_bias;         /* entry indices; head_bias -1 if absent */
} siam_model;

/* Fills m's description, shapes and parameter table, with no backend and
 * no parameter memory (params NULL): what a file must hold, known before
 * anything is reserved for it. */
siam_status siam_model_layout(const siam_net_desc *desc, siam_model *m, siam_error *err);
siam_status siam_model_create(siam_backend *be, const siam_net_desc *desc, siam_model **out,
                              siam_error *err);
void siam_model_destroy(siam_model *m);
siam_status siam_model_init(siam_model *m, uint64_t seed, siam_init_scheme scheme,
                            siam_error *err);
/* The view of one parameter entry. */
siam_tensor siam_model_param(const siam_model *m, int entry);
/* Host copies of all parameters (n_params floats, buffer order). */
siam_status siam_model_get(siam_model *m, float *host, siam_error *err);
siam_status siam_model_set(siam_model *m, const float *host, siam_error *err);
/* Fills host (n_params floats) with the initial values; no backend needed. */
siam_status siam_model_init_values(const siam_model *m, uint64_t seed, siam_init_scheme scheme,
                                   float *host, siam_error *err);
int siam_model_find(const siam_model *m, const char *name);

#endif
