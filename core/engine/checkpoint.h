/* siamese: model files and training checkpoints (safetensors).
 *
 * Tensors: every parameter by its name ("conv1.weight", ..., "head.alpha"),
 * and, in a checkpoint, the optimiser state as "optim.s1.<name>" (SGD
 * velocity or Adam m) and "optim.s2.<name>" (Adam v), and with --ema the
 * running average of the weights as "avg.<name>".
 * Metadata (all strings): format "siamese", format_version "1", preset,
 * layers (the layer-list string), input "CxHxW", head_bias "0"/"1", plus
 * whatever the caller adds (the training driver stores its whole state).
 */
#ifndef SIAMESE_CORE_CHECKPOINT_H
#define SIAMESE_CORE_CHECKPOINT_H

#include "engine/optim.h"
#include "base/safetensors.h"

#define SIAM_MODEL_FORMAT "siamese"
#define SIAM_MODEL_FORMAT_VERSION "1"

/* Writes atomically. o may be NULL (a plain model file). extra: n_extra
 * (key, value) pairs. */
siam_status siam_checkpoint_save(const char *path, siam_model *m, siam_optim *o,
                                 const char *const *extra, int n_extra, siam_error *err);
/* The same with the weights' running average (n_params floats, buffer
 * order) as "avg.*" tensors; avg may be NULL. */
siam_status siam_checkpoint_save_avg(const char *path, siam_model *m, siam_optim *o,
                                     const float *avg, const char *const *extra, int n_extra,
                                     siam_error *err);
/* Opens a model file and reads the network description from its metadata. */
siam_status siam_checkpoint_open(const char *path, siam_st_file *f, siam_net_desc *desc,
                                 siam_error *err);
/* Loads the parameters; every tensor must exist with the model's shape. */
siam_status siam_checkpoint_load_params(const siam_st_file *f, siam_model *m, siam_error *err);
/* Loads the optimiser state and step (stored in metadata "optim_step"). */
siam_status siam_checkpoint_load_optim(const siam_st_file *f, siam_optim *o, siam_error *err);

/* Reads the "avg.*" tensors into avg (n_params floats); each must exist
 * with the model's shape and hold finite values. */
siam_status siam_checkpoint_load_avg(const siam_st_file *f, const siam_model *m, float *avg,
                                     siam_error *err);

#endif
