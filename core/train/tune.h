/* siamese: a backend's tuning step (SIAM_EXT_TUNE) run on the GEMM-shaped
 * ops of a training step, for `siamese tune`. */
#ifndef SIAMESE_TRAIN_TUNE_H
#define SIAMESE_TRAIN_TUNE_H

#include "siamese/backend.h"

/* Opens the backend `spec` ("opencl", "opencl:1"), hands its SIAM_EXT_TUNE
 * the n ops (train/step_gemm_ops.h) and closes it; `report` gets the
 * extension's tab-separated report. SIAM_ERR_UNSUPPORTED when the backend
 * has no tuning step. */
siam_status siam_tune_backend(const char *spec, const siam_op_args *ops, int n, char *report,
                              size_t size, siam_error *err);

#endif
