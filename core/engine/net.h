/* siamese: network descriptions (layer lists), presets and shape tables.
 *
 * A net is one twin: a layer list applied to a (C,H,W) image, ending in an
 * embedding of D features; the head (weighted L1 + one logit, or the
 * contrastive L2 distance) sits after it. A layer list is also a string,
 *   "conv:64:10,relu,pool,conv:128:7,relu,pool,...,linear:4096,sigmoid"
 * which model files store and --preset accepts.
 */
#ifndef SIAMESE_CORE_NET_H
#define SIAMESE_CORE_NET_H

#include "siamese/status.h"

#include <stdint.h>
#include <stdio.h>

#define SIAM_MAX_LAYERS 32
/* Most learnable parameters a net may have (64 Gi, 256 GiB of floats; the
 * paper's net has 38 M). Checked by siam_net_shapes_of so that every count
 * and byte size derived from a description fits int64_t/size_t. */
#define SIAM_NET_MAX_PARAMS ((int64_t)1 << 36)

typedef enum siam_layer_kind {
    SIAM_LAYER_CONV = 0,   /* valid conv, stride 1, with bias; out = filters, kernel = size */
    SIAM_LAYER_RELU,
    SIAM_LAYER_MAXPOOL,    /* 2x2, stride 2 */
    SIAM_LAYER_LINEAR,     /* flattens its input; out = units; with bias */
    SIAM_LAYER_SIGMOID
} siam_layer_kind;

typedef struct siam_layer_desc {
    siam_layer_kind kind;
    int out;
    int kernel;
} siam_layer_desc;

typedef struct siam_net_desc {
    char name[32];
    int in_c, in_h, in_w;
    int n_layers;
    siam_layer_desc layers[SIAM_MAX_LAYERS];
    int head_bias;         /* 1: p = sigmoid(sum alpha|h1-h2| + b); 0: the paper's, no b */
} siam_net_desc;

/* The output shape (C,H,W) of every layer; linear outputs are (units,1,1). */
typedef struct siam_net_shapes {
    int64_t c[SIAM_MAX_LAYERS], h[SIAM_MAX_LAYERS], w[SIAM_MAX_LAYERS];
    int64_t embed_dim;
} siam_net_shapes;

/* "koch105" (the paper's net), "koch35" (Omniglot downsampled by 3), "tiny". */
siam_status siam_net_preset(const char *name, siam_net_desc *out, siam_error *err);
/* Names of the presets, NULL-terminated. */
const char *const *siam_net_preset_names(void);
/* Parses a layer-list string for an input of in_c x in_h x in_w. */
siam_status siam_net_parse(const char *layers, int in_c, int in_h, int in_w, siam_net_desc *out,
                           siam_error *err);
/* Writes the layer-list string of desc into buf. */
siam_status siam_net_format(const siam_net_desc *desc, char *buf, size_t size, siam_error *err);
/* Checks the layer list against the input size and fills the shapes. */
siam_status siam_net_shapes_of(const siam_net_desc *desc, siam_net_shapes *shapes,
                               siam_error *err);
/* Learnable parameters, head included. */
int64_t siam_net_param_count(const siam_net_desc *desc);
/* The shape table, one line per layer, with parameters and the total. */
void siam_net_print(const siam_net_desc *desc, FILE *f);

#endif
