/* What a model file says without loading it on a backend (`siamese info`):
 * its tensors and metadata, its layer list and sizes. */
#ifndef SIAMESE_EVAL_MODEL_INFO_H
#define SIAMESE_EVAL_MODEL_INFO_H

#include "base/safetensors.h"
#include "engine/net.h"

#include <stdio.h>

typedef struct siam_model_info {
    siam_st_file file; /* tensors, and metadata in file.json at node file.meta */
    siam_net_desc net;
    int64_t embed_dim; /* 0 if the layer list has no valid shapes */
    int64_t params;
} siam_model_info;

siam_status siam_model_info_open(const char *path, siam_model_info *info, siam_error *err);
/* The layer table: each layer's output shape and parameter count. */
void siam_model_info_print_layers(const siam_model_info *info, FILE *f);
void siam_model_info_close(siam_model_info *info);

#endif
