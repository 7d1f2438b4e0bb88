/* All-pairs scores for one-shot evaluation: q (Q,D) against s (S,D).
 *   WL1: out[i][j] = bias + sum_k alpha_k |q_ik - s_jk|   (alpha absent = 1)
 *   L2:  out[i][j] = sqrt(sum_k (q_ik - s_jk)^2)
 * Summed in double in increasing k. */
#include "cpu_kernels.h"

#include <math.h>

siam_status cpu_pair_scores(void *ctx, const siam_op_args *a, siam_error *err)
{
    (void)ctx, (void)err;
    int64_t nq = a->t[0].shape[0], ns = a->t[1].shape[0], dim = a->t[0].shape[1];
    const float *q = cpu_f32(&a->t[0]), *s = cpu_f32(&a->t[1]);
    const float *alpha = cpu_f32(&a->t[2]), *bias = cpu_f32(&a->t[3]);
    float *out = cpu_f32(&a->t[4]);
    int l2 = a->p.scores.metric == SIAM_METRIC_L2;
    for (int64_t i = 0; i < nq; i++)
        for (int64_t j = 0; j < ns; j++) {
            double acc = 0.0;
            for (int64_t k = 0; k < dim; k++) {
                double d = (double)q[i * dim + k] - s[j * dim + k];
                acc += l2 ? d * d : (alpha ? alpha[k] : 1.0) * fabs(d);
            }
            out[i * ns + j] = (float)(l2 ? sqrt(acc) : acc + (bias ? bias[0] : 0.0));
        }
    return SIAM_OK;
}
