/* siamese: the GEMM-shaped ops of a training step, shapes only, for a
 * backend's tuning step (SIAM_EXT_TUNE; `siamese tune`). */
#ifndef SIAMESE_CORE_STEP_GEMM_OPS_H
#define SIAMESE_CORE_STEP_GEMM_OPS_H

#include "siamese/backend.h"

/* Room for every conv and linear layer's three ops. */
#define SIAM_STEP_GEMM_OPS_MAX 96

/* The conv2d and linear ops (forward, weight gradient, input gradient but
 * for the first layer) that one tower runs in a training step of `preset`
 * at `batch` pairs (the twins run as one batch of 2 x batch images), in
 * order, with their tensors' shapes and no buffers. The head's tiny GEMM is
 * left out. */
siam_status siam_step_gemm_ops(const char *preset, int batch, siam_op_args *ops, int *n,
                               siam_error *err);

#endif
