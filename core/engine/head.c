/* The head on device embeddings (see head.h). */
#include "engine/head.h"

#include <string.h>

void siam_head_args(const siam_model *m, siam_metric metric, const siam_tensor *queries,
                    const siam_tensor *candidates, const siam_tensor *out, siam_op_args *a)
{
    memset(a, 0, sizeof *a);
    a->op = SIAM_OP_PAIR_SCORES;
    a->p.scores.metric = metric;
    a->t[0] = *queries;
    a->t[1] = *candidates;
    if (metric == SIAM_METRIC_WL1) {
        a->t[2] = siam_model_param(m, m->head_alpha);
        if (m->head_bias >= 0)
            a->t[3] = siam_model_param(m, m->head_bias);
    }
    a->t[4] = *out;
}

siam_status siam_head_score(siam_model *m, siam_metric metric, const siam_tensor *queries,
                            const siam_tensor *candidates, const siam_tensor *out, float *host,
                            siam_error *err)
{
    siam_op_args a;
    siam_head_args(m, metric, queries, candidates, out, &a);
    siam_status st = siam_backend_run(m->be, &a, err);
    if (st == SIAM_OK)
        st = siam_tensor_download(m->be, &a.t[4], host, err);
    if (st == SIAM_OK && metric == SIAM_METRIC_L2) {
        size_t n = (size_t)(out->shape[0] * out->shape[1]);
        for (size_t i = 0; i < n; i++)
            host[i] = -host[i];
    }
    return st;
}
