/* The embedding cache and the scores built on it. */
#define _POSIX_C_SOURCE 200809L
#include "eval/evaluator.h"
#include "base/clock.h"

#include "data/batch.h"
#include "engine/head.h"

#include <stdlib.h>
#include <string.h>

struct siam_evaluator {
    siam_model *m;
    const siam_dataset *ds;
    siam_graph *g;
    int batch;
    siam_metric metric;
    int64_t dim;
    size_t n_images;
    int views;                /* per image: itself, then distorted copies */
    uint64_t view_seed;
    int32_t *slot;            /* image * views + view -> cache row, -1 if none */
    float *warped;            /* one distorted image at the dataset's size */
    float *view_out;          /* one view's scores, grown with gather_cap */
    size_t n_cached, cap;
    siam_buffer *cache;       /* (cap, D) */
    siam_buffer *gather;      /* (gather_cap, D) support rows of one call */
    size_t gather_cap;
    siam_buffer *scores;      /* (gather_cap) */
    float *host_images;       /* (batch, C, H, W) */
    size_t embedded;
    double seconds;
};

siam_status siam_evaluator_create(siam_model *m, const siam_dataset *ds, int batch,
                                  siam_metric metric, siam_evaluator **out, siam_error *err)
{
    if (!m || !ds || !out || batch < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_evaluator_create: bad argument");
    if (m->desc.in_c != 1)
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "evaluation needs a 1-channel model");
    /* The dataset stores every image at one size; the same limit as for a
     * single PNG (data/image.h) applies to it. */
    siam_status sz = siam_dataset_count(ds) == 0 ? SIAM_OK : siam_input_size_check(siam_dataset_root(ds), siam_dataset_height(ds),
                                           siam_dataset_width(ds), m->desc.in_h, m->desc.in_w,
                                           err);
    if (sz != SIAM_OK)
        return sz;
    *out = NULL;
    siam_evaluator *e = calloc(1, sizeof *e);
    if (!e)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    e->m = m;
    e->ds = ds;
    e->batch = batch;
    e->metric = metric;
    e->dim = m->shapes.embed_dim;
    e->n_images = siam_dataset_count(ds);
    e->views = 1;
    e->slot = malloc((e->n_images ? e->n_images : 1) * sizeof *e->slot);
    e->host_images = malloc((size_t)batch * (size_t)(m->desc.in_h * m->desc.in_w) * 4);
    siam_graph_config cfg = {.max_images = batch};
    siam_status st = e->slot && e->host_images ? SIAM_OK
                                               : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_graph_create(m, &cfg, &e->g, err);
    if (st != SIAM_OK) {
        siam_evaluator_destroy(e);
        return st;
    }
    siam_evaluator_reset(e);
    *out = e;
    return SIAM_OK;
}

void siam_evaluator_destroy(siam_evaluator *e)
{
    if (!e)
        return;
    siam_graph_destroy(e->g);
    siam_backend_free(e->m->be, e->cache);
    siam_backend_free(e->m->be, e->gather);
    siam_backend_free(e->m->be, e->scores);
    free(e->slot);
    free(e->warped);
    free(e->view_out);
    free(e->host_images);
    free(e);
}

void siam_evaluator_reset(siam_evaluator *e)
{
    for (size_t i = 0; e && i < e->n_images * (size_t)e->views; i++)
        e->slot[i] = -1;
    if (e)
        e->n_cached = 0;
}

siam_status siam_evaluator_set_views(siam_evaluator *e, int views, uint64_t seed,
                                     siam_error *err)
{
    if (!e || views < 1 || views > SIAM_TTA_MAX_VIEWS)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "test-time views must be 1..%d (got %d)", SIAM_TTA_MAX_VIEWS, views);
    size_t n = e->n_images ? e->n_images : 1;
    int32_t *slot = malloc(n * (size_t)views * sizeof *slot);
    size_t pix = (size_t)siam_dataset_height(e->ds) * (size_t)siam_dataset_width(e->ds);
    float *warped = views > 1 && !e->warped ? malloc((pix ? pix : 1) * sizeof *warped) : NULL;
    if (!slot || (views > 1 && !e->warped && !warped)) {
        free(slot);
        free(warped);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    free(e->slot);
    e->slot = slot;
    if (warped)
        e->warped = warped;
    e->views = views;
    e->view_seed = seed;
    siam_evaluator_reset(e);
    return SIAM_OK;
}

