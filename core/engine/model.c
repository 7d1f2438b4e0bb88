/* Parameter layout, initialisation and host transfers. */
#include "engine/model.h"

#include "base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void add_entry(siam_model *m, const char *name, int ndim, const int64_t *shape, int group,
                      int is_bias, size_t *offset)
{
    siam_param *p = &m->entries[m->n_entries++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->offset = *offset;
    p->ndim = ndim;
    p->numel = 1;
    for (int i = 0; i < 4; i++) {
        p->shape[i] = i < ndim ? shape[i] : 1;
        if (i < ndim)
            p->numel *= shape[i];
    }
    p->group = group;
    p->is_bias = is_bias;
    *offset += (size_t)p->numel;
}

static void layout(siam_model *m)
{
    const siam_net_desc *d = &m->desc;
    size_t off = 0;
    int64_t c = d->in_c, h = d->in_h, w = d->in_w;
    int nconv = 0, nfc = 0;
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        m->layer_weight[i] = -1;
        if (l->kind == SIAM_LAYER_CONV || l->kind == SIAM_LAYER_LINEAR) {
            siam_param_group *g = &m->groups[m->n_groups];
            int conv = l->kind == SIAM_LAYER_CONV;
            snprintf(g->name, sizeof g->name, conv ? "conv%d" : "fc%d", conv ? ++nconv : ++nfc);
            g->offset = off;
            g->layer = i;
            char name[32];
            int64_t ws[4] = {l->out, c, l->kernel, l->kernel};
            int64_t fs[2] = {l->out, c * h * w};
            int64_t bs[1] = {l->out};
            snprintf(name, sizeof name, "%s.weight", g->name);
            m->layer_weight[i] = m->n_entries;
            add_entry(m, name, conv ? 4 : 2, conv ? ws : fs, m->n_groups, 0, &off);
            snprintf(name, sizeof name, "%s.bias", g->name);
            add_entry(m, name, 1, bs, m->n_groups, 1, &off);
            g->numel = (int64_t)(off - g->offset);
            m->n_groups++;
        }
        c = m->shapes.c[i];
        h = m->shapes.h[i];
        w = m->shapes.w[i];
    }
    siam_param_group *g = &m->groups[m->n_groups];
    snprintf(g->name, sizeof g->name, "head");
    g->offset = off;
    g->layer = -1;
    int64_t as[1] = {m->shapes.embed_dim}, one[1] = {1};
    m->head_alpha = m->n_entries;
    add_entry(m, "head.alpha", 1, as, m->n_groups, 0, &off);
    m->head_bias = -1;
    if (d->head_bias) {
        m->head_bias = m->n_entries;
        add_entry(m, "head.bias", 1, one, m->n_groups, 1, &off);
    }
    g->numel = (int64_t)(off - g->offset);
    m->n_groups++;
    m->n_params = (int64_t)off;
}

siam_status siam_model_layout(const siam_net_desc *desc, siam_model *m, siam_error *err)
{
    if (!desc || !m)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_layout: NULL argument");
    memset(m, 0, sizeof *m);
    m->desc = *desc;
    siam_status st = siam_net_shapes_of(desc, &m->shapes, err);
    if (st == SIAM_OK)
        layout(m);
    return st;
}

siam_status siam_model_create(siam_backend *be, const siam_net_desc *desc, siam_model **out,
                              siam_error *err)
{
    if (!be || !desc || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_create: NULL argument");
    *out = NULL;
    siam_model *m = calloc(1, sizeof *m);
    if (!m)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_model_layout(desc, m, err);
    if (st != SIAM_OK) {
        free(m);
        return st;
    }
    m->be = be;
    st = siam_backend_alloc(be, (size_t)m->n_params * sizeof(float), &m->params, err);
    if (st != SIAM_OK) {
        free(m);
        return st;
    }
    *out = m;
    return SIAM_OK;
}

void siam_model_destroy(siam_model *m)
{
    if (!m)
        return;
    siam_backend_free(m->be, m->params);
    free(m);
}

siam_tensor siam_model_param(const siam_model *m, int entry)
{
    const siam_param *p = &m->entries[entry];
    return siam_tensor_view(m->params, p->offset, SIAM_F32, p->ndim, p->shape);
}

int siam_model_find(const siam_model *m, const char *name)
{
    for (int i = 0; m && name && i < m->n_entries; i++)
        if (strcmp(m->entries[i].name, name) == 0)
            return i;
    return -1;
}

siam_status siam_model_init_values(const siam_model *m, uint64_t seed, siam_init_scheme scheme,
                                   float *host, siam_error *err)
{
    if (!m || !host)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_init_values: NULL argument");
    if (scheme != SIAM_INIT_PAPER && scheme != SIAM_INIT_UNIFORM)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "unknown init scheme %d", (int)scheme);
    for (int e = 0; e < m->n_entries; e++) {
        const siam_param *p = &m->entries[e];
        /* One RNG stream per entry: adding a layer never shifts the others. */
        siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_INIT * 1000 + (uint64_t)e);
        const siam_param_group *g = &m->groups[p->group];
        int is_conv = g->layer >= 0 && m->desc.layers[g->layer].kind == SIAM_LAYER_CONV;
        int64_t fan_in = g->layer >= 0 ? (p->is_bias ? m->entries[e - 1].numel / m->entries[e - 1].shape[0]
                                                     : p->numel / p->shape[0])
                                       : m->shapes.embed_dim;
        for (int64_t i = 0; i < p->numel; i++) {
            double v;
            if (scheme == SIAM_INIT_PAPER) {
                if (p->is_bias)
                    v = 0.5 + 1e-2 * siam_rng_normal(&r);
                else if (g->layer < 0) /* alpha: not stated in the paper; like the FC weights */
                    v = 2e-1 * siam_rng_normal(&r);
                else
                    v = (is_conv ? 1e-2 : 2e-1) * siam_rng_normal(&r);
            } else {
                double bound = 1.0 / sqrt((double)fan_in);
                v = siam_rng_range(&r, -bound, bound);
            }
            host[p->offset + (size_t)i] = (float)v;
        }
    }
    return SIAM_OK;
}

siam_status siam_model_init(siam_model *m, uint64_t seed, siam_init_scheme scheme,
                            siam_error *err)
{
    if (!m)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_init: NULL model");
    float *host = malloc((size_t)m->n_params * sizeof(float));
    if (!host)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_model_init_values(m, seed, scheme, host, err);
    if (st == SIAM_OK)
        st = siam_model_set(m, host, err);
    free(host);
    return st;
}

siam_status siam_model_get(siam_model *m, float *host, siam_error *err)
{
    if (!m || !host)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_get: NULL argument");
    siam_tensor all = siam_tensor_1d(m->params, 0, m->n_params);
    return siam_tensor_download(m->be, &all, host, err);
}

siam_status siam_model_set(siam_model *m, const float *host, siam_error *err)
{
    if (!m || !host)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_model_set: NULL argument");
    siam_tensor all = siam_tensor_1d(m->params, 0, m->n_params);
    return siam_tensor_upload(m->be, &all, host, err);
}
