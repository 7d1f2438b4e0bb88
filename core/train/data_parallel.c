/* One data-parallel step's reduction (data_parallel.h). */
#include "train/data_parallel.h"

#include <string.h>

void siam_dp_slice(const siam_comm *c, int n, int *first, int *count)
{
    int64_t r = c ? c->rank : 0, s = c ? c->size : 1;
    int64_t a = (int64_t)n * r / s, b = (int64_t)n * (r + 1) / s;
    *first = (int)a;
    *count = (int)(b - a);
}

siam_status siam_dp_reduce(siam_comm *c, siam_graph *g, float *host, size_t n_params, int count,
                           int n, float loss, int signal, double elapsed, siam_dp_step *out,
                           siam_error *err)
{
    siam_status st = SIAM_OK;
    if (count > 0)
        st = siam_graph_get_grads(g, host, err);
    else
        memset(host, 0, n_params * sizeof *host);
    if (st != SIAM_OK)
        return st;
    /* Each slice's gradient is of its own mean loss: weighted by its share,
     * the sum is the gradient of the batch's mean. */
    float share = n > 0 ? (float)count / (float)n : 0.0f;
    for (size_t i = 0; i < n_params; i++)
        host[i] *= share;
    host[n_params] = count > 0 ? loss * share : 0.0f;
    host[n_params + 1] = (float)signal;
    host[n_params + 2] = signal ? 1.0f : 0.0f;
    host[n_params + 3] = (float)elapsed;
    st = c->allreduce_sum(c, host, n_params + 4, err);
    if (st == SIAM_OK)
        st = siam_graph_set_grads(g, host, err);
    if (st != SIAM_OK)
        return st;
    out->loss = host[n_params];
    /* the signal some rank caught (their mean, when several caught one) */
    out->signal = host[n_params + 2] > 0 ? (int)(host[n_params + 1] / host[n_params + 2] + 0.5f) : 0;
    out->elapsed = host[n_params + 3];
    return SIAM_OK;
}

siam_status siam_dp_share(siam_comm *c, double *acc, double *spread, int *ok, siam_error *err)
{
    double v[3] = {*acc, *spread, *ok ? 1.0 : 0.0};
    siam_status st = c->broadcast(c, v, sizeof v, 0, err);
    if (st != SIAM_OK)
        return st;
    *acc = v[0];
    *spread = v[1];
    *ok = v[2] > 0;
    return SIAM_OK;
}