/* The model's input for view `view` of image `im`. */
static siam_status view_image(siam_evaluator *e, uint32_t im, int view, float *out,
                              siam_error *err)
{
    int h = e->m->desc.in_h, w = e->m->desc.in_w;
    if (view == 0)
        return siam_image_float(e->ds, im, h, w, out, err);
    siam_affine_range range;
    siam_affine t;
    siam_affine_range_koch(&range);
    siam_affine_at(e->view_seed, (uint64_t)im * SIAM_TTA_MAX_VIEWS + (uint64_t)view, &range, &t);
    return siam_image_float_warped(e->ds, im, &t, h, w, e->warped, out, err);
}

static siam_status grow_cache(siam_evaluator *e, size_t need, siam_error *err)
{
    if (need <= e->cap)
        return SIAM_OK;
    size_t cap = e->cap ? e->cap : 256;
    while (cap < need)
        cap *= 2;
    siam_buffer *nb;
    siam_status st = siam_backend_alloc(e->m->be, cap * (size_t)e->dim * 4, &nb, err);
    if (st != SIAM_OK)
        return st;
    if (e->n_cached) {
        siam_tensor dst = siam_tensor_2d(nb, 0, (int64_t)e->n_cached, e->dim);
        siam_tensor src = siam_tensor_2d(e->cache, 0, (int64_t)e->n_cached, e->dim);
        st = siam_tensor_copy(e->m->be, &dst, &src, err);
    }
    if (st != SIAM_OK) {
        siam_backend_free(e->m->be, nb);
        return st;
    }
    siam_backend_free(e->m->be, e->cache);
    e->cache = nb;
    e->cap = cap;
    return SIAM_OK;
}

siam_status siam_evaluator_prepare(siam_evaluator *e, const uint32_t *images, size_t n,
                                   siam_error *err)
{
    if (!e || (!images && n))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_evaluator_prepare: bad argument");
    size_t pix = (size_t)(e->m->desc.in_h * e->m->desc.in_w), views = (size_t)e->views;
    size_t *todo = malloc((size_t)e->batch * sizeof *todo); /* image * views + view */
    if (!todo)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = SIAM_OK;
    size_t i = 0, keys = n * views;
    while (st == SIAM_OK && i < keys) {
        int k = 0;
        for (; i < keys && k < e->batch; i++) {
            uint32_t im = images[i / views];
            if (im >= e->n_images) {
                st = siam_error_set(err, SIAM_ERR_INVALID_ARG, "image %u out of range", im);
                break;
            }
            size_t key = (size_t)im * views + i % views;
            if (e->slot[key] >= 0)
                continue;
            int dup = 0;
            for (int q = 0; q < k; q++)
                dup |= todo[q] == key;
            if (!dup)
                todo[k++] = key;
        }
        if (st != SIAM_OK || k == 0)
            continue;
        double t0 = siam_now();
        for (int q = 0; st == SIAM_OK && q < k; q++)
            st = view_image(e, (uint32_t)(todo[q] / views), (int)(todo[q] % views),
                            e->host_images + (size_t)q * pix, err);
        if (st == SIAM_OK)
            st = grow_cache(e, e->n_cached + (size_t)k, err);
        if (st == SIAM_OK)
            st = siam_graph_embed(e->g, e->host_images, k, NULL, err);
        if (st == SIAM_OK) {
            siam_tensor src = siam_graph_embeddings(e->g);
            src.shape[0] = k;
            siam_tensor dst = siam_tensor_2d(e->cache, e->n_cached * (size_t)e->dim, k, e->dim);
            st = siam_tensor_copy(e->m->be, &dst, &src, err);
        }
        if (st == SIAM_OK) {
            for (int q = 0; q < k; q++)
                e->slot[todo[q]] = (int32_t)(e->n_cached + (size_t)q);
            e->n_cached += (size_t)k;
            e->embedded += (size_t)k;
            st = siam_backend_sync(e->m->be, err);
            e->seconds += siam_now() - t0;
        }
    }
    free(todo);
    return st;
}

