/* The public C API (include/siamese/siamese.h) over the core. */
#include "siamese/siamese.h"

#include "checkpoint.h"
#include "data/image.h"
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define API_BATCH 32

struct siam_ctx {
    siam_backend *be;
    siam_model *m;
    siam_graph *g;
    siam_metric metric;
    siam_buffer *q, *s, *out;  /* scoring scratch, grown on demand */
    int cap;                   /* support rows s and out hold */
    float *scores;
};

siam_status siam_open(const char *model_path, const char *backend, siam_ctx **out,
                      siam_error *err)
{
    if (!model_path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_open: NULL argument");
    *out = NULL;
    siam_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_st_file f;
    siam_net_desc d;
    siam_status st = siam_checkpoint_open(model_path, &f, &d, err);
    if (st != SIAM_OK) {
        free(c);
        return st;
    }
    const char *loss = siam_st_meta(&f, "loss");
    c->metric = loss && strcmp(loss, "contrastive") == 0 ? SIAM_METRIC_L2 : SIAM_METRIC_WL1;
    st = siam_backend_open(backend, 0, &c->be, err);
    if (st == SIAM_OK)
        st = siam_model_create(c->be, &d, &c->m, err);
    if (st == SIAM_OK)
        st = siam_checkpoint_load_params(&f, c->m, err);
    siam_graph_config gc = {.max_images = API_BATCH};
    if (st == SIAM_OK)
        st = siam_graph_create(c->m, &gc, &c->g, err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(c->be, (size_t)c->m->shapes.embed_dim * 4, &c->q, err);
    siam_st_close(&f);
    if (st != SIAM_OK) {
        siam_close(c);
        return st;
    }
    *out = c;
    return SIAM_OK;
}

void siam_close(siam_ctx *c)
{
    if (!c)
        return;
    if (c->be) {
        siam_backend_free(c->be, c->q);
        siam_backend_free(c->be, c->s);
        siam_backend_free(c->be, c->out);
    }
    siam_graph_destroy(c->g);
    siam_model_destroy(c->m);
    siam_backend_close(c->be);
    free(c->scores);
    free(c);
}

int siam_input_height(const siam_ctx *c) { return c ? c->m->desc.in_h : 0; }
int siam_input_width(const siam_ctx *c) { return c ? c->m->desc.in_w : 0; }
int siam_embedding_dim(const siam_ctx *c) { return c ? (int)c->m->shapes.embed_dim : 0; }
int siam_scores_are_logits(const siam_ctx *c) { return c && c->metric == SIAM_METRIC_WL1; }
double siam_probability(float logit) { return 1.0 / (1.0 + exp(-(double)logit)); }

siam_status siam_load_image(const siam_ctx *c, const char *path, float *out, siam_error *err)
{
    if (!c || !path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_load_image: NULL argument");
    return siam_input_from_image(path, c->m->desc.in_h, c->m->desc.in_w, out, NULL, err);
}

siam_status siam_embed(siam_ctx *c, const float *images, int n, float *emb, siam_error *err)
{
    if (!c || !images || !emb || n < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_embed: bad argument");
    size_t pix = (size_t)(c->m->desc.in_h * c->m->desc.in_w);
    size_t d = (size_t)c->m->shapes.embed_dim;
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < n; i += API_BATCH) {
        int k = n - i < API_BATCH ? n - i : API_BATCH;
        st = siam_graph_embed(c->g, images + (size_t)i * pix, k, emb + (size_t)i * d, err);
    }
    return st;
}

siam_status siam_embed_png(siam_ctx *c, const char *path, float *emb, siam_error *err)
{
    if (!c)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_embed_png: NULL context");
    float *x = malloc((size_t)(c->m->desc.in_h * c->m->desc.in_w) * sizeof *x);
    if (!x)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_load_image(c, path, x, err);
    if (st == SIAM_OK)
        st = siam_embed(c, x, 1, emb, err);
    free(x);
    return st;
}

static siam_status grow(siam_ctx *c, int n, siam_error *err)
{
    if (n <= c->cap)
        return SIAM_OK;
    siam_backend_free(c->be, c->s);
    siam_backend_free(c->be, c->out);
    free(c->scores);
    c->s = c->out = NULL;
    c->cap = 0;
    c->scores = malloc((size_t)n * sizeof *c->scores);
    siam_status st = c->scores ? SIAM_OK : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_backend_alloc(c->be, (size_t)n * (size_t)c->m->shapes.embed_dim * 4, &c->s, err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(c->be, (size_t)n * 4, &c->out, err);
    if (st == SIAM_OK)
        c->cap = n;
    return st;
}

siam_status siam_classify(siam_ctx *c, const float *query, const float *support, int n,
                          float *scores, int *best, siam_error *err)
{
    if (!c || !query || !support || n < 1 || n > (1 << 24))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_classify: need a query and 1.. support embeddings");
    int64_t d = c->m->shapes.embed_dim;
    siam_status st = grow(c, n, err);
    siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
    a.t[0] = siam_tensor_2d(c->q, 0, 1, d);
    a.t[1] = siam_tensor_2d(c->s, 0, n, d);
    if (c->metric == SIAM_METRIC_WL1) {
        a.t[2] = siam_model_param(c->m, c->m->head_alpha);
        if (c->m->head_bias >= 0)
            a.t[3] = siam_model_param(c->m, c->m->head_bias);
    }
    a.t[4] = siam_tensor_2d(c->out, 0, 1, n);
    a.p.scores.metric = c->metric;
    if (st == SIAM_OK)
        st = siam_tensor_upload(c->be, &a.t[0], query, err);
    if (st == SIAM_OK)
        st = siam_tensor_upload(c->be, &a.t[1], support, err);
    if (st == SIAM_OK)
        st = siam_backend_run(c->be, &a, err);
    if (st == SIAM_OK)
        st = siam_tensor_download(c->be, &a.t[4], c->scores, err);
    if (st != SIAM_OK)
        return st;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (c->metric == SIAM_METRIC_L2)
            c->scores[i] = -c->scores[i];
        if (c->scores[i] > c->scores[k])
            k = i;
    }
    if (scores)
        memcpy(scores, c->scores, (size_t)n * sizeof *scores);
    if (best)
        *best = k;
    return SIAM_OK;
}

siam_status siam_score_pair(siam_ctx *c, const float *a, const float *b, float *score,
                            siam_error *err)
{
    if (!score)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_score_pair: NULL score");
    return siam_classify(c, a, b, 1, score, NULL, err);
}
