/* siamese engine: the head on embeddings already on the device.
 *
 * One PAIR_SCORES call scores nq queries against n candidates, a (nq, n)
 * matrix: the weighted-L1 head's logits for BCE models, the L2 distance for
 * contrastive ones. Every caller that scores (the C API, the evaluator,
 * verify, classify, bench_train) goes through here, so the op is built once.
 */
#ifndef SIAMESE_ENGINE_HEAD_H
#define SIAMESE_ENGINE_HEAD_H

#include "engine/model.h"

/* The op call: queries (nq, D), candidates (n, D), out (nq, n). */
void siam_head_args(const siam_model *m, siam_metric metric, const siam_tensor *queries,
                    const siam_tensor *candidates, const siam_tensor *out, siam_op_args *a);

/* Runs the head and downloads the (nq, n) scores to host as "higher = more
 * alike": logits as they are, L2 distances negated. */
siam_status siam_head_score(siam_model *m, siam_metric metric, const siam_tensor *queries,
                            const siam_tensor *candidates, const siam_tensor *out, float *host,
                            siam_error *err);

#endif
