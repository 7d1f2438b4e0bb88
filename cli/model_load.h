/* Shared by the commands that use a trained model: open it on a backend,
 * and turn a user's PNG into the model's input. */
#ifndef SIAMESE_CLI_MODEL_LOAD_H
#define SIAMESE_CLI_MODEL_LOAD_H

#include "model.h"

/* Opens backend `spec` (NULL: default) and loads the model file onto it.
 * metric: how the model compares embeddings (WL1 head or L2 distance). */
siam_status cli_model_open(const char *path, const char *spec, int threads, siam_backend **be,
                           siam_model **m, siam_metric *metric, siam_error *err);
/* What else a model file says, read from the one open file. */
typedef struct cli_model_info {
    int have_threshold;        /* verify_threshold and verify_accuracy present */
    double threshold;          /* in the evaluator's score units */
    double threshold_accuracy; /* on the validation pairs it was chosen on */
} cli_model_info;
siam_status cli_model_open_info(const char *path, const char *spec, int threads,
                                siam_backend **be, siam_model **m, siam_metric *metric,
                                cli_model_info *info, siam_error *err);
void cli_model_close(siam_backend *be, siam_model *m);
/* A PNG of any size and depth as the model's (1, H, W) input, ink = 1.0
 * (polarity from the border: a light border means dark ink). */
siam_status cli_image_load(const char *path, const siam_model *m, float *out, siam_error *err);

#endif