static siam_tensor cache_row(const siam_evaluator *e, uint32_t im, int view)
{
    size_t key = (size_t)im * (size_t)e->views + (size_t)view;
    return siam_tensor_2d(e->cache, (size_t)e->slot[key] * (size_t)e->dim, 1, e->dim);
}

static siam_status grow_gather(siam_evaluator *e, size_t n, siam_error *err)
{
    if (n <= e->gather_cap)
        return SIAM_OK;
    size_t cap = n < 64 ? 64 : n;
    siam_backend_free(e->m->be, e->gather);
    siam_backend_free(e->m->be, e->scores);
    free(e->view_out);
    e->gather = e->scores = NULL;
    e->gather_cap = 0;
    e->view_out = malloc(cap * sizeof *e->view_out);
    if (!e->view_out)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_backend_alloc(e->m->be, cap * (size_t)e->dim * 4, &e->gather, err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(e->m->be, cap * 4, &e->scores, err);
    if (st == SIAM_OK)
        e->gather_cap = cap;
    return st;
}

siam_status siam_evaluator_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                                 float *out, siam_error *err)
{
    siam_evaluator *e = ctx;
    if (!e || !support || !out || n == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_evaluator_score: bad argument");
    siam_status st = siam_evaluator_prepare(e, &query, 1, err);
    if (st == SIAM_OK)
        st = siam_evaluator_prepare(e, support, n, err);
    if (st == SIAM_OK)
        st = grow_gather(e, n, err);
    /* Per view: gather the support rows into one (n, D) block, then one
     * call; the views' scores are averaged. */
    for (int v = 0; st == SIAM_OK && v < e->views; v++) {
        for (size_t j = 0; st == SIAM_OK && j < n; j++) {
            siam_tensor src = cache_row(e, support[j], v);
            siam_tensor dst = siam_tensor_2d(e->gather, j * (size_t)e->dim, 1, e->dim);
            st = siam_tensor_copy(e->m->be, &dst, &src, err);
        }
        siam_tensor q = cache_row(e, query, v);
        siam_tensor c = siam_tensor_2d(e->gather, 0, (int64_t)n, e->dim);
        siam_tensor o = siam_tensor_2d(e->scores, 0, 1, (int64_t)n);
        float *dst = v == 0 ? out : e->view_out;
        if (st == SIAM_OK)
            st = siam_head_score(e->m, e->metric, &q, &c, &o, dst, err);
        for (size_t j = 0; st == SIAM_OK && v > 0 && j < n; j++)
            out[j] += e->view_out[j];
    }
    for (size_t j = 0; st == SIAM_OK && e->views > 1 && j < n; j++)
        out[j] /= (float)e->views;
    return st;
}

siam_status siam_evaluator_trials(siam_evaluator *e, const siam_trial_set *ts, uint64_t seed,
                                  siam_eval_result *out, siam_error *err)
{
    if (!e || !ts || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_evaluator_trials: NULL argument");
    size_t per = (size_t)ts->way * (size_t)ts->shots;
    siam_status st = siam_evaluator_prepare(e, ts->query, ts->n_trials, err);
    if (st == SIAM_OK)
        st = siam_evaluator_prepare(e, ts->support, ts->n_trials * per, err);
    if (st == SIAM_OK)
        st = siam_trials_evaluate(ts, siam_evaluator_score, e, seed, out, err);
    return st;
}

siam_status siam_evaluator_pairs(siam_evaluator *e, const uint32_t *a, const uint32_t *b,
                                 size_t n, float *out, siam_error *err)
{
    if (!e || !a || !b || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_evaluator_pairs: NULL argument");
    siam_status st = siam_evaluator_prepare(e, a, n, err);
    if (st == SIAM_OK)
        st = siam_evaluator_prepare(e, b, n, err);
    for (size_t i = 0; st == SIAM_OK && i < n; i++)
        st = siam_evaluator_score(e, a[i], &b[i], 1, &out[i], err);
    return st;
}

void siam_evaluator_stats(const siam_evaluator *e, size_t *embedded, double *seconds)
{
    if (embedded)
        *embedded = e ? e->embedded : 0;
    if (seconds)
        *seconds = e ? e->seconds : 0;
}
